// The scores beside Pearson: active tokens, F1 with a threshold from valid, AUPRC, the
// novel-token score, and the scorer that puts them together for one explanation.
#include "agents/loop_scorer.h"
#include "agents/scores.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace ns;

namespace {

Sample sample(std::vector<int> ids, std::vector<float> acts, SampleKind kind = SampleKind::Top) {
    Sample s;
    s.ids = std::move(ids);
    s.acts = std::move(acts);
    s.kind = kind;
    return s;
}

}  // namespace

class TestScorers final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void activeIsAboveAQuarterOfTheRecordMaximum() {
        const auto a = activeTokens({0.0, 0.25, 0.26, 1.0}, 1.0);
        QCOMPARE(a, (std::vector<char>{0, 0, 1, 1}));
        QCOMPARE(activeTokens({1.0, 2.0}, 0.0), (std::vector<char>{0, 0}));
    }

    void f1CountsHitsMissesAndFalseAlarms() {
        // predicted: 1 1 0 0 ; active: 1 0 1 0 -> tp 1, fp 1, fn 1 -> F1 = 0.5
        const auto f1 = f1AtThreshold({0.9, 0.8, 0.1, 0.0}, {1, 0, 1, 0}, 0.5);
        QVERIFY(f1.has_value());
        QCOMPARE(*f1, 0.5);
        QCOMPARE(*f1AtThreshold({0.9, 0.8}, {1, 1}, 0.5), 1.0);
        QVERIFY(!f1AtThreshold({0.9, 0.8}, {0, 0}, 0.5).has_value());
    }

    void theBestThresholdMaximisesF1() {
        // Above 0.6 every prediction is right and only one active token is missed.
        const std::vector<double> sim{0.9, 0.8, 0.6, 0.3, 0.3, 0.0};
        const std::vector<char> active{1, 1, 1, 0, 0, 1};
        const double t = bestF1Threshold(sim, active);
        QCOMPARE(t, 0.6);
        QCOMPARE(*f1AtThreshold(sim, active, t), 2.0 * 3 / (2 * 3 + 0 + 1));
        // A simulation that is never positive predicts nothing (never "everything is active").
        QVERIFY(std::isinf(bestF1Threshold({0.0, 0.0}, {1, 0})));
        QCOMPARE(*f1AtThreshold({0.0, 0.0}, {1, 0}, bestF1Threshold({0.0, 0.0}, {1, 0})), 0.0);
    }

    void averagePrecisionIsTheAreaUnderPrecisionRecall() {
        QCOMPARE(*averagePrecision({0.9, 0.8, 0.1}, {1, 1, 0}), 1.0);
        // ranks: hit (P 1), miss, hit (P 2/3), miss -> (1 + 2/3) / 2
        QVERIFY(std::abs(*averagePrecision({0.9, 0.8, 0.7, 0.6}, {1, 0, 1, 0}) - (1.0 + 2.0 / 3) / 2) < 1e-12);
        // Ties are one step: a constant simulation scores the share of active tokens.
        QCOMPARE(*averagePrecision({1.0, 1.0, 1.0, 1.0}, {1, 0, 0, 0}), 0.25);
        QVERIFY(!averagePrecision({0.5}, {0}).has_value());
    }

    void novelPositionsAreTokensNeverSeenInTrain() {
        const std::vector<Sample> train{sample({1, 2, 3}, {0, 0, 0})};
        QCOMPARE(novelPositions({3, 4, 1, 5}, train), (std::vector<char>{0, 1, 0, 1}));
    }

    void novelScoreNeedsFiveActivePositions() {
        FlatSeries t;
        std::vector<char> novel, active;
        for (int i = 0; i < 10; ++i) {
            t.truth.push_back(i % 2 ? 1.0 : 0.0);
            t.simulation.push_back(i % 2 ? 0.8 : 0.1);
            t.ids.push_back(100 + i);
            novel.push_back(1);
            active.push_back(i % 2);
        }
        const auto five = novelTokenScore(t, novel, active);
        QVERIFY(five.has_value());
        QVERIFY(std::abs(*five - 1.0) < 1e-12);
        novel[1] = 0;  // now only four novel positions are active
        QVERIFY(!novelTokenScore(t, novel, active).has_value());
    }

    void theScorerChoosesTheThresholdOnValid() {
        ExemplarSplits s;
        s.train = {sample({1, 2}, {1, 0})};
        // On valid the neuron is active where the simulation is 0.9 but not where it is 0.5:
        // the threshold is 0.9. On test both are active, so F1 at valid's threshold is 2/3,
        // below the 1.0 a threshold chosen on test would give.
        s.valid = {sample({1, 2, 1, 2}, {1, 0, 0, 0})};
        const Simulation valid{{0.9f, 0.0f, 0.5f, 0.0f}};
        s.test = {sample({1, 7, 2}, {1, 1, 0}), sample({2, 2}, {0, 0}, SampleKind::Random)};
        const Simulation test{{0.9f, 0.5f, 0.0f}, {0.0f, 0.0f}};
        const TestScores r = testScores(s, valid, test, 1.0, 3);
        QCOMPARE(r.length, 3);
        QVERIFY(r.f1.has_value());
        QVERIFY(std::abs(*r.f1 - 2.0 / 3) < 1e-12);
        QVERIFY(r.auprc.has_value());
        QCOMPARE(*r.auprc, 1.0);
        QVERIFY(r.score > 0.8);
        QCOMPARE(r.randomScore, 0.0);  // the random exemplar is constant on both sides
        QVERIFY(!r.novelScore.has_value());  // one novel active token only
    }

    void theRecordMaximumCoversEverySplit() {
        ExemplarSplits s;
        s.test = {sample({1}, {3.0f})};
        QCOMPARE(recordMaximum(s, 2.0), 3.0);
        QCOMPARE(recordMaximum(s, 4.0), 4.0);
    }
};

QTEST_GUILESS_MAIN(TestScorers)
#include "test_scores.moc"
