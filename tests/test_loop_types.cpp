// The loop's types: options round-trip through JSON (so every constant enters the cache key),
// and a result's JSON says "no value" as null.
#include "agents/loop_types.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace ns;

class TestLoopTypes final : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void optionsRoundTrip() {
        LoopOptions o;
        o.maxIterations = 3;
        o.maxModes = 5;
        o.seed = 77;
        o.lengthBudget = 8;
        o.lengthPenalty = 0.02;
        o.modeGain = 0.03;
        o.minGain = 0.004;
        o.evidenceSlack = 0.05;
        o.fitUnitGain = 0.006;
        o.oneModeSilhouette = 0.4;
        o.modeTolerance = 0.07;
        o.missFraction = 0.45;
        o.strongFraction = 0.35;
        o.vocabularyProbes = 100;
        o.probeWindows = 9;
        o.probesPerKey = 4;
        o.swapSamples = 1;
        o.perModeBudgetLiterals = 10;
        o.decompose.lookback = 3;
        auto back = LoopOptions::fromJson(o.toJson());
        QVERIFY(back.ok());
        QCOMPARE(back->toJson().dump(), o.toJson().dump());
        // Every option changes the JSON, so every one of them enters the cache key.
        QVERIFY(o.toJson().dump() != LoopOptions{}.toJson().dump());
        for (const auto& [key, value] : LoopOptions{}.toJson().items()) {
            nlohmann::json j = LoopOptions{}.toJson();
            QVERIFY2(j.at(key) != o.toJson().at(key) || key == "components" || key == "threshold" || key == "matters_at",
                     key.c_str());
        }
    }

    void optionsFromJsonKeepDefaultsAndNameWrongTypes() {
        auto partial = LoopOptions::fromJson({{"length_budget", 32}});
        QVERIFY(partial.ok());
        QCOMPARE(partial->lengthBudget, 32);
        QCOMPARE(partial->lengthPenalty, LoopOptions{}.lengthPenalty);
        auto wrong = LoopOptions::fromJson({{"length_penalty", "high"}});
        QVERIFY(!wrong.ok());
        QVERIFY2(wrong.error().contains(QStringLiteral("length_penalty")), qPrintable(wrong.error()));
        QVERIFY(!LoopOptions::fromJson(nlohmann::json::array()).ok());
    }

    void theAcceptanceRuleComesFromTheOptions() {
        LoopOptions o;
        o.lengthBudget = 8;
        o.lengthPenalty = 0.02;
        const AcceptanceRule r = o.acceptance();
        QCOMPARE(r.budget, 8);
        QCOMPARE(r.lengthPenalty, 0.02);
        QCOMPARE(r.modeGain, o.modeGain);
    }

    void aModeWithoutTestExemplarsHasNullScore() {
        auto tok = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY(tok.ok());
        const TokenTable table(*tok);
        LoopResult r;
        ModePattern p;
        p.literals = {{QStringLiteral(" a"), 1.0}, {QStringLiteral(" b"), 0.5}};
        ModeResult scored;
        scored.explanation = {QStringLiteral("a or b"), p};
        scored.score = 0.7;
        scored.exemplarCount = 3;
        ModeResult unscored;
        unscored.explanation = {QStringLiteral("a"), p};
        r.modes = {scored, unscored};
        r.loop.novelScore = std::nullopt;
        r.loop.f1 = 0.5;
        r.loop.length = 4;
        r.baseline.length = 2;
        const nlohmann::json j = loopResultToJson(r, table);
        QCOMPARE(j.at("modes").at(0).at("score").get<double>(), 0.7);
        QVERIFY(j.at("modes").at(1).at("score").is_null());
        QCOMPARE(j.at("modes").at(0).at("length").get<int>(), 2);
        QVERIFY(j.at("novel_score").is_null());
        QCOMPARE(j.at("f1").get<double>(), 0.5);
        QCOMPARE(j.at("length").get<int>(), 4);
        QCOMPARE(j.at("baseline_length").get<int>(), 2);
        for (const char* key : {"score", "baseline_score", "random_score", "baseline_random_score", "novel_score", "baseline_novel_score",
                                "f1", "baseline_f1", "auprc", "baseline_auprc", "baseline_per_mode_budget_score"})
            QVERIFY2(j.contains(key), key);
    }

    void resultRoundTripsThroughItsJson() {
        // What the explorer reads back is what the loop wrote: scores (null stays no value),
        // labels, patterns, iterations and the components on the cluster map.
        auto tok = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY(tok.ok());
        const TokenTable table(*tok);
        LoopResult r;
        r.neuron = QStringLiteral("3/14");
        r.backend = QStringLiteral("builtin");
        r.seed = 7;
        r.loop.score = 0.61;
        r.loop.f1 = 0.4;
        r.baseline.score = 0.52;
        r.baseline.length = 5;
        r.baselineValidScore = 0.5;
        ModePattern p;
        p.literals = {{QStringLiteral(" monday"), 1.0}};
        ModeResult mode;
        mode.explanation = {QStringLiteral("Weekdays."), p, QStringLiteral("weekday names")};
        mode.score = 0.8;
        mode.exemplarCount = 4;
        ModeResult unscored;
        unscored.explanation = {QStringLiteral("Something else entirely, said at length."), std::nullopt};
        r.modes = {mode, unscored};
        IterationResult it;
        it.index = 1;
        it.validScore = 0.55;
        it.modeScores = {0.5, std::numeric_limits<double>::quiet_NaN()};
        it.change = QStringLiteral("kept");
        it.kept = true;
        it.modes = {mode.explanation};
        r.iterations = {it};
        AtomicComponent c;
        c.window = 42;
        c.position = 3;
        c.trigger = 10;
        c.activation = 1.5f;
        c.context = {{1, 11, 0.5f}};
        c.mode = 1;
        c.mapX = 0.25f;
        c.mapY = -0.5f;
        r.components = {c};

        auto back = loopResultFromJson(loopResultToJson(r, table));
        QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error()));
        // A partial run: stopped, not scored on test, with what the server was asked.
        LoopResult cut = r;
        cut.stopped = QStringLiteral("HTTP 500");
        cut.testScored = false;
        cut.usage = BackendUsage{12, 3400, 210};
        const nlohmann::json partial = loopResultToJson(cut, table);
        QVERIFY(partial.at("score").is_null() && partial.at("baseline_score").is_null());
        auto readBack = loopResultFromJson(partial);
        QVERIFY(readBack.ok() && !readBack->testScored && readBack->stopped == cut.stopped);
        QVERIFY(readBack->usage && readBack->usage->requests == 12 && readBack->usage->completionTokens == 210);
        QVERIFY(!loopResultToJson(*back, table).contains("stopped"));  // absent when the run completed
        QCOMPARE(back->neuron, r.neuron);
        QCOMPARE(back->seed, uint64_t(7));
        QCOMPARE(back->loop.score, 0.61);
        QCOMPARE(back->loop.f1.value_or(-1), 0.4);
        QVERIFY(!back->loop.novelScore);
        QCOMPARE(back->baseline.score, 0.52);
        QCOMPARE(back->baseline.length, 5);
        QCOMPARE(back->baselineValidScore, 0.5);
        QCOMPARE(back->modes.size(), size_t(2));
        QCOMPARE(back->modes[0].explanation.label, QStringLiteral("weekday names"));
        QVERIFY(back->modes[0].explanation.pattern.has_value());
        QCOMPARE(back->modes[0].explanation.pattern->literals.size(), size_t(1));
        QCOMPARE(back->modes[0].score.value_or(-1), 0.8);
        QCOMPARE(back->modes[0].exemplarCount, 4);
        QVERIFY(!back->modes[1].score);
        QVERIFY(!back->modes[1].explanation.pattern);
        QCOMPARE(displayLabel(back->modes[1].explanation), QStringLiteral("Something else entirely, said at"));
        QCOMPARE(back->iterations.size(), size_t(1));
        QCOMPARE(back->iterations[0].modeScores.size(), size_t(2));
        QVERIFY(std::isnan(back->iterations[0].modeScores[1]));
        QVERIFY(back->iterations[0].kept);
        QCOMPARE(back->points.size(), size_t(1));
        QCOMPARE(back->points[0].window, int64_t(42));
        QCOMPARE(back->points[0].trigger, table.text(10));
        QCOMPARE(back->points[0].context.at(0).token, table.text(11));
        QVERIFY(back->points[0].mapped);
        QCOMPARE(back->points[0].mapY, -0.5);
        QCOMPARE(back->points[0].mode, 1);
    }

    void resultFromJsonNamesWhatIsWrong() {
        auto bad = loopResultFromJson({{"modes", {{{"explanation", 3}}}}});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().contains(QStringLiteral("explanation")), qPrintable(bad.error()));
        auto pattern = loopResultFromJson({{"modes", {{{"explanation", "x"}, {"pattern", {{"class", "flavour"}}}}}}});
        QVERIFY(!pattern.ok());
        QVERIFY(!loopResultFromJson(nlohmann::json::array()).ok());
    }
};

QTEST_GUILESS_MAIN(TestLoopTypes)
#include "test_loop_types.moc"
