#include "activations/miner.h"
#include "activations/neuron_accumulator.h"
#include "model/language_model.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

#include <algorithm>
#include <cmath>
#include <set>

using namespace ns;

// The miner against a brute-force reference on the tiny fixture model, plus the streaming
// accumulator's invariants on synthetic activations.
class TestMiner final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;
    std::shared_ptr<LanguageModel> m_model;

    MineOptions options() const {
        MineOptions o;
        o.layer = 1;
        o.windowTokens = 16;
        o.batchSize = 7;
        o.topK = 5;
        o.quantileBins = 4;
        o.perBin = 3;
        o.randomCount = 6;
        o.seed = 42;
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        m_model = *m;
        m_corpus = writeCorpusSlice(m_dir, 12000, "\n<|endoftext|>\nA short document.\n<|endoftext|>\n");
        QVERIFY(!m_corpus.isEmpty());
    }

    void topExemplarsMatchBruteForce() {
        const MineOptions o = options();
        auto mined = mineLayer(*m_model, m_corpus, o);
        QVERIFY2(mined.ok(), qPrintable(mined.ok() ? QString() : mined.error()));
        QCOMPARE(mined->neurons.size(), size_t(64));
        QVERIFY(mined->documents >= 2);

        // Recompute every window's maximum for neuron 3 window by window and compare the ranking.
        const int neuron = 3;
        const auto& top = mined->neurons[neuron].top;
        QCOMPARE(top.size(), size_t(5));
        // Ranked on the maximum in half precision (as the activations are stored), ties by window id.
        for (size_t i = 1; i < top.size(); ++i) QVERIFY(top[i - 1].max >= top[i].max - std::fabs(top[i].max) / 1024);
        for (const auto& e : top) {
            auto a = m_model->mlpActivations({e.window->tokens}, o.layer);
            QVERIFY(a.ok());
            float mx = -1e9f;
            for (size_t t = 0; t < e.window->tokens.size(); ++t) mx = std::max(mx, a->at(0, t, neuron));
            QVERIFY2(std::fabs(mx - e.max) < 1e-4, "a top exemplar's maximum is its window's real maximum");
            QVERIFY(std::fabs(e.activations[e.maxIndex] - e.max) < 2e-3);  // stored in half precision
        }
        // No neuron's top windows show one passage twice.
        for (const auto& r : mined->neurons)
            for (size_t i = 0; i < r.top.size(); ++i)
                for (size_t j = 0; j < i; ++j) {
                    const auto &a = r.top[i], &b = r.top[j];
                    QVERIFY(a.window->document != b.window->document ||
                            std::abs(a.window->offset + a.maxIndex - b.window->offset - b.maxIndex) >= o.windowTokens);
                }
        // Stats cover every token once.
        QCOMPARE(mined->neurons[neuron].stats.tokens, mined->tokens);
        int64_t histTotal = 0;
        for (auto c : mined->neurons[neuron].histogram.counts) histTotal += c;
        QCOMPARE(histTotal, mined->tokens);
        QCOMPARE(mined->neurons[neuron].random.size(), size_t(6));
    }

    void quantileBinsHoldTheirWindows() {
        auto mined = mineLayer(*m_model, m_corpus, options());
        QVERIFY(mined.ok());
        int binsSeen = 0;
        for (const auto& r : mined->neurons) {
            std::set<int64_t> topIds;
            for (const auto& e : r.top) topIds.insert(e.window->id);
            for (const auto& q : r.quantiles) {
                ++binsSeen;
                QVERIFY(q.low < q.high);
                QVERIFY(q.high <= r.top.front().max + 1e-6);
                QVERIFY(static_cast<int64_t>(q.exemplars.size()) <= q.population);
                for (const auto& e : q.exemplars) {
                    QVERIFY2(e.max > q.low - 1e-6 && e.max <= q.high + 1e-6, "a sampled window lies in its bin");
                    QVERIFY(!topIds.count(e.window->id));
                }
            }
        }
        QVERIFY(binsSeen > 64);
    }

    void deterministicAndBatchIndependent() {
        MineOptions a = options(), b = options();
        b.batchSize = 3;
        auto ra = mineLayer(*m_model, m_corpus, a);
        const int threads = computeThreads();
        setComputeThreads(threads == 1 ? 2 : 1);
        auto rb = mineLayer(*m_model, m_corpus, b);
        setComputeThreads(threads);
        QVERIFY(ra.ok() && rb.ok());
        for (int n = 0; n < 64; ++n) {
            const auto& x = ra->neurons[n];
            const auto& y = rb->neurons[n];
            QCOMPARE(x.top.size(), y.top.size());
            for (size_t i = 0; i < x.top.size(); ++i) {
                QCOMPARE(x.top[i].window->id, y.top[i].window->id);
                QCOMPARE(x.top[i].activations, y.top[i].activations);
            }
            QCOMPARE(x.random.size(), y.random.size());
            for (size_t i = 0; i < x.random.size(); ++i) QCOMPARE(x.random[i].window->id, y.random[i].window->id);
            QCOMPARE(x.quantiles.size(), y.quantiles.size());
            for (size_t q = 0; q < x.quantiles.size(); ++q) {
                QCOMPARE(x.quantiles[q].population, y.quantiles[q].population);
                QCOMPARE(x.quantiles[q].exemplars.size(), y.quantiles[q].exemplars.size());
                for (size_t i = 0; i < x.quantiles[q].exemplars.size(); ++i)
                    QCOMPARE(x.quantiles[q].exemplars[i].window->id, y.quantiles[q].exemplars[i].window->id);
            }
            QCOMPARE(x.histogram.counts, y.histogram.counts);
        }
        MineOptions c = options();
        c.seed = 7;
        auto rc = mineLayer(*m_model, m_corpus, c);
        bool differs = false;
        for (size_t i = 0; i < rc->neurons[0].random.size(); ++i)
            differs |= rc->neurons[0].random[i].window->id != ra->neurons[0].random[i].window->id;
        QVERIFY2(differs, "another seed samples other random windows");
    }

    void cancels() {
        int calls = 0;
        bool inRange = true;
        auto r = mineLayer(*m_model, m_corpus, options(), [&](const MiningProgress& p) {
            inRange &= p.bytesDone <= p.bytesTotal;
            return ++calls < 2;
        });
        QVERIFY(inRange);
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(QStringLiteral("cancelled")));
        QCOMPARE(calls, 2);
    }

    void errors_data() {
        QTest::addColumn<int>("layer");
        QTest::addColumn<QString>("corpus");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("layer out of range") << 2 << QString() << QStringLiteral("out of range");
        QTest::newRow("missing corpus") << 0 << QStringLiteral("/nonexistent/corpus.txt") << QStringLiteral("/nonexistent/corpus.txt");
    }
    void errors() {
        QFETCH(int, layer);
        QFETCH(QString, corpus);
        QFETCH(QString, fragment);
        MineOptions o = options();
        o.layer = layer;
        auto r = mineLayer(*m_model, corpus.isEmpty() ? m_corpus : corpus, o);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(fragment), qPrintable(r.error()));
    }

    // Top windows are distinct passages: a window whose peak is within one window length of a
    // better window's peak in the same document is passed over, and the next best takes its place.
    // Windows of 8 tokens: (document, offset, peak index, maximum).
    void accumulatorKeepsDistinctPassages_data() {
        QTest::addColumn<QVector<QVector<double>>>("windows");
        QTest::addColumn<QVector<int>>("expectedTop");  // indices into windows, in rank order
        using W = QVector<QVector<double>>;
        QTest::newRow("neighbours, peaks 2 apart") << W{{0, 0, 7, 5}, {0, 8, 1, 4}, {1, 0, 3, 3}} << QVector<int>{0, 2};
        QTest::newRow("neighbours, peaks 8 apart") << W{{0, 0, 7, 5}, {0, 8, 7, 4}, {1, 0, 3, 3}} << QVector<int>{0, 1};
        QTest::newRow("other documents") << W{{0, 0, 7, 5}, {1, 0, 0, 4}, {2, 0, 0, 3}} << QVector<int>{0, 1};
        QTest::newRow("a run of neighbours") << W{{0, 0, 7, 5}, {0, 8, 0, 4.5}, {0, 16, 0, 4}, {0, 24, 0, 3.5}, {0, 32, 7, 3}}
                                            << QVector<int>{0, 2};
        QTest::newRow("passed over, then the next best") << W{{0, 8, 4, 5}, {0, 0, 7, 4.9}, {0, 16, 0, 4.8}, {3, 0, 0, 1}}
                                                         << QVector<int>{0, 3};
    }
    void accumulatorKeepsDistinctPassages() {
        QFETCH(QVector<QVector<double>>, windows);
        QFETCH(QVector<int>, expectedTop);
        MineOptions o;
        o.topK = 2;
        o.windowTokens = 8;
        NeuronAccumulator acc(o);
        for (int i = 0; i < windows.size(); ++i) {
            auto w = std::make_shared<TokenWindow>();
            w->id = i;
            w->document = static_cast<int64_t>(windows[i][0]);
            w->offset = static_cast<int64_t>(windows[i][1]);
            w->tokens.assign(8, 1);
            float acts[8] = {};
            acts[static_cast<int>(windows[i][2])] = static_cast<float>(windows[i][3]);
            acc.add(w, acts, 8, static_cast<uint64_t>(i));
        }
        const NeuronRecord r = acc.finish(0, 0, o);
        QVector<int> got;
        for (const auto& e : r.top) got.push_back(static_cast<int>(e.window->id));
        QCOMPARE(got, expectedTop);
    }

    // The token histogram grows its range as larger values come and still counts every token in
    // the bin its final edges give it.
    void accumulatorHistogramIsExact() {
        MineOptions o;
        o.histogramBins = 8;
        NeuronAccumulator acc(o);
        std::vector<float> all;
        for (int i = 0; i < 50; ++i) {
            auto w = std::make_shared<TokenWindow>();
            w->id = i;
            w->tokens.assign(5, 1);
            float acts[5];
            for (int t = 0; t < 5; ++t) acts[t] = -0.3f + 0.013f * float((i * 7 + t * 3) % 97) * float(1 + i / 10);
            acc.add(w, acts, 5, static_cast<uint64_t>(i));
            all.insert(all.end(), acts, acts + 5);
        }
        const NeuronRecord r = acc.finish(0, 0, o);
        const auto& edges = r.histogram.edges;
        QCOMPARE(edges.size(), size_t(9));
        QVERIFY(edges.back() > *std::max_element(all.begin(), all.end()));
        std::vector<int64_t> expected(8, 0);
        for (float a : all) {
            size_t b = 0;
            while (b + 1 < expected.size() && a >= edges[b + 1]) ++b;
            ++expected[b];
        }
        QCOMPARE(r.histogram.counts, expected);
        QCOMPARE(r.stats.min, double(*std::min_element(all.begin(), all.end())));
        QCOMPARE(r.stats.max, double(*std::max_element(all.begin(), all.end())));
    }

    // The accumulator's fine bins merge exactly as the range doubles: a bin's sample is the
    // s smallest keys of all windows that fell in it.
    void accumulatorSamplesUniformly() {
        MineOptions o;
        o.topK = 3;
        o.quantileBins = 2;
        o.perBin = 4;
        NeuronAccumulator acc(o);
        std::vector<std::pair<float, uint64_t>> all;
        for (int i = 0; i < 400; ++i) {
            auto w = std::make_shared<TokenWindow>();
            w->id = i;
            w->document = i;  // one passage each, so every window may be a top window
            w->tokens = {1, 2};
            const float v = 0.01f * float((i * 37) % 400 + 1);  // 0.01 .. 4.0, growing range
            const float acts[2] = {v, -0.1f};
            const uint64_t key = (uint64_t(i) * 2654435761u) % 1000003;
            acc.add(w, acts, 2, key);
            all.emplace_back(v, key);
        }
        const NeuronRecord r = acc.finish(0, 0, o);
        QCOMPARE(r.top.size(), size_t(3));
        QCOMPARE(r.top.front().max, 4.0f);
        QCOMPARE(r.stats.tokens, int64_t(800));
        QCOMPARE(r.quantiles.size(), size_t(2));
        int64_t population = 0;
        for (const auto& q : r.quantiles) population += q.population;
        QCOMPARE(population, int64_t(400));
        // Bin 0 holds windows up to its high edge: its samples are the smallest keys there.
        const auto& q0 = r.quantiles[0];
        std::vector<uint64_t> keys;
        for (const auto& [v, k] : all)
            if (v > q0.low && v <= q0.high) keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        std::set<uint64_t> expected(keys.begin(), keys.begin() + 4), got;
        for (const auto& e : q0.exemplars) got.insert((uint64_t(e.window->id) * 2654435761u) % 1000003);
        QCOMPARE(got, expected);
    }
};

QTEST_GUILESS_MAIN(TestMiner)
#include "test_miner.moc"
