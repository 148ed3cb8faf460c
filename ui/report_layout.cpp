#include "report_layout.h"

#include "plot.h"
#include "token_strip_delegate.h"

#include <QPainter>
#include <QPdfWriter>

#include <algorithm>

namespace ns {

ReportLayout::ReportLayout(QPdfWriter& w, QPainter& p) : m_writer(w), m_p(p), m_width(w.width()), m_height(w.height()) {}

void ReportLayout::newPage() {
    m_writer.newPage();
    m_y = 0;
}

void ReportLayout::breakUnlessFree(double fraction) {
    if (m_y > 0 && remaining() < fraction * m_height) newPage();
}

void ReportLayout::need(int h) {
    if (m_y > 0 && m_y + h > m_height) newPage();
}

QFont ReportLayout::font(double pointSize, bool bold, bool mono) {
    QFont f(mono ? QStringLiteral("DejaVu Sans Mono") : QStringLiteral("DejaVu Sans"));
    f.setPointSizeF(pointSize);
    f.setBold(bold);
    return f;
}

void ReportLayout::text(const QString& s, double pointSize, bool bold, const QColor& colour, int indent) {
    m_p.setFont(font(pointSize, bold));
    m_p.setPen(colour);
    const int w = m_width - indent;
    const QRect bound = m_p.boundingRect(QRect(0, 0, w, 100000), Qt::TextWordWrap, s);
    need(bound.height());
    m_p.drawText(QRect(indent, m_y, w, bound.height()), Qt::TextWordWrap, s);
    m_y += bound.height() + static_cast<int>(pointSize * 3);
}

void ReportLayout::row(const std::vector<Cell>& cells, const std::vector<double>& widths, const QColor& swatch, const QColor& background) {
    const int pad = 14, bar = swatch.isValid() ? 18 : 0;
    std::vector<QRect> rects;
    int x = bar, h = 0;
    for (size_t c = 0; c < cells.size() && c < widths.size(); ++c) {
        const int w = static_cast<int>(widths[c] * (m_width - bar));
        m_p.setFont(cells[c].font);
        const QRect b = m_p.boundingRect(QRect(0, 0, w - 2 * pad, 100000), Qt::TextWordWrap, cells[c].text);
        rects.emplace_back(x + pad, 0, w - 2 * pad, b.height());
        h = std::max(h, b.height());
        x += w;
    }
    h += 2 * pad;
    need(h);
    if (background.isValid()) m_p.fillRect(QRect(0, m_y, m_width, h), background);
    if (swatch.isValid()) m_p.fillRect(QRect(0, m_y, bar, h), swatch);
    for (size_t c = 0; c < rects.size(); ++c) {
        m_p.setFont(cells[c].font);
        m_p.setPen(cells[c].colour);
        m_p.drawText(rects[c].translated(0, m_y + pad), Qt::TextWordWrap, cells[c].text);
    }
    m_p.setPen(QPen(QColor(210, 210, 210), 2));
    m_p.drawLine(0, m_y + h, m_width, m_y + h);
    m_y += h;
}

void ReportLayout::charts(const std::vector<QCustomPlot*>& plots, const QStringList& captions, int height) {
    if (plots.empty()) return;
    const int gap = 40, n = static_cast<int>(plots.size());
    const int w = (m_width - gap * (n - 1)) / n;
    const QFont captionFont = font(7.5);
    m_p.setFont(captionFont);
    int captionHeight = 0;
    QStringList numbered;
    for (int i = 0; i < n; ++i) {
        numbered << QStringLiteral("Figure %1. %2").arg(m_figures + i + 1).arg(i < captions.size() ? captions[i] : QString());
        captionHeight = std::max(captionHeight, m_p.boundingRect(QRect(0, 0, w, 100000), Qt::TextWordWrap, numbered.back()).height());
    }
    need(height + captionHeight + 20);
    for (int i = 0; i < n; ++i) {
        const int x = i * (w + gap);
        // Drawn at a screen-like size, then scaled into place: fonts and markers keep the
        // proportions they have in the explorer.
        const int px = n == 1 ? 900 : 620;
        const QPixmap pix = plots[static_cast<size_t>(i)]->toPixmap(px, px * height / w, 2.0);
        m_p.drawPixmap(QRect(x, m_y, w, height), pix);
        m_p.setFont(captionFont);
        m_p.setPen(QColor(60, 60, 60));
        m_p.drawText(QRect(x, m_y + height + 10, w, captionHeight), Qt::TextWordWrap, numbered[i]);
    }
    m_figures += n;
    m_y += height + captionHeight + 60;
}

void ReportLayout::tokens(const QString& prefix, const QStringList& tokens, const std::vector<float>& acts, float scale, int peak) {
    const QFont f = font(7, false, true), small = font(6.5);
    const QFontMetrics fm(f, &m_writer), sm(small, &m_writer);
    const int lh = fm.height() + 8;
    int lines = 1, x = 0;
    for (const QString& t : tokens) {
        const int w = fm.horizontalAdvance(TokenStripDelegate::shown(t)) + 4;
        if (x + w > m_width) ++lines, x = 0;
        x += w;
    }
    // The caption line and the strip stay together on one page.
    need(sm.height() + 4 + lines * lh);
    m_p.setFont(small);
    m_p.setPen(QColor(60, 60, 60));
    m_p.drawText(QRect(0, m_y, m_width, sm.height()), Qt::AlignLeft | Qt::AlignVCenter, prefix);
    m_y += sm.height() + 4;
    m_p.setFont(f);
    x = 0;
    for (int i = 0; i < tokens.size(); ++i) {
        const QString t = TokenStripDelegate::shown(tokens[i]);
        const int w = fm.horizontalAdvance(t) + 4;
        if (x + w > m_width) x = 0, m_y += lh;
        const QRect r(x, m_y, w, fm.height() + 2);
        m_p.fillRect(r, TokenStripDelegate::colourFor(static_cast<size_t>(i) < acts.size() ? acts[static_cast<size_t>(i)] : 0.f, scale));
        if (i == peak) {
            m_p.setPen(QPen(QColor(200, 60, 0), 6));
            m_p.drawRect(r);
        }
        m_p.setPen(Qt::black);
        m_p.drawText(r, Qt::AlignCenter, t);
        x += w;
    }
    m_y += lh + 14;
}

}  // namespace ns
