#include "token_chip_delegate.h"

#include <QPainter>
#include <QPainterPath>

namespace ns {
namespace {
constexpr int kPadX = 6, kPadY = 3, kSpace = 3;

QString valueText(double v) { return QStringLiteral("%1%2").arg(v >= 0 ? QStringLiteral("+") : QString()).arg(v, 0, 'f', 2); }
}  // namespace

QString TokenChipDelegate::chipText(const QString& token) {
    QString s = token;
    s.replace(QLatin1Char(' '), QChar(0x00B7)).replace(QLatin1Char('\n'), QChar(0x21B5)).replace(QLatin1Char('\t'), QChar(0x21E5));
    s.replace(QLatin1Char('\r'), QChar(0x240D));
    return QStringLiteral("\u201C%1\u201D").arg(s);
}

QSize TokenChipDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const QFontMetrics fm(option.font);
    const int w = fm.horizontalAdvance(chipText(index.data(TokenRole).toString())) + fm.horizontalAdvance(QStringLiteral("  ")) +
                  fm.horizontalAdvance(valueText(index.data(ValueRole).toDouble()));
    return {w + 2 * kPadX + kSpace, fm.height() + 2 * kPadY + kSpace};
}

void TokenChipDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    const double value = index.data(ValueRole).toDouble();
    const QRectF chip = QRectF(option.rect).adjusted(1, 1, -kSpace, -kSpace);
    const QColor ground = value >= 0 ? QColor(220, 242, 220) : QColor(250, 222, 222);
    const QColor edge = value >= 0 ? QColor(60, 140, 60) : QColor(180, 60, 60);
    QPainterPath path;
    path.addRoundedRect(chip, 6, 6);
    p->fillPath(path, (option.state & QStyle::State_Selected) ? ground.darker(115) : ground);
    p->setPen(QPen(edge, 1));
    p->drawPath(path);
    const QRectF text = chip.adjusted(kPadX, 0, -kPadX, 0);
    p->setPen(Qt::black);
    p->drawText(text, Qt::AlignLeft | Qt::AlignVCenter, chipText(index.data(TokenRole).toString()));
    p->setPen(edge.darker(130));
    p->drawText(text, Qt::AlignRight | Qt::AlignVCenter, valueText(value));
    p->restore();
}

}  // namespace ns
