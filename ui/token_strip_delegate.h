#pragma once

#include <QStyledItemDelegate>

#include <vector>

class QAbstractItemView;

namespace ns {

/// Draws an exemplar as a strip of tokens, each on a background coloured by its activation
/// (orange up to the neuron's maximum, blue below zero), the maximum framed when it is a real
/// peak (above the record's active threshold), marked tokens underlined and, when an
/// explanation is shown, every line drawn a second time below, coloured by the simulation on
/// the same scale (OpenAI's neuron viewer shows real and simulated the same way). A label
/// column gives the row's group, maximum and document, one line each, cut to fit. Token text
/// is drawn as plain text, never interpreted as markup; line breaks and tabs are shown as
/// symbols. A tooltip gives the token and both values on the one scale.
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
    /// The tooltip of token k of a row: its text, activation and simulation, both as a share of the scale.
    static QString tokenTip(const QModelIndex& index, int k);
    /// The label column's width for a font.
    static int labelWidth(const QFont& font);

private:
    std::vector<QRect> layout(const QModelIndex& index, const QFont& font, int width) const;
    int textWidth(const QFont& font) const;
    QAbstractItemView* m_view;
};

}  // namespace ns
