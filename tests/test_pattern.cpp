#include "agents/pattern.h"
#include "agents/token_table.h"
#include "tokenizer/bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include <QTest>

using namespace ns;

class TestPattern final : public QObject {
    Q_OBJECT
    std::unique_ptr<BpeTokenizer> m_tok;
    std::unique_ptr<TokenTable> m_table;

    std::vector<int> ids(const char* text) const { return m_tok->encode(text); }

private Q_SLOTS:
    void initTestCase() {
        auto t = BpeTokenizer::loadDirectory(QStringLiteral(NS_TEST_DATA_DIR "/gpt2"));
        QVERIFY(t.ok());
        m_tok = std::make_unique<BpeTokenizer>(*t);
        m_table = std::make_unique<TokenTable>(*m_tok);
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

    void budgetIsEnforced_data() {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("fragment");
        std::string many = "{\"literals\":[";
        for (int i = 0; i < 13; ++i) many += (i ? "," : "") + std::string("{\"token\":\"t") + std::to_string(i) + "\",\"weight\":1}";
        many += "]}";
        QTest::newRow("13 literals") << QByteArray::fromStdString(many) << QStringLiteral("at most 12 tokens");
        QTest::newRow("class and literals") << QByteArray("{\"literals\":[{\"token\":\"a\"}],\"class\":\"number\"}")
                                            << QStringLiteral("not both");
        QTest::newRow("unknown class") << QByteArray("{\"class\":\"colour\"}") << QStringLiteral("unknown token class");
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
