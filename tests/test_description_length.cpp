// The length rule (DESIGN.md, "Description length") and the fitter's respect for it.
#include "agents/description_length.h"
#include "agents/pattern_fitter.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include "gpt2_table.h"

#include <QTest>

using namespace ns;

class TestDescriptionLength final : public QObject {
    Q_OBJECT
    std::unique_ptr<BpeTokenizer> m_tok;
    std::unique_ptr<TokenTable> m_table;

    static ModePattern literals(std::initializer_list<const char*> keys) {
        ModePattern p;
        for (const char* k : keys) p.literals.push_back({QString::fromUtf8(k), 1.0});
        return p;
    }

    /// Evidence where each of `words` fires at its own strength wherever it occurs.
    std::vector<Sample> evidence(const std::vector<std::pair<const char*, float>>& words) const {
        std::vector<Sample> out;
        for (int rep = 0; rep < 6; ++rep) {
            Sample s;
            for (const auto& [w, a] : words) {
                for (int filler : m_tok->encode(" so it was")) s.ids.push_back(filler), s.acts.push_back(0.f);
                s.ids.push_back(m_tok->idOf(w));
                s.acts.push_back(a);
            }
            s.document = rep;
            out.push_back(s);
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(loadGpt2Table(m_tok, m_table));
    }

    void eachItemCountsOne_data() {
        QTest::addColumn<int>("expected");
        QTest::addColumn<int>("length");
        QTest::newRow("empty") << 0 << patternLength({});
        QTest::newRow("three literals") << 3 << patternLength(literals({" a", " b", " c"}));
        ModePattern cls;
        cls.tokenClass = QStringLiteral("number");
        cls.classWeight = 5;  // weights are free
        QTest::newRow("one class") << 1 << patternLength(cls);
        ModePattern withTokens = cls;
        withTokens.conditions.push_back({1, {QStringLiteral(" of"), QStringLiteral(" in")}, {}});
        QTest::newRow("class, condition with two tokens") << 4 << patternLength(withTokens);
        ModePattern withClass = literals({" the"});
        withClass.conditions.push_back({8, {}, QStringLiteral("number")});
        withClass.conditions.push_back({1, {QStringLiteral(" Mr")}, {}});
        QTest::newRow("literal, class condition, token condition") << 1 + 2 + 2 << patternLength(withClass);
    }
    void eachItemCountsOne() {
        QFETCH(int, expected);
        QFETCH(int, length);
        QCOMPARE(length, expected);
    }

    void theWholeExplanationSumsItsModes() {
        ModePattern cls;
        cls.tokenClass = QStringLiteral("number");
        const std::vector<ModeExplanation> modes{{QStringLiteral("x"), literals({" a", " b"})}, {QStringLiteral("numbers"), cls}};
        QCOMPARE(explanationLength(modes), 3);
        QCOMPARE(explanationLength({}), 0);
    }

    void textOnlyModesCountTheirQuotedTokens() {
        QCOMPARE(modeLength({QStringLiteral("weekday names"), std::nullopt}), 1);
        QCOMPARE(modeLength({QStringLiteral("the tokens 'Monday' and \"Friday\""), std::nullopt}), 3);
    }

    void theFitterStaysWithinItsLength() {
        const auto ev = evidence({{" happy", 1.0f}, {" big", 0.9f}, {" very", 0.8f}, {" soon", 0.7f}, {" old", 0.6f}});
        std::vector<int> keys;
        for (const char* w : {" happy", " big", " very", " soon", " old"}) keys.push_back(m_table->keyOf(m_tok->idOf(w)));
        FitInput in;
        in.evidence = &ev;
        in.triggerKeys = keys;
        PatternBudget wide;
        const ModePattern all = fitMode(*m_table, in, wide);
        QCOMPARE(patternLength(all), 5);
        PatternBudget narrow;
        narrow.maxLength = 3;
        const ModePattern three = fitMode(*m_table, in, narrow);
        QCOMPARE(patternLength(three), 3);
        // The strongest tokens are the ones kept.
        QCOMPARE(three.literals.front().key, QStringLiteral(" happy"));
    }

    void aTokenMustBuyItsLengthOnTrain() {
        // ' old' fires so rarely and weakly that it adds little to train r: a high price per
        // unit of length leaves it out, a low one keeps it.
        auto ev = evidence({{" happy", 1.0f}, {" big", 1.0f}});
        Sample rare;
        for (int id : m_tok->encode(" so it was")) rare.ids.push_back(id), rare.acts.push_back(0.f);
        rare.ids.push_back(m_tok->idOf(" old"));
        rare.acts.push_back(0.05f);
        ev.push_back(rare);
        FitInput in;
        in.evidence = &ev;
        for (const char* w : {" happy", " big", " old"}) in.triggerKeys.push_back(m_table->keyOf(m_tok->idOf(w)));
        PatternBudget cheap;
        cheap.unitGain = 0;
        PatternBudget dear;
        dear.unitGain = 0.01;
        QCOMPARE(patternLength(fitMode(*m_table, in, cheap)), 3);
        QCOMPARE(patternLength(fitMode(*m_table, in, dear)), 2);
    }
};

QTEST_GUILESS_MAIN(TestDescriptionLength)
#include "test_description_length.moc"
