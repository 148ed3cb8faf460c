// The explanation as people decided it: which edits changed the pattern, which scores kept with
// decisions still hold, and the whole score as decided (interchange/decided_explanation.h).
#include "agents/pattern.h"
#include "interchange/decided_explanation.h"

#include <QtTest>

using namespace ns;

namespace {

const QString kThe = QStringLiteral("{\"literals\": [{\"token\": \" the\", \"weight\": 1.0}]}");
const QString kTheAgain = QStringLiteral("{ \"literals\" : [ { \"weight\": 1, \"token\": \" the\" } ] }");
const QString kA = QStringLiteral("{\"literals\": [{\"token\": \" a\", \"weight\": 0.5}]}");

ModePattern pattern(const QString& json) {
    auto p = patternFromJson(nlohmann::json::parse(json.toStdString()));
    return p ? *p : ModePattern{};
}

ModeResult mode(const QString& text, const QString& json, std::optional<double> score) {
    ModeResult m;
    m.explanation.text = text;
    m.explanation.label = QStringLiteral("agents' label");
    if (!json.isEmpty()) m.explanation.pattern = pattern(json);
    m.score = score;
    return m;
}

Review made(int64_t id, int mode, const QString& status, const QString& text, const QString& pattern = {},
                std::optional<double> score = {}) {
    Review v;
    v.id = id;
    v.explanationId = 7;
    v.mode = mode;
    v.status = status;
    v.text = text;
    v.pattern = pattern;
    v.scored = score.has_value();
    v.score = score.value_or(0);
    v.author = QStringLiteral("person");
    return v;
}

LoopResult run() {
    LoopResult r;
    r.runId = 7;
    r.loop.score = 0.6;
    r.modes = {mode(QStringLiteral("Fires on ' the'."), kThe, 0.5), mode(QStringLiteral("Fires on ' a'."), kA, std::nullopt)};
    return r;
}

}  // namespace

Q_DECLARE_METATYPE(QList<ns::Review>)

class TestDecidedExplanation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void editChangesPatternOnlyWhenItDiffers_data() {
        QTest::addColumn<QString>("proposed");
        QTest::addColumn<QString>("edited");
        QTest::addColumn<bool>("changed");
        QTest::newRow("same pattern") << kThe << kThe << false;
        QTest::newRow("same pattern, other layout") << kThe << kTheAgain << false;
        QTest::newRow("no pattern given") << kThe << QString() << false;
        QTest::newRow("blank pattern") << kThe << QStringLiteral("  \n") << false;
        QTest::newRow("another pattern") << kThe << kA << true;
        QTest::newRow("a pattern where the agents had none") << QString() << kA << true;
        QTest::newRow("does not parse") << kThe << QStringLiteral("{\"literals\": [") << true;
    }
    void editChangesPatternOnlyWhenItDiffers() {
        QFETCH(QString, proposed);
        QFETCH(QString, edited);
        QFETCH(bool, changed);
        const ModeResult m = mode(QStringLiteral("x"), proposed, 0.1);
        QCOMPARE(editChangesPattern(m.explanation, made(1, 0, decision::edited, QStringLiteral("y"), edited)), changed);
    }

    void aTextOnlyEditDropsTheAgentsPattern() {
        const LoopResult r = run();
        // "biblical genealogies" with the agents' pattern left in the editor.
        std::vector<Review> latest{made(1, 0, decision::edited, QStringLiteral("biblical genealogies"), kTheAgain, 0.456), {}};
        auto d = decidedModes(r.modes, latest);
        QVERIFY(d.ok());
        QCOMPARE(d->size(), size_t(2));
        QCOMPARE((*d)[0].explanation.text, QStringLiteral("biblical genealogies"));
        QVERIFY(!(*d)[0].explanation.pattern.has_value());
        QVERIFY(!(*d)[0].patternChanged);
        QVERIFY((*d)[0].explanation.label.isEmpty());
        // The score kept with it was the old pattern's: it does not hold.
        QVERIFY(!decisionScoreHolds(r.modes, latest[0]));
        QVERIFY(!decidedWholeScore(r, {latest[0]}).has_value());
        // An edit with a new pattern runs that pattern, and its score holds.
        latest[0] = made(2, 0, decision::edited, QStringLiteral("Fires on ' a'."), kA, 0.3);
        d = decidedModes(r.modes, latest);
        QVERIFY(d.ok() && (*d)[0].patternChanged && (*d)[0].explanation.pattern.has_value());
        QCOMPARE(patternToJson(*(*d)[0].explanation.pattern), patternToJson(pattern(kA)));
        QVERIFY(decisionScoreHolds(r.modes, latest[0]));
        // A text-only edit kept without a pattern was scored by the LLM simulator, if at all.
        QVERIFY(decisionScoreHolds(r.modes, made(3, 0, decision::edited, QStringLiteral("free text"), QString(), 0.2)));
    }

    void anApprovalOfAnEditKeepsTheEdit() {
        const LoopResult r = run();
        const std::vector<Review> latest{made(4, 0, decision::approved, QStringLiteral("Fires on ' a'."), kA), {}};
        auto d = decidedModes(r.modes, latest);
        QVERIFY(d.ok());
        QCOMPARE((*d)[0].status, decision::approved);
        QCOMPARE((*d)[0].explanation.text, QStringLiteral("Fires on ' a'."));
        QVERIFY((*d)[0].patternChanged);
        // An approval of the text as proposed carries no edit.
        QVERIFY(!carriesEdit(r.modes[0].explanation, made(5, 0, decision::approved, r.modes[0].explanation.text)));
    }

    void wholeScoreAsDecided_data() {
        QTest::addColumn<QList<Review>>("reviews");
        QTest::addColumn<double>("expected");  // -1: none
        const Review edit = made(1, 0, decision::edited, QStringLiteral("Fires on ' a'."), kA, 0.41);
        const Review reject = made(2, 1, decision::rejected, QStringLiteral("Fires on ' a'."), QString(), 0.38);
        QTest::newRow("no decision: the run's") << QList<Review>{} << 0.6;
        QTest::newRow("approvals only: the run's") << QList<Review>{made(1, 0, decision::approved, QStringLiteral("Fires on ' the'."))}
                                                   << 0.6;
        QTest::newRow("an edit with a new pattern") << QList<Review>{edit} << 0.41;
        QTest::newRow("a rejection after it") << QList<Review>{edit, reject} << 0.38;
        QTest::newRow("an approval after both") << QList<Review>{edit, reject, made(3, 0, decision::approved, edit.text, kA)} << 0.38;
        QTest::newRow("a rejection not scored") << QList<Review>{edit, made(2, 1, decision::rejected, QStringLiteral("x"))} << -1.0;
        QTest::newRow("the rejected mode approved again")
            << QList<Review>{reject, made(3, 1, decision::approved, QStringLiteral("Fires on ' a'."))} << -1.0;
        QTest::newRow("a stale text-only edit")
            << QList<Review>{made(1, 0, decision::edited, QStringLiteral("biblical genealogies"), kThe, 0.456)} << -1.0;
        Review other = edit;
        other.explanationId = 6;
        QTest::newRow("decisions about another run") << QList<Review>{other} << 0.6;
    }
    void wholeScoreAsDecided() {
        QFETCH(QList<Review>, reviews);
        QFETCH(double, expected);
        const auto s = decidedWholeScore(run(), std::vector<Review>(reviews.begin(), reviews.end()));
        QCOMPARE(s.has_value(), expected >= 0);
        if (s) QCOMPARE(*s, expected);
    }

    void aPartialRunHasNoWholeScore() {
        LoopResult r = run();
        r.testScored = false;
        QVERIFY(!decidedWholeScore(r, {}).has_value());
    }
};


QTEST_MAIN(TestDecidedExplanation)
#include "test_decided_explanation.moc"
