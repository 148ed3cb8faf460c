// Exemplar rows as evidence: the active threshold and share, the simulation on the activation's
// scale, rows centred on their peak with context re-read from the corpus, labels that fit, and
// output tokens as readable chips.
#include "corpus_context.h"
#include "exemplar_model.h"
#include "gpt2_table.h"
#include "neuron_document.h"
#include "pages/distribution_page.h"
#include "pages/exemplars_page.h"
#include "token_chip_delegate.h"
#include "token_strip_delegate.h"

#include "activations/corpus_reader.h"
#include "activations/corpus_windows.h"
#include "agents/activity.h"
#include "agents/explanation.h"
#include "agents/pattern_simulator.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QListView>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ns;

namespace {
Exemplar exemplar(const std::vector<int>& ids, std::vector<float> acts, int64_t document, int64_t offset, int64_t id) {
    auto w = std::make_shared<TokenWindow>();
    w->id = id, w->document = document, w->offset = offset, w->tokens = ids;
    Exemplar e;
    e.window = w;
    e.activations = std::move(acts);
    e.maxIndex = static_cast<int>(std::max_element(e.activations.begin(), e.activations.end()) - e.activations.begin());
    e.max = e.activations[static_cast<size_t>(e.maxIndex)];
    return e;
}

ModeExplanation literalMode(const QString& token, double weight) {
    ModeExplanation m;
    m.text = QStringLiteral("the token %1").arg(token);
    auto p = patternFromJson(nlohmann::json{{"literals", {{{"token", token.toStdString()}, {"weight", weight}}}}});
    if (p) m.pattern = *p;
    return m;
}
}  // namespace

class TestExemplarRows : public QObject {
    Q_OBJECT
    std::unique_ptr<BpeTokenizer> m_tok;
    std::unique_ptr<TokenTable> m_table;

    NeuronRecord record() const {
        NeuronRecord r;
        const std::vector<int> ids = m_tok->encode(" the cat sat on the mat");
        r.top.push_back(exemplar(ids, {0.1f, 4.0f, 0.2f, 0.f, 0.3f, 1.f}, 3, 64, 7));
        QuantileBin bin;
        bin.low = 0, bin.high = 2, bin.population = 10;
        bin.exemplars.push_back(exemplar(ids, {0.1f, 1.5f, 0.2f, 0.f, 0.3f, 0.f}, 5, 0, 9));
        r.quantiles.push_back(bin);
        r.random.push_back(exemplar(ids, {0.07f, 0.f, 0.f, 0.f, 0.f, 0.f}, 8, 128, 11));
        r.stats.max = 4.0;
        r.stats.tokens = 100;
        r.stats.firingRate = 0.999;
        r.histogram.edges = {-0.25, 0.75, 1.75, 2.75, 3.75, 4.75};
        r.histogram.counts = {90, 6, 2, 1, 1};
        return r;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(loadGpt2Table(m_tok, m_table)); }

    void activeThresholdIsAFractionOfTheRecordsPeak() {
        NeuronRecord r = record();
        QCOMPARE(recordPeak(r), 4.0);
        QCOMPARE(activeThreshold(r), kActiveFraction * 4.0);
        // An exemplar above the stats' maximum (another batch shape) still sets the peak.
        r.top[0].max = 5.f;
        QCOMPARE(recordPeak(r), 5.0);
        NeuronRecord silent;
        silent.stats.max = -0.1;
        QVERIFY(std::isinf(activeThreshold(silent)));
    }

    void shareAbove_data() {
        QTest::addColumn<double>("threshold");
        QTest::addColumn<double>("share");
        // edges -0.25 0.75 1.75 2.75 3.75 4.75, counts 90 6 2 1 1 (100 tokens)
        QTest::newRow("on an edge") << 1.75 << 0.04;
        QTest::newRow("inside a bin, in proportion") << 2.25 << 0.03;
        QTest::newRow("below every bin") << -1.0 << 1.0;
        QTest::newRow("above every bin") << 10.0 << 0.0;
    }
    void shareAbove() {
        QFETCH(double, threshold);
        QFETCH(double, share);
        QVERIFY(std::abs(ns::shareAbove(record().histogram, threshold) - share) < 1e-9);
        QCOMPARE(ns::shareAbove(Histogram{}, 1.0), 0.0);
    }

    void theActiveSummaryStatesTheShareAndTheThreshold() {
        const QString s = DistributionPage::activeSummary(record());
        QVERIFY2(s.contains(QStringLiteral("Active on 8.5%")), qPrintable(s));  // 2 + 1 + 1 tokens, and 6 x 0.75 of the bin at 1.0
        QVERIFY2(s.contains(QStringLiteral("above 1.00")), qPrintable(s));
        QVERIFY2(s.contains(QStringLiteral("above 0 on 99.9%")), qPrintable(s));
    }

    void aHistogramBinLeadsToItsQuantileBin() {
        const NeuronRecord r = record();
        QCOMPARE(DistributionPage::quantileBinAt(r, 1.0), 0);
        QCOMPARE(DistributionPage::quantileBinAt(r, 2.0), 0);
        QCOMPARE(DistributionPage::quantileBinAt(r, 0.0), -1);  // (low, high]: 0 is in no bin
        QCOMPARE(DistributionPage::quantileBinAt(r, 3.0), -1);
        ExemplarModel model;
        model.setRecord(r, *m_table);
        ExemplarFilter filter;
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        filter.setSourceModel(&model);
        filter.setBin(0);
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data(ExemplarModel::WindowRole).toLongLong(), 9LL);
        filter.setBin(1);
        QCOMPARE(filter.rowCount(), 0);
        filter.setBin(-1);
        QCOMPARE(filter.rowCount(), 3);
    }

    void rowsNameTheirMaximumAndDocumentAndFrameOnlyRealPeaks() {
        ExemplarModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRecord(record(), *m_table);
        QCOMPARE(model.rowCount(), 3);
        const QStringList top = model.index(0).data(ExemplarModel::LabelLinesRole).toStringList();
        QCOMPARE(top.value(0), QStringLiteral("top 1"));
        QVERIFY(top.contains(QStringLiteral("max 4.00")));
        QVERIFY(top.contains(QStringLiteral("doc 3, token 65")));  // window offset 64, peak at 1
        const QStringList bin = model.index(1).data(ExemplarModel::LabelLinesRole).toStringList();
        QCOMPARE(bin.value(0), QStringLiteral("bin 1 of 1"));
        QCOMPARE(bin.value(1), QStringLiteral("(0.00, 2.00]"));
        QCOMPARE(model.index(1).data(ExemplarModel::QuantileBinRole).toInt(), 0);
        // Frame: a top exemplar's 4.0 and a bin's 1.5 are above 1.0 (25% of 4.0); a random
        // window's 0.07 is not.
        QVERIFY(model.index(0).data(ExemplarModel::RealPeakRole).toBool());
        QVERIFY(model.index(1).data(ExemplarModel::RealPeakRole).toBool());
        QVERIFY(!model.index(2).data(ExemplarModel::RealPeakRole).toBool());
    }

    void theSimulationIsOnTheActivationsScale() {
        const NeuronRecord r = record();
        // Mode 1 fires on " cat" (2), mode 2 on " mat" (1), mode 3 is free text.
        std::vector<ModeExplanation> modes{literalMode(QStringLiteral(" cat"), 2), literalMode(QStringLiteral(" mat"), 1)};
        ModeExplanation free;
        free.text = QStringLiteral("animals");
        modes.push_back(free);
        const PatternSimulator sim(modes, *m_table, r);
        QVERIFY(!sim.empty());
        QCOMPARE(sim.modeCount(), 3);
        QVERIFY(sim.runs(0) && sim.runs(1) && !sim.runs(2));
        QVERIFY(sim.mode(2, {1, 2}).empty());
        const std::vector<int> ids = m_tok->encode(" the cat sat on the mat");
        const std::vector<float> whole = sim.whole(ids);
        QCOMPARE(whole.size(), ids.size());
        // The largest simulation on the exemplars becomes the neuron's maximum, 4.0.
        const float peak = *std::max_element(whole.begin(), whole.end());
        QVERIFY(std::abs(peak - 4.f) < 1e-4f);
        QVERIFY(std::abs(whole[5] / whole[1] - 0.5f) < 1e-4f);  // " mat" half of " cat"
        const std::vector<float> mat = sim.mode(1, ids);
        QCOMPARE(mat[1], 0.f);
        QVERIFY(std::abs(mat[5] - whole[5]) < 1e-5f);
        // An explanation that never fires on the exemplars has no scale: its simulation reads 0.
        const PatternSimulator silent({literalMode(QStringLiteral(" dog"), 1)}, *m_table, r);
        QCOMPARE(silent.factor(), 0.0);
    }

    void thePageSimulatesOnTheActivationsScaleAndFiltersByBin() {
        auto table = std::make_shared<TokenTable>(*m_tok);
        NeuronDocument doc(ExplainTarget{0, 1, {}});
        doc.setRecord(record());
        ExemplarsPage page(table);
        page.setDocument(&doc);
        QCOMPARE(page.shown()->rowCount(), 3);
        QCOMPARE(page.binFilter()->count(), 2);  // all groups and the one bin
        page.showQuantileBin(0);
        QCOMPARE(page.shown()->rowCount(), 1);
        QCOMPARE(page.shown()->index(0, 0).data(ExemplarModel::QuantileBinRole).toInt(), 0);
        page.showQuantileBin(-1);
        QCOMPARE(page.shown()->rowCount(), 3);
        QVERIFY(page.model()->row(0).simulated.isEmpty());
        LoopResult result;
        ModeResult cat;
        cat.explanation = literalMode(QStringLiteral(" cat"), 2);
        result.modes = {cat};
        doc.setResult(result);
        // The simulation's peak over the exemplars is the neuron's maximum, 4.0, on every row.
        const ExemplarModel::Row& top = page.model()->row(0);
        QCOMPARE(top.simulated.size(), top.activations.size());
        QVERIFY(std::abs(top.simulated[1] - 4.f) < 1e-4f);
        QCOMPARE(top.mode, 0);
        QCOMPARE(page.filter()->count(), 1 + 1 + 2);  // all, the mode, worst false positives and negatives
    }

    void theTooltipPutsBothOnOneScale() {
        ExemplarModel model;
        const NeuronRecord r = record();
        model.setRecord(r, *m_table);
        ExemplarModel::Row row = model.row(0);
        row.simulated = QList<float>{0, 3.f, 0, 0, 0, 2.f};
        model.setRows({row}, model.scale(), model.activeThreshold());
        const QString tip = TokenStripDelegate::tokenTip(model.index(0), 1);
        QVERIFY2(tip.contains(QStringLiteral("activation 4.000 (100% of the neuron's max 4.000)")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("simulated 3.000 (75% of max)")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("predicted activation")), qPrintable(tip));
    }

    void labelsFitTheirRowAndTheSimulationHasItsOwnLine() {
        ExemplarModel model;
        model.setRecord(record(), *m_table);
        QListView view;
        view.resize(900, 600);
        view.setModel(&model);
        auto* delegate = new TokenStripDelegate(&view);
        view.setItemDelegate(delegate);
        QStyleOptionViewItem option;
        option.initFrom(&view);
        const QFontMetrics fm(option.font);
        for (int i = 0; i < model.rowCount(); ++i) {
            const QModelIndex index = model.index(i);
            const QStringList lines = index.data(ExemplarModel::LabelLinesRole).toStringList();
            QVERIFY(delegate->sizeHint(option, index).height() >= static_cast<int>(lines.size()) * fm.lineSpacing());
            for (const QString& line : lines)
                if (!line.startsWith(QChar(0x201C)))  // document words are cut to fit, the rest must fit whole
                    QVERIFY2(fm.horizontalAdvance(line) <= TokenStripDelegate::labelWidth(option.font), qPrintable(line));
        }
        // A long strip (several lines of tokens): the simulation adds a line under each.
        ExemplarModel::Row row;
        row.rank = QStringLiteral("your text");
        for (int i = 0; i < 60; ++i) row.tokens << QStringLiteral(" word"), row.activations << 1.f, row.ids.push_back(1);
        model.setRows({row}, 1);
        const int without = delegate->sizeHint(option, model.index(0)).height();
        row.simulated = QList<float>(row.activations.size(), 1.f);
        model.setRows({row}, 1);
        QVERIFY(delegate->sizeHint(option, model.index(0)).height() > without + 2 * fm.height());
    }

    void centredSpan_data() {
        QTest::addColumn<qint64>("documentTokens");
        QTest::addColumn<qint64>("peak");
        QTest::addColumn<qint64>("begin");
        QTest::addColumn<qint64>("end");
        QTest::newRow("middle") << qint64(1000) << qint64(500) << qint64(468) << qint64(532);
        QTest::newRow("near the start") << qint64(1000) << qint64(10) << qint64(0) << qint64(64);
        QTest::newRow("near the end") << qint64(1000) << qint64(995) << qint64(936) << qint64(1000);
        QTest::newRow("short document") << qint64(40) << qint64(30) << qint64(0) << qint64(40);
    }
    void centredSpan() {
        QFETCH(qint64, documentTokens);
        QFETCH(qint64, peak);
        QFETCH(qint64, begin);
        QFETCH(qint64, end);
        QCOMPARE(ns::centredSpan(documentTokens, peak, 64), std::make_pair(static_cast<int64_t>(begin), static_cast<int64_t>(end)));
    }

    void aRowIsCentredOnItsPeakWithContextFromTheCorpus() {
        QTemporaryDir dir;
        const QString corpus = dir.filePath(QStringLiteral("corpus.txt"));
        QString first, second;
        for (int i = 0; i < 40; ++i) first += QStringLiteral(" alpha%1").arg(i);
        for (int i = 0; i < 40; ++i) second += QStringLiteral(" beta%1").arg(i);
        {
            QFile f(corpus);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write((QStringLiteral("Opening words of the first document") + first + QStringLiteral("\n<|endoftext|>\n") +
                     QStringLiteral("The second one") + second + QStringLiteral("\n")).toUtf8());
        }
        // The windows exactly as the miner cuts them (16 tokens each).
        std::vector<std::string> documents;
        {
            auto reader = CorpusReader::open(corpus);
            QVERIFY(reader.ok());
            std::string text;
            while ((*reader)->next(&text)) documents.push_back(text);
        }
        QCOMPARE(documents.size(), size_t(2));
        const std::vector<int> doc1 = m_tok->encode(documents[1]);
        std::vector<std::shared_ptr<TokenWindow>> windows;
        int64_t next = 0;
        cutWindows(doc1, 1, 16, &next, [&](std::shared_ptr<TokenWindow> w) { windows.push_back(std::move(w)); });
        QVERIFY(windows.size() >= 3);
        const TokenWindow& w = *windows[1];  // offset 16: context before and after exists
        // Peak at index 1 of the window: the centred span needs 7 tokens from the window before.
        const std::vector<ContextRequest> requests{{w.id, 1, w.offset, 16, 1}};
        auto context = readCorpusContext(*m_tok, corpus, requests, 16);
        QVERIFY2(context.ok(), context.ok() ? "" : qPrintable(context.error()));
        QVERIFY(context->documentWords.at(1).startsWith(QStringLiteral("The second one")));
        const WindowContext& c = context->windows.at(w.id);
        QCOMPARE(c.begin, w.offset + 1 - 8);
        QCOMPARE(c.end, c.begin + 16);
        QCOMPARE(c.before, std::vector<int>(doc1.begin() + c.begin, doc1.begin() + w.offset));
        QVERIFY(c.after.empty());

        ExemplarModel::Row row;
        row.ids = w.tokens;
        for (int id : w.tokens) row.tokens << m_table->text(id);
        for (int t = 0; t < 16; ++t) row.activations << (t == 1 ? 3.f : 0.1f);
        row.simulated = QList<float>(16, 0.5f);
        row.maxIndex = 1;
        row.marked = {1, 0, 12};
        centreOnPeak(row, c, *m_table);
        QCOMPARE(static_cast<int>(row.ids.size()), 16);
        QCOMPARE(row.tokens.size(), 16);
        QCOMPARE(row.maxIndex, 8);  // the middle
        QCOMPARE(row.activations[8], 3.f);
        QCOMPARE(row.ids[8], w.tokens[1]);
        for (int t = 0; t < 7; ++t) QVERIFY(std::isnan(row.activations[t]) && std::isnan(row.simulated[t]));
        QCOMPARE(row.marked, (QList<int>{8, 7}));  // window token 12 is past the span
        // With the documents' starts kept, a second read seeks to them and finds the same.
        DocumentStarts starts;
        QVERIFY(readCorpusContext(*m_tok, corpus, requests, 16, &starts).ok());
        QCOMPARE(starts.size(), size_t(2));
        QCOMPARE(starts[0], qint64(0));
        auto warm = readCorpusContext(*m_tok, corpus, requests, 16, &starts);
        QVERIFY(warm.ok());
        QCOMPARE(warm->windows.at(w.id).before, c.before);
        QCOMPARE(warm->documentWords.at(1), context->documentWords.at(1));
        QCOMPARE(starts.size(), size_t(2));
        // Nothing to read where the window holds the centred span already.
        auto none = readCorpusContext(*m_tok, corpus, {{w.id, 1, w.offset, 16, 8}}, 16);
        QVERIFY(none.ok() && none->windows.empty());
        // A corpus that is not there is an error, not a crash.
        QVERIFY(!readCorpusContext(*m_tok, dir.filePath(QStringLiteral("missing.txt")), requests, 16).ok());
    }

    void outputTokensAreQuotedWithVisibleSpaces_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("chip");
        QTest::newRow("leading space") << QStringLiteral(" the") << QStringLiteral("\u201C\u00B7the\u201D");
        QTest::newRow("spaces only") << QStringLiteral("   ") << QStringLiteral("\u201C\u00B7\u00B7\u00B7\u201D");
        QTest::newRow("line break") << QStringLiteral("\n\n") << QStringLiteral("\u201C\u21B5\u21B5\u201D");
        QTest::newRow("tab") << QStringLiteral("\t") << QStringLiteral("\u201C\u21E5\u201D");
        QTest::newRow("plain") << QStringLiteral("ing") << QStringLiteral("\u201Cing\u201D");
    }
    void outputTokensAreQuotedWithVisibleSpaces() {
        QFETCH(QString, token);
        QFETCH(QString, chip);
        QCOMPARE(TokenChipDelegate::chipText(token), chip);
    }
};

QTEST_MAIN(TestExemplarRows)
#include "test_exemplar_rows.moc"
