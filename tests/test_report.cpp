// The charts the explorer and the PDF share (charts.h) and the PDF a colleague receives
// (report_writer.h): every mode on the modes map, legends outside the plots, the whole range of
// correlations, empty states, and the report's identity, mode table, captions, exemplars, output
// tokens and pages.
#include "charts.h"
#include "plot.h"
#include "report_writer.h"

#include "agents/pattern.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/decisions.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ns;

namespace {

/// Pixels of `plot` drawn in `colour` (within a small tolerance).
int pixelsOf(QCustomPlot& plot, const QColor& colour) {
    const QImage img = plot.toPixmap(700, 450, 1.0).toImage();
    int n = 0;
    for (int y = 0; y < img.height(); ++y)
        for (int x = 0; x < img.width(); ++x) {
            const QColor c = img.pixelColor(x, y);
            n += std::abs(c.red() - colour.red()) < 8 && std::abs(c.green() - colour.green()) < 8 && std::abs(c.blue() - colour.blue()) < 8;
        }
    return n;
}

/// Points of `modes` modes, unsorted along x, mode 0 with every point on one vertical and the
/// largest and smallest x belonging to other modes.
std::vector<ComponentPoint> points(int modes) {
    std::vector<ComponentPoint> out;
    for (int m = 0; m < modes; ++m)
        for (int i = 0; i < 6; ++i) {
            ComponentPoint c;
            c.mode = m;
            c.mapped = true;
            c.mapX = m == 0 ? 0.05 : std::sin(7.0 * i + m) * (0.2 + 0.1 * m);
            c.mapY = std::cos(3.0 * i + m) * 0.2;
            out.push_back(c);
        }
    return out;
}

bool hasText(QCustomPlot& plot, const QString& fragment) {
    for (int i = 0; i < plot.itemCount(); ++i)
        if (auto* t = qobject_cast<QCPItemText*>(plot.item(i)); t && t->text().contains(fragment)) return true;
    return false;
}

}  // namespace

class TestReport : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;

    QString pdfText(const QString& pdf) {
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), pdf, QStringLiteral("-")});
        if (!text.waitForFinished(60000)) return {};
        return QString::fromUtf8(text.readAllStandardOutput());
    }

    NeuronReport report() const {
        NeuronReport nr;
        nr.record.layer = 0;
        nr.record.neuron = 404;
        nr.record.stats.max = 4.8;
        nr.record.histogram.edges = {0, 1, 2, 3, 4, 5};
        nr.record.histogram.counts = {5000, 800, 90, 12, 3};
        for (int e = 0; e < 6; ++e) {
            auto w = std::make_shared<TokenWindow>();
            w->id = 100 + e;
            w->document = 10 + e;
            for (int t = 0; t < 64; ++t) w->tokens.push_back(262 + (t * 7 + e) % 300);
            Exemplar ex;
            ex.window = w;
            ex.activations.assign(64, 0.1f);
            ex.maxIndex = 40 + e;
            ex.activations[static_cast<size_t>(ex.maxIndex)] = 4.8f - 0.5f * e;
            ex.max = ex.activations[static_cast<size_t>(ex.maxIndex)];
            nr.record.top.push_back(ex);
        }
        LoopResult& r = nr.result;
        r.runId = 5;
        r.neuron = QStringLiteral("0/404");
        r.backend = QStringLiteral("builtin");
        r.loop.score = 0.574;
        r.loop.length = 16;
        r.baseline.score = 0.205;
        r.baseline.length = 16;
        r.loop.randomScore = 0.3;
        r.baselineExplanation.text = QStringLiteral("Fires on the token ' and'.");
        const char* texts[] = {"Fires on the token ' the'.", "Fires on the token ' of'.", "Fires on a comma.", "Fires on a number."};
        for (int m = 0; m < 4; ++m) {
            ModeResult mr;
            mr.explanation.text = QString::fromLatin1(texts[m]);
            mr.explanation.label = QStringLiteral("label %1").arg(m + 1);
            auto p = patternFromJson(nlohmann::json::parse(QStringLiteral("{\"literals\": [{\"token\": \" t%1\", \"weight\": 1.0}]}").arg(m).toStdString()));
            if (p) mr.explanation.pattern = *p;
            mr.score = m == 3 ? std::optional<double>() : std::optional<double>(0.5 - 0.1 * m);
            mr.exemplarCount = m == 3 ? 0 : 7 + m;
            r.modes.push_back(mr);
        }
        for (int it = 0; it < 12; ++it) {
            IterationResult i;
            i.index = it;
            i.validScore = -0.2 + 0.07 * it;
            i.modeScores = {-0.3 + 0.05 * it, 0.1, 0.2, 0.0};
            r.iterations.push_back(i);
        }
        r.points = points(4);
        // Mode 2 edited (text only), mode 3 rejected, as a person decided them.
        Review edit;
        edit.id = 1;
        edit.explanationId = 5;
        edit.mode = 1;
        edit.status = decision::edited;
        edit.text = QStringLiteral("biblical genealogies");
        edit.author = QStringLiteral("person");
        Review reject = edit;
        reject.id = 2;
        reject.mode = 2;
        reject.status = decision::rejected;
        reject.text = r.modes[2].explanation.text;
        nr.reviews = {edit, reject};
        nr.decided = latestDecisions(r.modes.size(), nr.reviews, r.runId);
        return nr;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error()));
        m_model = *model;
        m_table = std::make_shared<TokenTable>(m_model->tokenizer());
    }

    void theModesMapDrawsEveryMode() {
        QCustomPlot plot;
        plot.resize(700, 450);
        drawClusterMap(plot, points(5));
        QCOMPARE(plot.plottableCount(), 5);
        // Every point inside the axes, and each mode's colour on the picture.
        for (const ComponentPoint& c : points(5)) {
            QVERIFY(plot.xAxis->range().contains(c.mapX));
            QVERIFY(plot.yAxis->range().contains(c.mapY));
        }
        for (int m = 0; m < 5; ++m) QVERIFY2(pixelsOf(plot, modeColour(m)) > 30, qPrintable(QStringLiteral("mode %1").arg(m + 1)));
        // The legend has a row of its own, outside the axes.
        QCOMPARE(plot.legend->layout(), static_cast<QCPLayout*>(plot.plotLayout()));
        QVERIFY(!plot.axisRect()->rect().intersects(plot.legend->outerRect()));
        // Drawn again on the same plot: the same, not twice.
        drawClusterMap(plot, points(3));
        QCOMPARE(plot.plottableCount(), 3);
        QVERIFY(!hasText(plot, QStringLiteral("Not explained yet")));
    }

    void anEmptyModesMapSaysWhy() {
        QCustomPlot plot;
        plot.resize(700, 450);
        drawClusterMap(plot, {}, QStringLiteral("Not explained yet: press Explain"));
        QVERIFY(hasText(plot, QStringLiteral("Not explained yet: press Explain")));
        QVERIFY(!plot.xAxis->ticks() && !plot.xAxis->tickLabels());
    }

    void theRefinementChartShowsTheWholeRange_data() {
        QTest::addColumn<double>("lowest");
        QTest::newRow("positive") << 0.2;
        QTest::newRow("negative") << -0.45;
        QTest::newRow("very negative") << -0.98;
    }
    void theRefinementChartShowsTheWholeRange() {
        QFETCH(double, lowest);
        RefinementSeries s;
        for (int it = 0; it < 9; ++it) s.add(it, 0.3 + 0.05 * it, {lowest + 0.01 * it, 0.5}, 0.25);
        QCustomPlot plot;
        plot.resize(800, 330);
        drawRefinement(plot, s);
        plot.replot();
        QVERIFY(plot.yAxis->range().lower <= std::min(0.0, lowest));
        QVERIFY(plot.yAxis->range().lower >= -1.05);
        QVERIFY(plot.yAxis->range().upper >= 0.7);
        // Whole-number iteration ticks.
        const auto ticker = plot.xAxis->ticker().dynamicCast<QCPAxisTickerFixed>();
        QVERIFY(ticker);
        QCOMPARE(ticker->tickStep(), 1.0);
        for (double t : plot.xAxis->tickVector()) QCOMPARE(t, std::round(t));
        // The legend under the axes: the newest points are never behind it.
        QCOMPARE(plot.legend->layout(), static_cast<QCPLayout*>(plot.plotLayout()));
        QVERIFY(!plot.axisRect()->rect().intersects(plot.legend->outerRect()));
        QCOMPARE(plot.legend->itemCount(), 4);  // two modes, the whole, the baseline
    }

    void anEmptyRefinementChartSaysNotExplainedYet() {
        QCustomPlot plot;
        plot.resize(800, 330);
        drawRefinement(plot, RefinementSeries{});
        QVERIFY(hasText(plot, QStringLiteral("Not explained yet")));
        QVERIFY(!plot.yAxis->ticks() && !plot.yAxis->tickLabels() && !plot.yAxis->grid()->visible());
        // Then iterations arrive on the same plot: the message goes, the ticks come back.
        RefinementSeries s;
        s.add(0, 0.4, {0.4}, 0.3);
        drawRefinement(plot, s);
        QVERIFY(!hasText(plot, QStringLiteral("Not explained yet")));
        QVERIFY(plot.yAxis->ticks() && plot.yAxis->tickLabels() && plot.yAxis->grid()->visible());
    }

    void quotedTokensShowTheirSpaces_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("shown");
        QTest::newRow("leading space") << QStringLiteral(" the") << QStringLiteral("\u201C the\u201D");
        QTest::newRow("spaces alone") << QStringLiteral("  ") << QStringLiteral("\u201C\u2423\u2423\u201D");
        QTest::newRow("a word") << QStringLiteral("ing") << QStringLiteral("\u201Cing\u201D");
    }
    void quotedTokensShowTheirSpaces() {
        QFETCH(QString, token);
        QFETCH(QString, shown);
        QCOMPARE(quotedToken(token), shown);
    }

    void theReportNamesEverythingAColleagueNeeds() {
        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        const ReportHeader header = reportHeader(*m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"),
                                                 QStringLiteral("0123456789abcdef0123"), QStringLiteral("builtin"));
        auto w = writeReport(pdf, header, {report()}, *m_table);
        QVERIFY2(w.ok(), w.ok() ? "" : qPrintable(w.error()));
        const QString raw = pdfText(pdf);
        const QString text = raw.simplified();
        // Identity: names, paths and short hashes, backend, date.
        QVERIFY2(text.contains(m_model->fingerprint().left(12)), qPrintable(text.left(600)));
        QVERIFY(text.contains(QStringLiteral("0123456789ab")));
        QVERIFY(text.contains(QFileInfo(m_model->directory()).fileName()));
        QVERIFY(text.contains(QStringLiteral("corpus.txt")));
        QVERIFY(text.contains(QStringLiteral("Backend: builtin")));
        QVERIFY(text.contains(QDate::currentDate().toString(QStringLiteral("yyyy-MM-dd"))));
        // Whole beside single-pass at equal length, and as decided.
        QVERIFY(text.contains(QStringLiteral("Single-pass at equal length")));
        QVERIFY(text.contains(QStringLiteral("0.574")) && text.contains(QStringLiteral("0.205")));
        QVERIFY(text.contains(QStringLiteral("as decided")));
        // The modes: score with its exemplars, n/a without, the text-only edit not scored (and
        // no whole score in its place), the rejected mode marked.
        QVERIFY(text.contains(QStringLiteral("0.500 (7)")));
        QVERIFY(text.contains(QStringLiteral("n/a (no test exemplar)")));
        QVERIFY(text.contains(QStringLiteral("biblical genealogies")));
        QVERIFY(text.contains(QStringLiteral("edited by person")) && text.contains(QStringLiteral("(text only)")));
        QVERIFY(text.contains(QStringLiteral("not scored")));
        QVERIFY(text.contains(QStringLiteral("[rejected]")));
        QVERIFY(text.contains(QStringLiteral("Mode 2: label 2 [edited]")));
        QVERIFY(text.contains(QStringLiteral("left out")));
        // Every chart captioned.
        for (int f = 1; f <= 3; ++f) QVERIFY(text.contains(QStringLiteral("Figure %1.").arg(f)));
        // Exemplars with their maximum and document; output tokens quoted.
        QVERIFY(text.contains(QStringLiteral("max 4.80")));
        QVERIFY(text.contains(QStringLiteral("doc 10")));
        QVERIFY(text.contains(QStringLiteral("Promoted: \u201C")));
        QVERIFY(text.contains(QStringLiteral("Suppressed: \u201C")));
    }

    void noPageIsLeftMostlyBlank() {
        // Three neurons: sections flow on, so no page but the last is left mostly blank.
        const QString pdf = m_dir.filePath(QStringLiteral("three.pdf"));
        NeuronReport nr = report();
        std::vector<NeuronReport> three{nr, nr, nr};
        three[1].record.neuron = 405;
        three[2].record.neuron = 406;
        auto w = writeReport(pdf, reportHeader(*m_model, QStringLiteral("corpus.txt"), QString(), QStringLiteral("builtin")), three, *m_table);
        QVERIFY(w.ok());
        QProcess render;
        const QString prefix = m_dir.filePath(QStringLiteral("page"));
        render.start(QStringLiteral("pdftoppm"), {QStringLiteral("-gray"), QStringLiteral("-r"), QStringLiteral("30"), pdf, prefix});
        QVERIFY(render.waitForFinished(60000) && render.exitCode() == 0);
        QStringList pages = QDir(m_dir.path()).entryList({QStringLiteral("page*.pgm")}, QDir::Files, QDir::Name);
        QVERIFY(pages.size() >= 2);
        for (int i = 0; i + 1 < pages.size(); ++i) {
            const QImage img(m_dir.filePath(pages[i]));
            QVERIFY(!img.isNull());
            int lastInk = 0;
            for (int y = 0; y < img.height(); ++y)
                for (int x = 0; x < img.width(); ++x)
                    if (qGray(img.pixel(x, y)) < 200) lastInk = y;
            QVERIFY2(lastInk > img.height() / 2, qPrintable(QStringLiteral("%1 ends at %2 of %3").arg(pages[i]).arg(lastInk).arg(img.height())));
        }
    }
};

QTEST_MAIN(TestReport)
#include "test_report.moc"
