#include "report_writer.h"

#include "plot.h"
#include "token_strip_delegate.h"

#include "agents/token_table.h"

#include <QFile>
#include <QFileInfo>
#include <QPainter>
#include <QPdfWriter>

#include <algorithm>
#include <map>

namespace ns {
namespace {

QColor modeColour(int mode) {
    static const QColor palette[] = {QColor(31, 119, 180), QColor(44, 160, 44), QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
    return mode < 0 ? Qt::lightGray : palette[mode % 8];
}

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
        const nlohmann::json& r = nr.result;
        if (n > 0) page.newPage();
        page.text(QStringLiteral("NeuronScope: neuron %1").arg(QString::fromStdString(r.value("neuron", std::string()))), 16, true);
        page.text(QStringLiteral("Model: %1\nCorpus: %2\nBackend: %3\nDate: %4")
                      .arg(header.model, header.corpus, QString::fromStdString(r.value("backend", header.backend.toStdString())),
                           header.date.toString(Qt::ISODate)),
                  8.5, false, QColor(70, 70, 70));
        page.text(QStringLiteral("Test correlation of the whole explanation: %1    single-pass baseline: %2    random exemplars alone: %3")
                      .arg(r.value("score", 0.0), 0, 'f', 3)
                      .arg(r.value("baseline_score", 0.0), 0, 'f', 3)
                      .arg(r.value("random_score", 0.0), 0, 'f', 3),
                  9.5, true);
        const auto& modes = r.value("modes", nlohmann::json::array());
        for (size_t m = 0; m < modes.size(); ++m) {
            const Review d = m < nr.decided.size() ? nr.decided[m] : Review{};
            const bool edited = d.status == QLatin1String("edited");
            const QString text = edited ? d.text : QString::fromStdString(modes[m].value("explanation", std::string()));
            const auto& modeScore = modes[m].value("score", nlohmann::json());
            const QString score = !edited ? (modeScore.is_number() ? QStringLiteral("test r = %1").arg(modeScore.get<double>(), 0, 'f', 3)
                                                                   : QStringLiteral("test r n/a (no test exemplar assigned)"))
                                  : d.scored ? QStringLiteral("whole test r with this edit = %1").arg(d.score, 0, 'f', 3)
                                             : QStringLiteral("not scored");
            const QString status = d.status.isEmpty() ? QStringLiteral("proposed by the agents") : QStringLiteral("%1 by %2").arg(d.status, d.author);
            page.text(QStringLiteral("Mode %1 (%2; %3; %4 test exemplars)").arg(m + 1).arg(status, score).arg(modes[m].value("exemplar_count", 0)),
                      9.5, true, modeColour(static_cast<int>(m)));
            page.text(text, 9.5);
        }
        page.text(QStringLiteral("Single-pass baseline: %1 (test r = %2)")
                      .arg(QString::fromStdString(r.value("baseline", nlohmann::json::object()).value("explanation", std::string())))
                      .arg(r.value("baseline_score", 0.0), 0, 'f', 3),
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

        // Refinement chart.
        QCustomPlot chart;
        chart.resize(900, 360);
        chart.xAxis->setLabel(QStringLiteral("refinement iteration"));
        chart.yAxis->setLabel(QStringLiteral("valid correlation"));
        chart.legend->setVisible(true);
        QVector<double> xs, whole;
        std::vector<QVector<double>> perMode;
        for (const auto& it : r.value("iterations", nlohmann::json::array())) {
            xs << it.value("index", 0);
            whole << it.value("valid_score", 0.0);
            const auto ms = it.value("mode_scores", std::vector<double>{});
            if (perMode.size() < ms.size()) perMode.resize(ms.size(), QVector<double>(xs.size() - 1, qQNaN()));
            for (size_t m = 0; m < perMode.size(); ++m) perMode[m] << (m < ms.size() ? ms[m] : qQNaN());
        }
        for (size_t m = 0; m < perMode.size(); ++m) {
            auto* g = chart.addGraph();
            g->setName(QStringLiteral("mode %1").arg(m + 1));
            g->setPen(QPen(modeColour(static_cast<int>(m)), 1.2));
            g->setData(xs, perMode[m]);
        }
        auto* g = chart.addGraph();
        g->setName(QStringLiteral("whole explanation"));
        g->setPen(QPen(QColor(214, 39, 40), 2.5));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        g->setData(xs, whole);
        auto* b = chart.addGraph();
        b->setName(QStringLiteral("single-pass baseline (valid)"));
        b->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
        const double last = xs.isEmpty() ? 1 : std::max(1.0, xs.back());
        const double base = r.value("baseline_valid_score", 0.0);
        b->setData(QVector<double>{0, last}, QVector<double>{base, base});
        chart.xAxis->setRange(-0.2, last + 0.2);
        chart.yAxis->setRange(0, 1.02);
        chart.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
        page.plot(chart, page.width() * 36 / 90);

        // Histogram and cluster map side by side would crowd A4: one under the other.
        QCustomPlot hist;
        hist.resize(900, 300);
        hist.xAxis->setLabel(QStringLiteral("activation"));
        hist.yAxis->setLabel(QStringLiteral("tokens (log)"));
        hist.yAxis->setScaleType(QCPAxis::stLogarithmic);
        hist.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        auto* bars = new QCPBars(hist.xAxis, hist.yAxis);
        QVector<double> hx, hy;
        const auto& h = nr.record.histogram;
        for (size_t i = 0; i < h.counts.size(); ++i)
            if (h.counts[i] > 0) hx << 0.5 * (h.edges[i] + h.edges[i + 1]), hy << static_cast<double>(h.counts[i]);
        bars->setData(hx, hy);
        if (h.edges.size() > 1) bars->setWidth(h.edges[1] - h.edges[0]);
        bars->setBrush(QColor(255, 140, 40));
        bars->setPen(Qt::NoPen);
        hist.rescaleAxes();
        hist.yAxis->setRangeLower(0.8);
        page.plot(hist, page.width() * 30 / 90);

        QCustomPlot map;
        map.resize(900, 360);
        map.xAxis->setLabel(QStringLiteral("first principal component"));
        map.yAxis->setLabel(QStringLiteral("second principal component"));
        map.legend->setVisible(true);
        std::map<int, std::pair<QVector<double>, QVector<double>>> byMode;
        for (const auto& c : r.value("components", nlohmann::json::array()))
            if (c.contains("map")) {
                auto& xy = byMode[c.value("mode", -1)];
                xy.first << c["map"][0].get<double>();
                xy.second << c["map"][1].get<double>();
            }
        for (const auto& [mode, xy] : byMode) {
            auto* s = map.addGraph();
            s->setName(mode < 0 ? QStringLiteral("no mode") : QStringLiteral("mode %1").arg(mode + 1));
            s->setLineStyle(QCPGraph::lsNone);
            s->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, modeColour(mode), 8));
            s->setData(xy.first, xy.second, true);
        }
        map.rescaleAxes();
        map.xAxis->scaleRange(1.15);
        map.yAxis->scaleRange(1.15);
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
