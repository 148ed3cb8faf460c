// The acceptance rule (a change earns its length on valid) and the choice of the number of
// modes that follows from it.
#include "agents/acceptance_rule.h"
#include "agents/mode_selection.h"

#include <QTest>

using namespace ns;

namespace {

AcceptanceRule rule() {
    AcceptanceRule r;
    r.lengthPenalty = 0.004;
    r.modeGain = 0.01;
    r.minGain = 0.001;
    r.evidenceSlack = 0.01;
    r.budget = 16;
    return r;
}

}  // namespace

class TestAcceptanceRule final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void meritIsScoreLessTheLengthAndModesPrice() {
        QVERIFY(std::abs(merit(rule(), 0.5, 10, 3) - (0.5 - 0.04 - 0.02)) < 1e-12);
        QCOMPARE(merit(rule(), 0.5, 0, 1), 0.5);
    }

    void verdicts_data() {
        QTest::addColumn<double>("valid");
        QTest::addColumn<double>("evidence");
        QTest::addColumn<int>("length");
        QTest::addColumn<int>("modes");
        QTest::addColumn<int>("verdict");
        // The current explanation: valid 0.60, evidence 0.70, length 8, 2 modes.
        QTest::newRow("a token that buys more than it costs") << 0.606 << 0.705 << 9 << 2 << int(Verdict::Better);
        QTest::newRow("a token that buys less than it costs") << 0.603 << 0.71 << 9 << 2 << int(Verdict::TooLittle);
        QTest::newRow("a re-fit at the same length, barely better") << 0.6005 << 0.70 << 8 << 2 << int(Verdict::TooLittle);
        QTest::newRow("a re-fit at the same length, better") << 0.61 << 0.70 << 8 << 2 << int(Verdict::Better);
        QTest::newRow("dropping a token that was worth little") << 0.5965 << 0.699 << 7 << 2 << int(Verdict::Simpler);
        QTest::newRow("dropping a token that was worth its length") << 0.59 << 0.69 << 7 << 2 << int(Verdict::TooLittle);
        QTest::newRow("dropping a token that train and probes still need") << 0.5965 << 0.69 << 7 << 2 << int(Verdict::EvidenceFell);
        QTest::newRow("a merge that costs little") << 0.595 << 0.695 << 6 << 1 << int(Verdict::Better);
        QTest::newRow("a new mode that only pays for its tokens") << 0.62 << 0.72 << 12 << 3 << int(Verdict::TooLittle);
        QTest::newRow("a new mode that pays for itself") << 0.65 << 0.75 << 12 << 3 << int(Verdict::Better);
        QTest::newRow("over the budget") << 0.99 << 0.99 << 17 << 2 << int(Verdict::OverBudget);
        QTest::newRow("valid rises, train and probes fall") << 0.62 << 0.65 << 8 << 2 << int(Verdict::EvidenceFell);
    }
    void verdicts() {
        QFETCH(double, valid);
        QFETCH(double, evidence);
        QFETCH(int, length);
        QFETCH(int, modes);
        QFETCH(int, verdict);
        const Standing current{0.60, 0.70, 8, 2};
        const Verdict v = judge(rule(), current, {valid, evidence, length, modes});
        QCOMPARE(int(v), verdict);
        QCOMPARE(accepted(v), verdict == int(Verdict::Better) || verdict == int(Verdict::Simpler));
        QVERIFY(!verdictText(v).isEmpty());
    }

    void theHighestMeritWinsAndTheShorterOnTies() {
        const Standing current{0.60, 0.70, 8, 2};
        const std::vector<Standing> proposals{{0.62, 0.72, 10, 2},   // merit 0.570
                                              {0.615, 0.71, 8, 2},   // merit 0.573
                                              {0.60, 0.70, 17, 2},   // over budget
                                              {0.62, 0.72, 7, 2}};   // merit 0.582: best
        QCOMPARE(choose(rule(), current, proposals), 3);
        const std::vector<Standing> tied{{0.608, 0.70, 9, 2}, {0.604, 0.70, 8, 2}};  // equal merit 0.562 vs 0.562
        QCOMPARE(choose(rule(), {0.55, 0.70, 8, 2}, tied), 1);
        QCOMPARE(choose(rule(), current, {{0.59, 0.60, 8, 2}}), -1);
        QCOMPARE(choose(rule(), current, {}), -1);
    }

    void oneModeUnlessAClusteringIsClearlyStructured() {
        // Two modes score a little higher but their clustering is no clearer than one mode.
        std::vector<ModeOption> options{{1, 0.70, 4, 0.25}, {2, 0.72, 6, 0.20}, {3, 0.72, 9, 0.10}};
        QCOMPARE(selectModeOption(rule(), options, 0.01), 0);
        // A clearly structured clustering within the tolerance of the best merit wins.
        options[1].silhouette = 0.6;
        QCOMPARE(selectModeOption(rule(), options, 0.01), 1);
        // ... but not when its merit falls short by more than the tolerance.
        options[1].valid = 0.68;
        QCOMPARE(selectModeOption(rule(), options, 0.01), 0);
    }

    void theNumberOfModesFollowsFromMeritNotFromACap() {
        // Four modes score far higher: they win whatever their silhouette, within the budget.
        std::vector<ModeOption> options{{1, 0.40, 4, 0.25}, {2, 0.50, 8, 0.30}, {4, 0.90, 14, 0.26}, {5, 0.95, 18, 0.9}};
        QCOMPARE(selectModeOption(rule(), options, 0.01), 2);
        QCOMPARE(selectModeOption(rule(), {{3, 0.9, 20, 0.5}}, 0.01), -1);  // nothing within the budget
        // Equal merit and silhouette: the fewer modes.
        QCOMPARE(selectModeOption(rule(), {{2, 0.50, 6, 0.4}, {1, 0.50 - 0.01 - 0.008, 4, 0.4}}, 1e-9), 1);
    }
};

QTEST_GUILESS_MAIN(TestAcceptanceRule)
#include "test_acceptance_rule.moc"
