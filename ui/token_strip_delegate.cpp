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
constexpr int kPad = 4;
constexpr int kGap = 2;  // between two lines of tokens

QString percentOf(float value, float scale) {
    return scale > 0 ? QStringLiteral("%1%").arg(100.0 * value / scale, 0, 'f', 0) : QString();
}
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

int TokenStripDelegate::labelWidth(const QFont& font) {
    // Wide enough for "doc 12345, token 12345" and "(12.34, 56.78]": every label line fits.
    return QFontMetrics(font).horizontalAdvance(QStringLiteral("doc 12345, token 12345")) + 2 * kPad;
}

int TokenStripDelegate::textWidth(const QFont& font) const {
    return std::max(200, m_view->viewport()->width() - labelWidth(font) - 2 * kPad);
}

std::vector<QRect> TokenStripDelegate::layout(const QModelIndex& index, const QFont& font, int width) const {
    const QFontMetrics fm(font);
    const QStringList tokens = index.data(ExemplarModel::TokensRole).toStringList();
    const bool sim = !index.data(ExemplarModel::SimulatedRole).value<QList<float>>().isEmpty();
    // With a simulation every line of tokens is drawn twice: true above, simulated below.
    const int line = fm.height() + 2, h = sim ? 2 * line + 1 : line;
    std::vector<QRect> rects;
    int x = 0, y = 0;
    auto breaksOnly = [](const QString& t) { return t.contains(QLatin1Char('\n')) && t.trimmed().isEmpty(); };
    for (int i = 0; i < tokens.size(); ++i) {
        const QString& t = tokens[i];
        const int w = fm.horizontalAdvance(shown(t)) + 2;
        if (x > 0 && x + w > width) x = 0, y += h + kGap;
        rects.emplace_back(x, y, w, h);
        x += w;
        // A line break in the text starts a new line in the strip too, after any line breaks
        // that follow it (shown as symbols on the same line, not as empty lines).
        if (t.contains(QLatin1Char('\n')) && !(i + 1 < tokens.size() && breaksOnly(tokens[i + 1]))) x = 0, y += h + kGap;
    }
    return rects;
}

QSize TokenStripDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    const QFontMetrics fm(option.font);
    const auto rects = layout(index, option.font, textWidth(option.font));
    const int strip = rects.empty() ? fm.height() : rects.back().bottom() + 1;
    const int label = static_cast<int>(index.data(ExemplarModel::LabelLinesRole).toStringList().size()) * fm.lineSpacing();
    return {labelWidth(option.font) + textWidth(option.font) + 2 * kPad, std::max({strip, label, fm.height()}) + 2 * kPad + 1};
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
    const bool realPeak = index.data(ExemplarModel::RealPeakRole).toBool();
    const QFontMetrics fm(option.font);
    const int labelW = labelWidth(option.font);

    // The label column: one line each, cut to the column so nothing runs into the next row.
    const QStringList lines = index.data(ExemplarModel::LabelLinesRole).toStringList();
    for (int l = 0; l < lines.size(); ++l) {
        const QRect r(option.rect.left() + kPad, option.rect.top() + kPad + l * fm.lineSpacing(), labelW - 2 * kPad, fm.height());
        if (r.bottom() > option.rect.bottom()) break;
        p->setPen(l == 0 ? option.palette.color(QPalette::Text) : option.palette.color(QPalette::PlaceholderText));
        p->drawText(r, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(lines[l], Qt::ElideRight, r.width()));
    }
    const QPoint origin(option.rect.left() + labelW + kPad, option.rect.top() + kPad);
    const auto rects = layout(index, option.font, textWidth(option.font));
    const int line = fm.height() + 2;
    QFont simFont = option.font;  // italic: the simulation's line reads as a copy of the one above
    simFont.setItalic(true);
    for (size_t i = 0; i < rects.size(); ++i) {
        const int k = static_cast<int>(i);
        const QRect r = rects[i].translated(origin);
        const QRect textRect(r.left(), r.top(), r.width(), line);
        const float a = k < acts.size() ? acts[k] : qQNaN();
        const bool measured = std::isfinite(a);
        p->fillRect(textRect, colourFor(a, scale));
        // Context read from the corpus outside the mined window has no activation: grey text.
        p->setPen(measured ? QColor(Qt::black) : QColor(150, 150, 150));
        p->drawText(textRect, Qt::AlignCenter, shown(tokens[k]));
        if (k == maxIndex && realPeak) {
            p->setPen(QPen(QColor(200, 60, 0), 1.5));
            p->drawRect(textRect.adjusted(0, 0, -1, -1));
        }
        if (marked.contains(k)) {
            p->setPen(QPen(QColor(40, 90, 200), 2));
            p->drawLine(textRect.bottomLeft(), textRect.bottomRight());
        }
        if (k < sim.size()) {
            // The simulation's own line, on the same colour scale, its text in grey.
            const QRect simRect(r.left(), textRect.bottom() + 2, r.width(), line);
            p->fillRect(simRect, colourFor(sim[k], scale));
            p->setPen(QColor(110, 110, 110));
            p->setFont(simFont);
            p->drawText(simRect, Qt::AlignCenter, shown(tokens[k]));
            p->setFont(option.font);
            p->setPen(QPen(QColor(120, 120, 120), 1));
            p->drawLine(simRect.bottomLeft(), simRect.bottomRight());
        }
    }
    p->setPen(QPen(option.palette.color(QPalette::Midlight), 1));
    p->drawLine(option.rect.bottomLeft(), option.rect.bottomRight());
    p->restore();
}

QString TokenStripDelegate::tokenTip(const QModelIndex& index, int k) {
    const QStringList tokens = index.data(ExemplarModel::TokensRole).toStringList();
    const auto acts = index.data(ExemplarModel::ActivationsRole).value<QList<float>>();
    const auto sim = index.data(ExemplarModel::SimulatedRole).value<QList<float>>();
    const float scale = index.data(ExemplarModel::ScaleRole).toFloat();
    if (k < 0 || k >= tokens.size()) return {};
    QString tip = tr("token %1 %2").arg(k).arg(QStringLiteral("\u201C%1\u201D").arg(shown(tokens[k])));
    const float a = k < acts.size() ? acts[k] : qQNaN();
    if (std::isfinite(a)) tip += tr("\nactivation %1 (%2 of the neuron's max %3)").arg(a, 0, 'f', 3).arg(percentOf(a, scale)).arg(scale, 0, 'f', 3);
    else tip += tr("\noutside the window the model read: no activation");
    if (k < sim.size())
        tip += tr("\nsimulated %1 (%2 of max): the explanation's predicted activation, scaled so its largest value on "
                  "the neuron's exemplars equals the neuron's max")
                   .arg(sim[k], 0, 'f', 3).arg(percentOf(sim[k], scale));
    return tip;
}

bool TokenStripDelegate::helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                                   const QModelIndex& index) {
    if (event->type() != QEvent::ToolTip) return QStyledItemDelegate::helpEvent(event, view, option, index);
    const QPoint origin(option.rect.left() + labelWidth(option.font) + kPad, option.rect.top() + kPad);
    const auto rects = layout(index, option.font, textWidth(option.font));
    for (size_t i = 0; i < rects.size(); ++i) {
        if (!rects[i].translated(origin).contains(event->pos())) continue;
        // Plain text: a token holding markup is shown as written.
        const QString tip = tokenTip(index, static_cast<int>(i));
        QToolTip::showText(event->globalPos(), tip.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")), view);
        return true;
    }
    if (event->pos().x() < option.rect.left() + labelWidth(option.font)) {
        QToolTip::showText(event->globalPos(), index.data(Qt::ToolTipRole).toString().toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")), view);
        return true;
    }
    QToolTip::hideText();
    return true;
}

}  // namespace ns
