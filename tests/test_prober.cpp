// The prober: misses on valid, tokens that fire on their own, and probes that never come from
// valid or test documents and are measured by the activation source.
#include "loop_fixture.h"

#include <QTest>

using namespace ns;

namespace {
const char* kSpec = R"js({"name": "pronouns", "modes": [{"token_regex": " (he|she)", "activation": 1.0}]})js";
}

class TestProber final : public QObject {
    Q_OBJECT
    LoopFixture f;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(f.init(kSpec));
        f.run->splits.train = {f.sample("and then he said so", 1), f.sample("yes he did it", 2)};
        f.run->splits.valid = {f.sample("so she went and he came", 3), f.sample("the cat and the dog", 4)};
        f.run->splits.test = {f.sample("she knew it", 5)};
        f.run->evidence = f.run->splits.train;
    }

    void missesAreWhatTheExplanationGetsWrongOnValid() {
        // The explanation names ' he' and ' cat': ' she' is missed, ' cat' is a false alarm.
        std::vector<Miss> fn, fp;
        f.run->misses({LoopFixture::literals({" he", " cat"})}, &fn, &fp);
        QVERIFY(!fn.empty());
        for (const Miss& m : fn) QCOMPARE(f.table->keyOf(m.token), f.key(" she"));
        QCOMPARE(fp.size(), size_t(1));
        QCOMPARE(f.table->keyOf(fp[0].token), f.key(" cat"));
        QCOMPARE(fp[0].mode, 0);
    }

    void probesComeFromTrainDocumentsAndAreMeasured() {
        f.addWindow("then she laughed and he smiled", 3);   // a valid document: never probed
        f.addWindow("at last she smiled at him", 7);        // free to probe
        f.addWindow("nothing here at all", 8);              // holds no wanted token
        const size_t before = f.run->evidence.size();
        std::vector<Miss> fn{{0, 1, f.tokenizer->idOf(" she"), 1.0f, 0.0f, -1}};
        QVERIFY(f.run->probe({LoopFixture::literals({" he"})}, fn, {}, 1).ok());
        QVERIFY(f.run->evidence.size() > before);
        bool sawCorpus = false;
        for (size_t i = before; i < f.run->evidence.size(); ++i) {
            const Sample& s = f.run->evidence[i];
            QCOMPARE(s.kind, SampleKind::Probe);
            QCOMPARE(s.acts, (*f.source->activations({s.ids}))[0]);  // measured, not predicted
            QVERIFY(s.ids != f.tokenizer->encode("then she laughed and he smiled"));
            sawCorpus = sawCorpus || s.ids == f.tokenizer->encode("at last she smiled at him");
        }
        QVERIFY(sawCorpus);
        // A window probed once is not probed again.
        const size_t after = f.run->evidence.size();
        QVERIFY(f.run->probe({LoopFixture::literals({" he"})}, {}, {}, 2).ok());
        for (size_t i = after; i < f.run->evidence.size(); ++i)
            QVERIFY(f.run->evidence[i].ids != f.tokenizer->encode("at last she smiled at him"));
    }

    void strongKeysFireAloneAndAreNotNamedYet() {
        f.addWindow("she and he and she and he", 9);
        QVERIFY(f.run->scanVocabulary().ok());
        const auto none = f.run->strongKeys({}, 10);
        QVERIFY(std::find(none.begin(), none.end(), f.key(" she")) != none.end());
        QVERIFY(std::find(none.begin(), none.end(), f.key(" and")) == none.end());
        const auto named = f.run->strongKeys({LoopFixture::literals({" she"})}, 10);
        QVERIFY(std::find(named.begin(), named.end(), f.key(" she")) == named.end());
        QVERIFY(std::find(named.begin(), named.end(), f.key(" he")) != named.end());
    }
};

QTEST_GUILESS_MAIN(TestProber)
#include "test_prober.moc"
