#include "report_writer.h"

#include "charts.h"
#include "plot.h"
#include "token_strip_delegate.h"

#include "agents/token_table.h"
#include "store/decisions.h"

#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>

#include <algorithm>

namespace ns {
namespace {

/// Lays out text, charts and token strips top to bottom, starting new pages as needed.
class Page {
public:
    Page(QPdfWriter& w, QPainter& p) : m_writer(w), m_p(p), m_width(w.width()), m_height(w.height()) {}
    int width() const { return m_width; }
    void need(int h) {
        if (m_y + h > m_height) newPage();
    }
    void newPage() {
        m_writer.newPage();
        m_y = 0;
    }
    void text(const QString& s, double pointSize, bool bold = false, const QColor& colour = Qt::black) {
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPointSizeF(pointSize);
        f.setBold(bold);
        m_p.setFont(f);
        m_p.setPen(colour);
        const QRect bound = m_p.boundingRect(QRect(0, 0, m_width, 100000), Qt::TextWordWrap, s);
        need(bound.height());
        m_p.drawText(QRect(0, m_y, m_width, bound.height()), Qt::TextWordWrap, s);
        m_y += bound.height() + static_cast<int>(pointSize * 4);
    }
    void plot(QCustomPlot& plot, int heightPx) {
        const int h = heightPx;
        need(h);
        const QPixmap pix = plot.toPixmap(900, 900 * h / m_width, 2.0);
        m_p.drawPixmap(QRect(0, m_y, m_width, h), pix);
        m_y += h + 40;
    }
    void tokens(const QStringList& tokens, const std::vector<float>& acts, float scale, int maxIndex) {
        QFont f(QStringLiteral("DejaVu Sans Mono"));
        f.setPointSizeF(7.5);
        m_p.setFont(f);
        const QFontMetrics fm(f, &m_writer);
        const int lh = fm.height() + 6;
        int x = 0;
        need(lh);
        for (int i = 0; i < tokens.size(); ++i) {
            const QString t = TokenStripDelegate::shown(tokens[i]);
            const int w = fm.horizontalAdvance(t) + 4;
            if (x + w > m_width) {
                x = 0;
                m_y += lh;
                need(lh);
            }
            const QRect r(x, m_y, w, fm.height() + 2);
            m_p.fillRect(r, TokenStripDelegate::colourFor(static_cast<size_t>(i) < acts.size() ? acts[static_cast<size_t>(i)] : 0.f, scale));
            if (i == maxIndex) {
                m_p.setPen(QPen(QColor(200, 60, 0), 6));
                m_p.drawRect(r);
            }
            m_p.setPen(Qt::black);
            m_p.drawText(r, Qt::AlignCenter, t);
            x += w;
        }
        m_y += lh + 30;
    }
    void space(int h) { m_y += h; }

private:
    QPdfWriter& m_writer;
    QPainter& m_p;
    int m_width, m_height, m_y = 0;
};

}  // namespace

Expected<void> writeReport(const QString& path, const ReportHeader& header, const std::vector<NeuronReport>& neurons,
                           const TokenTable& table, const std::function<bool(int, int)>& progress) {
    QPdfWriter writer(path);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
    writer.setResolution(300);
    writer.setTitle(QStringLiteral("NeuronScope report"));
    writer.setCreator(QStringLiteral("NeuronScope"));
    QPainter painter;
    if (!painter.begin(&writer)) return makeError(QStringLiteral("%1: cannot write the PDF").arg(path));
    Page page(writer, painter);
    for (size_t n = 0; n < neurons.size(); ++n) {
        const NeuronReport& nr = neurons[n];
        const LoopResult& r = nr.result;
        if (n > 0) page.newPage();
        page.text(QStringLiteral("NeuronScope: neuron %1").arg(r.neuron), 16, true);
        page.text(QStringLiteral("Model: %1\nCorpus: %2\nBackend: %3\nDate: %4")
                      .arg(header.model, header.corpus, r.backend.isEmpty() ? header.backend : r.backend, header.date.toString(Qt::ISODate)),
                  8.5, false, QColor(70, 70, 70));
        if (!r.testScored)
            page.text(QStringLiteral("Not scored on test: the run stopped (%1).").arg(r.stopped), 9.5, true);
        else
            page.text(QStringLiteral("Test correlation of the whole explanation: %1    single-pass baseline: %2    random exemplars alone: %3")
                          .arg(r.loop.score, 0, 'f', 3)
                          .arg(r.baseline.score, 0, 'f', 3)
                          .arg(r.loop.randomScore, 0, 'f', 3),
                      9.5, true);
        for (size_t m = 0; m < r.modes.size(); ++m) {
            const ModeResult& mode = r.modes[m];
            const Review d = m < nr.decided.size() ? nr.decided[m] : Review{};
            const bool edited = d.status == decision::edited;
            const QString text = edited ? d.text : mode.explanation.text;
            const QString score = !edited ? (mode.score ? QStringLiteral("test r = %1").arg(*mode.score, 0, 'f', 3)
                                                        : QStringLiteral("test r n/a (no test exemplar assigned)"))
                                  : d.scored ? QStringLiteral("whole test r with this edit = %1").arg(d.score, 0, 'f', 3)
                                             : QStringLiteral("not scored");
            const QString status = d.status.isEmpty() ? QStringLiteral("proposed by the agents") : QStringLiteral("%1 by %2").arg(d.status, d.author);
            page.text(QStringLiteral("Mode %1: %2").arg(m + 1).arg(displayLabel(mode.explanation)), 10.5, true, modeColour(static_cast<int>(m)));
            page.text(QStringLiteral("%1; %2; %3 test exemplars").arg(status, score).arg(mode.exemplarCount), 8.5, false, QColor(70, 70, 70));
            page.text(text, 9.5);
        }
        page.text(QStringLiteral("Single-pass baseline: %1 (test r = %2)").arg(r.baselineExplanation.text).arg(r.baseline.score, 0, 'f', 3),
                  8.5, false, QColor(70, 70, 70));
        if (!nr.imported.empty()) {
            page.text(QStringLiteral("Written elsewhere, scored by NeuronScope on the same test split"), 9.5, true);
            for (const ImportedExplanation& e : nr.imported) {
                const QString by = e.explainer.isEmpty() ? e.format : QStringLiteral("%1, %2").arg(e.explainer, e.format);
                const QString theirs = e.reportedScore ? QStringLiteral("; their r = %1").arg(*e.reportedScore, 0, 'f', 3) : QString();
                const QString ours = e.score ? QStringLiteral("test r = %1").arg(*e.score, 0, 'f', 3) : QStringLiteral("not scored");
                page.text(QStringLiteral("%1 (%2%3): %4").arg(by, ours, theirs, e.text), 8.5);
            }
        }

        // The charts as the explorer draws them (charts.h).
        QCustomPlot chart;
        chart.resize(900, 360);
        drawRefinement(chart, RefinementSeries::of(r));
        page.plot(chart, page.width() * 36 / 90);
        // Histogram and cluster map side by side would crowd A4: one under the other.
        QCustomPlot hist;
        hist.resize(900, 300);
        drawHistogram(hist, nr.record.histogram);
        page.plot(hist, page.width() * 30 / 90);
        QCustomPlot map;
        map.resize(900, 360);
        drawClusterMap(map, r.points);
        page.plot(map, page.width() * 36 / 90);

        page.text(QStringLiteral("Top exemplars"), 11, true);
        const float scale = static_cast<float>(std::max(1e-6, nr.record.stats.max));
        for (size_t e = 0; e < nr.record.top.size() && e < 8; ++e) {
            const Exemplar& ex = nr.record.top[e];
            if (!ex.window) continue;
            QStringList tokens;
            for (int id : ex.window->tokens) tokens << (id >= 0 && id < table.vocabSize() ? table.text(id) : QString());
            page.tokens(tokens, ex.activations, scale, ex.maxIndex);
        }
        if (progress && !progress(static_cast<int>(n + 1), static_cast<int>(neurons.size()))) {
            painter.end();
            QFile::remove(path);
            return makeError(QStringLiteral("cancelled"));
        }
    }
    if (!painter.end()) return makeError(QStringLiteral("%1: cannot finish the PDF").arg(path));
    if (QFileInfo(path).size() == 0) return makeError(QStringLiteral("%1: the PDF is empty").arg(path));
    return {};
}

}  // namespace ns
