#include "token_strip_delegate.h"

#include "exemplar_model.h"

#include <QAbstractItemView>
#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace ns {
namespace {
constexpr int kLabel = 96;   // the group label's column
constexpr int kPad = 4;
constexpr int kBar = 4;      // simulated-activation bar under a token
}  // namespace

TokenStripDelegate::TokenStripDelegate(QAbstractItemView* view) : QStyledItemDelegate(view), m_view(view) {}

QColor TokenStripDelegate::colourFor(float a, float scale) {
    if (!std::isfinite(a) || scale <= 0) return Qt::white;
    const double x = std::clamp(static_cast<double>(a) / scale, -1.0, 1.0);
    if (x >= 0) return QColor::fromRgbF(1.0, 1.0 - 0.55 * x, 1.0 - 0.9 * x);   // white to orange
    return QColor::fromRgbF(1.0 + 0.5 * x, 1.0 + 0.25 * x, 1.0);              // white to light blue
}

QString TokenStripDelegate::shown(const QString& token) {
    QString s = token;
    s.replace(QLatin1Char('\n'), QChar(0x21B5)).replace(QLatin1Char('\t'), QChar(0x21E5)).replace(QLatin1Char('\r'), QString());
    return s.isEmpty() ? QStringLiteral(" ") : s;
}

int TokenStripDelegate::textWidth() const { return std::max(200, m_view->viewport()->width() - kLabel - 2 * kPad); }

std::vector<QRect> TokenStripDelegate::layout(const QModelIndex& index, const QFont& font, int width) const {
    const QFontMetrics fm(font);
    const QStringList tokens = index.data(ExemplarModel::TokensRole).toStringList();
    const bool sim = !index.data(ExemplarModel::SimulatedRole).value<QList<float>>().isEmpty();
    const int h = fm.height() + 2 + (sim ? kBar + 1 : 0);
    std::vector<QRect> rects;
    int x = 0, y = 0;
    for (const QString& t : tokens) {
        const int w = fm.horizontalAdvance(shown(t)) + 2;
        if (x > 0 && x + w > width) x = 0, y += h + 2;
        rects.emplace_back(x, y, w, h);
        x += w;
        // A line break in the text starts a new line in the strip too.
        if (t.contains(QLatin1Char('\n'))) x = 0, y += h + 2;
    }
    return rects;
}

QSize TokenStripDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const auto rects = layout(index, option.font, textWidth());
    const int h = rects.empty() ? QFontMetrics(option.font).height() : rects.back().bottom() + 1;
    return {kLabel + textWidth() + 2 * kPad, std::max(h, QFontMetrics(option.font).height()) + 2 * kPad};
}

void TokenStripDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    p->save();
    if (option.state & QStyle::State_Selected) p->fillRect(option.rect, option.palette.alternateBase());
    const QStringList tokens = index.data(ExemplarModel::TokensRole).toStringList();
    const auto acts = index.data(ExemplarModel::ActivationsRole).value<QList<float>>();
    const auto sim = index.data(ExemplarModel::SimulatedRole).value<QList<float>>();
    const auto marked = index.data(ExemplarModel::MarkedRole).value<QList<int>>();
    const float scale = index.data(ExemplarModel::ScaleRole).toFloat();
    const int maxIndex = index.data(ExemplarModel::MaxIndexRole).toInt();
    p->setPen(option.palette.color(QPalette::PlaceholderText));
    p->drawText(QRect(option.rect.left() + kPad, option.rect.top() + kPad, kLabel - kPad, option.rect.height()),
                Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, index.data(ExemplarModel::GroupRole).toString());
    const QPoint origin(option.rect.left() + kLabel + kPad, option.rect.top() + kPad);
    const auto rects = layout(index, option.font, textWidth());
    const QFontMetrics fm(option.font);
    for (size_t i = 0; i < rects.size(); ++i) {
        const QRect r = rects[i].translated(origin);
        const QRect textRect(r.left(), r.top(), r.width(), fm.height() + 2);
        const float a = static_cast<int>(i) < acts.size() ? acts[static_cast<int>(i)] : 0.f;
        p->fillRect(textRect, colourFor(a, scale));
        p->setPen(Qt::black);
        p->drawText(textRect, Qt::AlignCenter, shown(tokens[static_cast<int>(i)]));
        if (static_cast<int>(i) == maxIndex) {
            p->setPen(QPen(QColor(200, 60, 0), 1.5));
            p->drawRect(textRect.adjusted(0, 0, -1, -1));
        }
        if (marked.contains(static_cast<int>(i))) {
            p->setPen(QPen(QColor(40, 90, 200), 2));
            p->drawLine(textRect.bottomLeft(), textRect.bottomRight());
        }
        if (!sim.isEmpty() && static_cast<int>(i) < sim.size()) {
            const QRect bar(r.left(), textRect.bottom() + 1, r.width(), kBar);
            p->fillRect(bar, colourFor(sim[static_cast<int>(i)], 1.0f).darker(110));
        }
    }
    p->restore();
}

bool TokenStripDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                                   const QModelIndex& index) {
    if (event->type() != QEvent::ToolTip) return QStyledItemDelegate::helpEvent(event, view, option, index);
    const QPoint origin(option.rect.left() + kLabel + kPad, option.rect.top() + kPad);
    const auto rects = layout(index, option.font, textWidth());
    const QStringList tokens = index.data(ExemplarModel::TokensRole).toStringList();
    const auto acts = index.data(ExemplarModel::ActivationsRole).value<QList<float>>();
    const auto sim = index.data(ExemplarModel::SimulatedRole).value<QList<float>>();
    for (size_t i = 0; i < rects.size(); ++i) {
        if (!rects[i].translated(origin).contains(event->pos())) continue;
        const int k = static_cast<int>(i);
        QString tip = tr("token %1 %2\nactivation %3").arg(k).arg(QStringLiteral("\u201C%1\u201D").arg(shown(tokens[k])))
                          .arg(k < acts.size() ? acts[k] : 0.f, 0, 'f', 3);
        if (k < sim.size()) tip += tr("\nsimulated %1").arg(sim[k], 0, 'f', 3);
        // Plain text: a token holding markup is shown as written.
        QToolTip::showText(event->globalPos(), tip.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")), view);
        return true;
    }
    QToolTip::hideText();
    return true;
}

}  // namespace ns
