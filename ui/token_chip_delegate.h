#pragma once

#include <QStyledItemDelegate>

namespace ns {

/// Paints a list item as a token chip: the token quoted, its spaces as middle dots (so a
/// leading space or a token of whitespace alone can be read), and its value beside it, on a
/// green (promoted) or red (suppressed) ground. Items give the token in TokenRole and the value
/// in ValueRole.
class TokenChipDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    enum Role { TokenRole = Qt::UserRole + 1, ValueRole };
    using QStyledItemDelegate::QStyledItemDelegate;

    /// “·the”: quoted, spaces as middle dots, line breaks and tabs as symbols.
    static QString chipText(const QString& token);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace ns
