#include "agents/splits.h"

#include <nlohmann/json.hpp>

#include <QTest>

#include <set>

using namespace ns;

namespace {

Exemplar window(int64_t id, int64_t doc, float max) {
    auto w = std::make_shared<TokenWindow>();
    w->id = id;
    w->document = doc;
    w->tokens = {1, 2, 3, 4};
    Exemplar e;
    e.window = w;
    e.activations = {0, max, 0, 0};
    e.max = max;
    e.maxIndex = 1;
    return e;
}

/// 40 top windows over 13 documents (some hold several), 30 quantile, 40 random, with overlaps.
NeuronRecord record() {
    NeuronRecord r;
    for (int i = 0; i < 40; ++i) r.top.push_back(window(i, i % 13, 5.0f - i * 0.1f));
    QuantileBin b;
    for (int i = 0; i < 30; ++i) b.exemplars.push_back(window(100 + i, 20 + i % 17, 1.0f));
    r.quantiles.push_back(b);
    for (int i = 0; i < 40; ++i) r.random.push_back(window(i < 3 ? i : 200 + i, i < 3 ? i % 13 : 40 + i, 0.1f));
    return r;
}

}  // namespace

class TestSplits final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void deterministicAndDisjoint_data() {
        QTest::addColumn<qulonglong>("seed");
        for (qulonglong s : {0ull, 1ull, 42ull}) QTest::newRow(qPrintable(QString::number(s))) << s;
    }
    void deterministicAndDisjoint() {
        QFETCH(qulonglong, seed);
        const NeuronRecord r = record();
        const ExemplarSplits a = splitRecord(r, seed), b = splitRecord(r, seed);
        QCOMPARE(nlohmann::json(splitsToJson(a)).dump(), nlohmann::json(splitsToJson(b)).dump());
        std::set<int64_t> docs[3], windows;
        int i = 0;
        for (const auto* split : {&a.train, &a.valid, &a.test}) {
            for (const Sample& s : *split) {
                docs[i].insert(s.document);
                QVERIFY2(windows.insert(s.windowId).second, "a window appears twice");
            }
            ++i;
        }
        for (int x = 0; x < 3; ++x)
            for (int y = x + 1; y < 3; ++y)
                for (int64_t d : docs[x]) QVERIFY2(!docs[y].count(d), "a document is on two sides");
        // Test: top and random 1:1, nothing else.
        int top = 0, random = 0;
        for (const Sample& s : a.test) {
            QVERIFY(s.kind == SampleKind::Top || s.kind == SampleKind::Random);
            (s.kind == SampleKind::Top ? top : random)++;
        }
        QCOMPARE(top, random);
        QVERIFY(top > 0);
        // Every side gets top exemplars.
        for (const auto* split : {&a.train, &a.valid}) {
            int n = 0;
            for (const Sample& s : *split) n += s.kind == SampleKind::Top;
            QVERIFY(n > 0);
        }
    }

    void windowsAreDeduplicatedTopFirst() {
        const ExemplarSplits s = splitRecord(record(), 0);
        for (const auto* split : {&s.train, &s.valid, &s.test})
            for (const Sample& x : *split)
                if (x.windowId < 3) QCOMPARE(int(x.kind), int(SampleKind::Top));
    }

    // Too few documents: one gave "120 train, 0 valid and 0 test", then test r = 0 as a result.
    void tooFewDocumentsIsAnError_data() {
        QTest::addColumn<int>("documents");
        QTest::addColumn<bool>("enough");
        QTest::newRow("one document") << 1 << false;
        QTest::newRow("two documents") << 2 << false;
        QTest::newRow("thirteen documents") << 13 << true;
    }
    void tooFewDocumentsIsAnError() {
        QFETCH(int, documents);
        QFETCH(bool, enough);
        NeuronRecord r;
        for (int i = 0; i < 40; ++i) r.top.push_back(window(i, i % documents, 5.0f - i * 0.1f));
        for (int i = 0; i < 40; ++i) r.random.push_back(window(100 + i, i % documents, 0.1f));
        const auto check = checkSplits(splitRecord(r, 0));
        QCOMPARE(check.ok(), enough);
        if (!enough)
            QVERIFY2(check.error().contains(QStringLiteral("at least %1 documents").arg(kMinSplitDocuments)) &&
                         check.error().contains(QStringLiteral("from %1 document").arg(documents)),
                     qPrintable(check.error()));
    }

    void pooledScoreIsNeverNaN() {
        std::vector<Sample> samples(2);
        samples[0].acts = {1, 2, 3};
        samples[1].acts = {0, 0, 1};
        QCOMPARE(pooledScore(samples, {{0, 0, 0}, {0, 0, 0}}), 0.0);  // constant simulation
        QVERIFY(std::abs(pooledScore(samples, {{1, 2, 3}, {0, 0, 1}}) - 1.0) < 1e-9);
        QCOMPARE(pooledScore({}, {}), 0.0);
    }
};

QTEST_GUILESS_MAIN(TestSplits)
#include "test_splits.moc"
