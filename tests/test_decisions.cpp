// The rules of decisions: the latest decision per mode of one run, and the summary the browser
// shows, sorts and filters by.
#include "store/decisions.h"

#include <QTest>

using namespace ns;

namespace {

Review decisionOf(int64_t run, int mode, const QString& status) {
    Review r;
    r.explanationId = run;
    r.mode = mode;
    r.status = status;
    return r;
}

}  // namespace

class TestDecisions final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void summaryOfTheLatestRun() {
        // Five modes: mode 1 approved, mode 2 approved then edited, mode 3 rejected; a decision
        // about an earlier run and one about a mode the run does not have count for nothing.
        const std::vector<Review> reviews{decisionOf(7, 0, decision::approved), decisionOf(7, 1, decision::approved),
                                          decisionOf(6, 4, decision::rejected), decisionOf(7, 2, decision::rejected),
                                          decisionOf(7, 1, decision::edited),   decisionOf(7, 9, decision::approved)};
        const DecisionSummary s = summarizeDecisions(latestDecisions(5, reviews, 7));
        QCOMPARE(s.modes, 5);
        QCOMPARE(s.approved, 1);
        QCOMPARE(s.edited, 1);
        QCOMPARE(s.rejected, 1);
        QCOMPARE(s.undecided(), 2);
        QCOMPARE(s.text(), QStringLiteral("1 approved, 1 edited, 1 rejected of 5"));
        QCOMPARE(neuronStatus(latestDecisions(5, reviews, 7)), QStringLiteral("rejected"));
        QCOMPARE(summarizeDecisions(latestDecisions(5, reviews, 8)).text(), QStringLiteral("none decided of 5"));
    }

    void texts_data() {
        QTest::addColumn<int>("modes");
        QTest::addColumn<int>("approved");
        QTest::addColumn<int>("edited");
        QTest::addColumn<int>("rejected");
        QTest::addColumn<QString>("text");
        QTest::newRow("none") << 3 << 0 << 0 << 0 << QStringLiteral("none decided of 3");
        QTest::newRow("all approved") << 2 << 2 << 0 << 0 << QStringLiteral("2 approved of 2");
        QTest::newRow("edited only") << 4 << 0 << 1 << 0 << QStringLiteral("1 edited of 4");
        QTest::newRow("approved and rejected") << 4 << 1 << 0 << 2 << QStringLiteral("1 approved, 2 rejected of 4");
    }

    void texts() {
        QFETCH(int, modes);
        QFETCH(int, approved);
        QFETCH(int, edited);
        QFETCH(int, rejected);
        QFETCH(QString, text);
        QCOMPARE((DecisionSummary{modes, approved, edited, rejected}.text()), text);
    }

    void sortsByHowMuchIsDecided() {
        const DecisionSummary none{5, 0, 0, 0}, twoOfFive{5, 0, 1, 1}, threeOfFive{5, 1, 1, 1}, allRejected{2, 0, 0, 2},
            allApproved{2, 2, 0, 0};
        QVERIFY(none.sortKey() < twoOfFive.sortKey());
        QVERIFY(twoOfFive.sortKey() < threeOfFive.sortKey());
        QVERIFY(threeOfFive.sortKey() < allRejected.sortKey());
        QVERIFY(allRejected.sortKey() < allApproved.sortKey());  // equally decided: the approved share breaks the tie
        QCOMPARE(DecisionSummary{}.sortKey(), 0.0);
    }

    void filters_data() {
        QTest::addColumn<int>("filter");
        QTest::addColumn<QString>("matching");  // of: none, mixed, approved, rejected
        QTest::newRow("any") << int(DecisionFilter::Any) << QStringLiteral("none mixed approved rejected");
        QTest::newRow("undecided") << int(DecisionFilter::Undecided) << QStringLiteral("none mixed");
        QTest::newRow("rejected") << int(DecisionFilter::Rejected) << QStringLiteral("mixed rejected");
        QTest::newRow("edited") << int(DecisionFilter::Edited) << QStringLiteral("mixed");
        QTest::newRow("fully approved") << int(DecisionFilter::FullyApproved) << QStringLiteral("approved");
        QTest::newRow("fully decided") << int(DecisionFilter::FullyDecided) << QStringLiteral("approved rejected");
    }

    void filters() {
        QFETCH(int, filter);
        QFETCH(QString, matching);
        const std::vector<std::pair<QString, DecisionSummary>> cases{
            {QStringLiteral("none"), {3, 0, 0, 0}},
            {QStringLiteral("mixed"), {5, 1, 1, 1}},
            {QStringLiteral("approved"), {2, 2, 0, 0}},
            {QStringLiteral("rejected"), {1, 0, 0, 1}}};
        QStringList got;
        for (const auto& [name, s] : cases)
            if (matchesDecisionFilter(s, static_cast<DecisionFilter>(filter))) got << name;
        QCOMPARE(got.join(QLatin1Char(' ')), matching);
    }
};

QTEST_MAIN(TestDecisions)
#include "test_decisions.moc"
