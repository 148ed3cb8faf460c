#pragma once

#include <QStyledItemDelegate>

#include <vector>

class QAbstractItemView;

namespace ns {

/// Draws an exemplar as a strip of tokens, each on a background coloured by its activation
/// (orange up to the neuron's maximum, blue below zero), the maximum token framed, marked
/// tokens underlined and, when an explanation is shown, its simulated activation as a bar under
/// each token. Token text is drawn as plain text, never interpreted as markup; line breaks and
/// tabs are shown as symbols. A tooltip gives the token and its values.
class TokenStripDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit TokenStripDelegate(QAbstractItemView* view);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    bool helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                   const QModelIndex& index) override;

    /// Background colour of an activation relative to the scale (the neuron's maximum).
    static QColor colourFor(float activation, float scale);
    /// How a token's text is shown: visible symbols for line breaks and tabs.
    static QString shown(const QString& token);

private:
    std::vector<QRect> layout(const QModelIndex& index, const QFont& font, int width) const;
    int textWidth() const;
    QAbstractItemView* m_view;
};

}  // namespace ns
