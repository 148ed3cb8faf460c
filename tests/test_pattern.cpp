#include "agents/pattern.h"
#include "agents/pattern_text.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include "gpt2_table.h"

#include <QTest>

using namespace ns;

class TestPattern final : public QObject {
    Q_OBJECT
    std::unique_ptr<BpeTokenizer> m_tok;
    std::unique_ptr<TokenTable> m_table;

    std::vector<int> ids(const char* text) const { return m_tok->encode(text); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(loadGpt2Table(m_tok, m_table));
    }

    void keysAreExactText() {
        QCOMPARE(TokenTable::keyFor(QStringLiteral(" The")), QStringLiteral(" The"));
        QVERIFY(m_table->keyOf(m_tok->idOf(" The")) != m_table->keyOf(m_tok->idOf(" the")));
        QVERIFY(m_table->keyOf(m_tok->idOf("the")) != m_table->keyOf(m_tok->idOf(" the")));
        // A key's representative spells it; a word with a leading-space form is shown with it.
        const int key = m_table->keyOf(m_tok->idOf(" The"));
        QCOMPARE(m_table->keyOf(m_table->representative(key)), key);
        QVERIFY(m_table->text(m_table->representative(key)).startsWith(QLatin1Char(' ')));
    }

    void simulate_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QList<float>>("expected");
        QTest::newRow("literals with weights") << QByteArray("{\"literals\":[{\"token\":\" cat\",\"weight\":2},{\"token\":\" mat\",\"weight\":0.5}]}")
                                               << QByteArray("The cat sat on the mat") << QList<float>{0, 2, 0, 0, 0, 0.5f};
        QTest::newRow("exact text") << QByteArray("{\"literals\":[{\"token\":\" the\",\"weight\":1}]}")
                                    << QByteArray("in The end the") << QList<float>{0, 0, 0, 1};
        QTest::newRow("class") << QByteArray("{\"class\":\"number\",\"class_weight\":3}") << QByteArray("In 1999 and 2")
                               << QList<float>{0, 3, 0, 3};
        QTest::newRow("previous token condition")
            << QByteArray("{\"literals\":[{\"token\":\" the\",\"weight\":1}],\"conditions\":[{\"span\":1,\"tokens\":[\" of\"]}]}")
            << QByteArray("the end of the day in the") << QList<float>{0, 0, 0, 1, 0, 0, 0};
        QTest::newRow("within span condition, class")
            << QByteArray("{\"literals\":[{\"token\":\".\",\"weight\":1}],\"conditions\":[{\"span\":3,\"class\":\"number\"}]}")
            << QByteArray("It was 5 years. Then it ended.") << QList<float>{0, 0, 0, 0, 1, 0, 0, 0, 0};
        QTest::newRow("two conditions must both hold")
            << QByteArray("{\"literals\":[{\"token\":\" dog\",\"weight\":1}],\"conditions\":[{\"span\":1,\"tokens\":[\" big\"]},"
                          "{\"span\":4,\"tokens\":[\"a\"]}]}")
            << QByteArray("a big dog the big dog") << QList<float>{0, 0, 1, 0, 0, 0};
    }
    void simulate() {
        QFETCH(QByteArray, pattern);
        QFETCH(QByteArray, text);
        QFETCH(QList<float>, expected);
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString()));
        QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error()));
        const auto got = CompiledPattern(*p, *m_table).run(ids(text.constData()));
        QCOMPARE(QList<float>(got.begin(), got.end()), expected);
        // The JSON form survives a round trip.
        auto again = patternFromJson(patternToJson(*p));
        QVERIFY(again.ok());
        QCOMPARE(patternToJson(*again).dump(), patternToJson(*p).dump());
    }

    void sentenceStatesTheWholePattern() {
        ModePattern p;
        p.literals = {{QStringLiteral(" of"), 2.1}, {QStringLiteral("\n"), 0.5}};
        p.conditions = {{1, {QStringLiteral(" the"), QStringLiteral(" a")}, {}}, {8, {}, QStringLiteral("number")}};
        const QString s = renderPattern(p);
        for (const char* part : {"' of' (2.10)", "'\\n' (0.50)", "the previous token is one of ' the' or ' a'",
                                 "a number appears among the previous 8 tokens"})
            QVERIFY2(s.contains(QLatin1String(part)), qPrintable(s));
        ModePattern c;
        c.tokenClass = QStringLiteral("suffix:ing");
        c.classWeight = 1;
        QVERIFY(renderPattern(c).contains(QStringLiteral("a word ending in '-ing' (1.00)")));
        QCOMPARE(renderPattern(ModePattern{}), QStringLiteral("Never fires."));
    }

    // The sentence is a notation: what renderPattern writes, parsePatternText reads back.
    void sentenceReadsBack_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::newRow("one token") << QByteArray(R"({"literals":[{"token":" of","weight":2.1}]})");
        QTest::newRow("tokens with quotes and escapes")
            << QByteArray(R"({"literals":[{"token":"'s","weight":0.123456789},{"token":"a\\b","weight":1},{"token":"\n","weight":12.5}]})");
        QTest::newRow("class") << QByteArray(R"({"class":"word_piece","class_weight":0.3})");
        QTest::newRow("suffix class") << QByteArray(R"({"class":"suffix:ing","class_weight":1.75})");
        QTest::newRow("conditions")
            << QByteArray(R"({"literals":[{"token":" he","weight":1},{"token":" she","weight":0.5}],)"
                          R"("conditions":[{"span":1,"tokens":[" the"," a","'"]},{"span":8,"class":"number"}]})");
        QTest::newRow("one-token condition") << QByteArray(R"({"class":"number","class_weight":3,"conditions":[{"span":3,"tokens":[" Mr"]}]})");
        QTest::newRow("never fires") << QByteArray(R"({})");
    }
    void sentenceReadsBack() {
        QFETCH(QByteArray, pattern);
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString()));
        QVERIFY2(p.ok(), qPrintable(p.ok() ? QString() : p.error()));
        const QString exact = renderPattern(*p, WeightDigits::Exact);
        auto back = parsePatternText(exact);
        QVERIFY2(back.ok(), qPrintable(exact + QLatin1String(": ") + (back.ok() ? QString() : back.error())));
        QCOMPARE(back->size(), size_t(1));
        // Same tokens, classes and conditions; weights equal at the precision the simulator runs.
        const ModePattern& q = back->front();
        QCOMPARE(q.literals.size(), p->literals.size());
        for (size_t i = 0; i < q.literals.size(); ++i) {
            QCOMPARE(q.literals[i].key, p->literals[i].key);
            QCOMPARE(static_cast<float>(q.literals[i].weight), static_cast<float>(p->literals[i].weight));
        }
        QCOMPARE(q.tokenClass, p->tokenClass);
        QCOMPARE(static_cast<float>(q.classWeight), static_cast<float>(p->classWeight));
        QCOMPARE(patternToJson(q)["conditions"].dump(), patternToJson(*p)["conditions"].dump());
        // The readable form reads back too (to two decimals).
        QVERIFY(parsePatternText(renderPattern(*p)).ok());
    }

    void severalModesReadBack() {
        ModePattern a, b;
        a.literals = {{QStringLiteral(" and"), 1.5}};
        b.tokenClass = QStringLiteral("number");
        b.classWeight = 0.25;
        auto back = parsePatternText(renderPatterns({a, b}, WeightDigits::Exact));
        QVERIFY(back.ok());
        QCOMPARE(back->size(), size_t(2));
        QCOMPARE(back->at(1).tokenClass, QStringLiteral("number"));
    }

    void proseIsNotNotation_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("prose") << QStringLiteral("words related to food") << QStringLiteral("expected \"Fires on \"");
        QTest::newRow("empty") << QStringLiteral("  ") << QStringLiteral("empty");
        QTest::newRow("open quote") << QStringLiteral("Fires on the token 'abc (1.00).") << QStringLiteral("not closed");
        QTest::newRow("no weight") << QStringLiteral("Fires on the token 'a'.") << QStringLiteral("expected \" (\"");
        QTest::newRow("unknown class") << QStringLiteral("Fires on a flavour (1.00).") << QStringLiteral("token class");
        QTest::newRow("no full stop") << QStringLiteral("Fires on the token 'a' (1.00)") << QStringLiteral("expected \".\"");
        QTest::newRow("over budget") << QStringLiteral("Fires on the token 'a' (1.00), when the previous token is 'b', 'c' appears among the "
                                                       "previous 2 tokens and 'd' appears among the previous 3 tokens.")
                                     << QStringLiteral("at most 2 context conditions");
    }
    void proseIsNotNotation() {
        QFETCH(QString, text);
        QFETCH(QString, fragment);
        auto p = parsePatternText(text);
        QVERIFY(!p.ok());
        QVERIFY2(p.error().contains(fragment), qPrintable(p.error()));
    }

    void budgetIsEnforced_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("fragment");
        std::string many = "{\"literals\":[";
        for (int i = 0; i < 65; ++i) many += (i ? "," : "") + std::string("{\"token\":\"t") + std::to_string(i) + "\",\"weight\":1}";
        many += "]}";
        QTest::newRow("65 literals") << QByteArray::fromStdString(many) << QStringLiteral("at most 64 tokens");
        QTest::newRow("class and literals") << QByteArray("{\"literals\":[{\"token\":\"a\"}],\"class\":\"number\"}")
                                            << QStringLiteral("not both");
        QTest::newRow("unknown class") << QByteArray("{\"class\":\"flavour\"}") << QStringLiteral("unknown token class");
        QTest::newRow("three conditions")
            << QByteArray("{\"literals\":[{\"token\":\"a\"}],\"conditions\":[{\"tokens\":[\"b\"]},{\"tokens\":[\"c\"]},{\"tokens\":[\"d\"]}]}")
            << QStringLiteral("at most 2 context conditions");
        QTest::newRow("span too wide") << QByteArray("{\"literals\":[{\"token\":\"a\"}],\"conditions\":[{\"span\":40,\"tokens\":[\"b\"]}]}")
                                       << QStringLiteral("looks back");
        QTest::newRow("not an object") << QByteArray("[1]") << QStringLiteral("JSON object");
    }
    void budgetIsEnforced() {
        QFETCH(QByteArray, pattern);
        QFETCH(QString, fragment);
        auto p = patternFromJson(nlohmann::json::parse(pattern.toStdString()));
        QVERIFY(!p.ok());
        QVERIFY2(p.error().contains(fragment), qPrintable(p.error()));
    }
};

QTEST_GUILESS_MAIN(TestPattern)
#include "test_pattern.moc"
