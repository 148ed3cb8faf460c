// The clusterer's stage: the number of modes follows from the acceptance rule and the
// structure of the components (chooseModes), on components made by hand.
#include "loop_fixture.h"

#include "agents/description_length.h"
#include "agents/mode_selection.h"

#include <QTest>

using namespace ns;

namespace {
const char* kSpec = R"js({"name": "two", "modes": [{"token_regex": " (he|she)", "activation": 1.0},
                                                   {"token_regex": " (one|two|three)", "activation": 0.5}]})js";
const char* kTrain[] = {"then he saw one dog", "she had two cats", "he and she left", "three men came in",
                        "one more time he said", "she counted two three"};
const char* kValid[] = {"he took one", "she ate three", "two of them and he"};
}  // namespace

class TestModeSelection final : public QObject {
    Q_OBJECT

    /// Every firing train token as a component; `separate`: pronouns and numbers respond
    /// differently (two clear clusters, a little spread), else identically.
    static void fill(LoopFixture& f, bool separate) {
        int64_t doc = 0;
        for (const char* t : kTrain) f.run->splits.train.push_back(f.sample(t, doc++));
        for (const char* t : kValid) f.run->splits.valid.push_back(f.sample(t, doc++));
        f.run->evidence = f.run->splits.train;
        f.run->profileDims = 2;
        int jitter = 0;
        for (size_t i = 0; i < f.run->splits.train.size(); ++i) {
            const Sample& s = f.run->splits.train[i];
            for (size_t t = 0; t < s.acts.size(); ++t) {
                if (s.acts[t] <= 0) continue;
                AtomicComponent c;
                c.sample = static_cast<int>(i);
                c.position = static_cast<int>(t);
                c.trigger = s.ids[t];
                c.activation = s.acts[t];
                const float e = 0.01f * static_cast<float>(jitter++ % 3);
                const bool pronoun = s.acts[t] > 0.75f;
                c.representation = separate ? (pronoun ? std::vector<float>{1.f + e, e} : std::vector<float>{e, 1.f + e})
                                            : std::vector<float>{1.f, 1.f};
                f.run->components.push_back(c);
            }
        }
    }

private Q_SLOTS:
    void twoClearModesAreTwo() {
        LoopFixture f;
        QVERIFY(f.init(kSpec));
        fill(f, true);
        auto chosen = chooseModes(*f.run);
        QVERIFY2(chosen.ok(), qPrintable(chosen.ok() ? QString() : chosen.error()));
        QCOMPARE(chosen->modes.size(), size_t(2));
        QVERIFY(explanationLength(chosen->modes) <= f.options.lengthBudget);
        QCOMPARE(chosen->labels.size(), f.run->components.size());
        QVERIFY(chosen->valid > 0.9);
    }

    void componentsThatRespondAlikeAreOneMode() {
        LoopFixture f;
        QVERIFY(f.init(kSpec));
        fill(f, false);
        auto chosen = chooseModes(*f.run);
        QVERIFY(chosen.ok());
        QCOMPARE(chosen->modes.size(), size_t(1));
    }

    void theBudgetBoundsEveryClustering() {
        LoopFixture f;
        f.options.lengthBudget = 3;
        QVERIFY(f.init(kSpec));
        fill(f, true);
        auto chosen = chooseModes(*f.run);
        QVERIFY(chosen.ok());
        QVERIFY(explanationLength(chosen->modes) <= 3);
        for (const auto& note : f.run->transcript)
            for (const auto& tried : note.value("tried", nlohmann::json::array())) QVERIFY(tried.at("length").get<int>() <= 3);
    }
};

QTEST_GUILESS_MAIN(TestModeSelection)
#include "test_mode_selection.moc"
