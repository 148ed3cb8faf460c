// The LLM backend's answers without a server: schemas in each server's form, the grammar
// without free whitespace, the sparse simulation and its logprobs, the explainer's modes.
#include "agents/llm/llm_prompts.h"
#include "agents/llm/simulation_answer.h"
#include "agents/llm/structured_output.h"

#include <QRegularExpression>
#include <QTest>

using namespace ns;
using json = nlohmann::json;

Q_DECLARE_METATYPE(std::vector<float>)

class TestLlmAnswers final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void schemasInTheServersForm() {
        const json s = simulationSchema(3, 64, 12);
        json body;
        attachSchema(&body, ServerKind::OpenAi, "simulation", s);
        QCOMPARE(body.at("response_format").at("type").get<std::string>(), std::string("json_schema"));
        QVERIFY(body.at("response_format").at("json_schema").at("strict").get<bool>());
        QVERIFY(body.at("response_format").at("json_schema").at("schema") == s);
        body = json::object();
        attachSchema(&body, ServerKind::Vllm, "simulation", s);
        QVERIFY(body.at("guided_json") == s);
        body = json::object();
        attachSchema(&body, ServerKind::Ollama, "simulation", s);
        QVERIFY(body.at("format") == s);
        body = json::object();
        attachSchema(&body, ServerKind::LlamaCpp, "simulation", s);
        QVERIFY(body.at("grammar").is_string() && !body.contains("response_format"));
        body = json::object();
        attachSchema(&body, ServerKind::None, "simulation", s);
        QVERIFY(body.empty());
        for (const char* name : {"auto", "openai", "llamacpp", "ollama", "vllm", "none"})
            QCOMPARE(serverKindName(*parseServerKind(QString::fromLatin1(name))), QString::fromLatin1(name));
        QVERIFY(!parseServerKind(QStringLiteral("lmstudio")));
    }

    void theGrammarLeavesNoRoomForWhitespace() {
        const QString g = schemaToGrammar(modesSchema(2));
        // Every literal of the grammar is JSON punctuation or a key, never a space, tab or line break.
        static const QRegularExpression literal(QStringLiteral("\"((?:[^\"\\\\]|\\\\.)*)\""));
        QString structure = g;
        structure.remove(QRegularExpression(QStringLiteral("\nchar ::= [^\n]*")));  // inside strings, anything printable
        for (auto it = literal.globalMatch(structure); it.hasNext();) {
            const QString text = it.next().captured(1);
            QVERIFY2(!text.contains(QLatin1Char(' ')) && !text.contains(QStringLiteral("\\n")) && !text.contains(QStringLiteral("\\t")),
                     qPrintable(text));
        }
        // Exactly two modes, and strings of bounded length.
        QVERIFY2(g.contains(QStringLiteral("{1}")), qPrintable(g));
        QVERIFY2(g.contains(QStringLiteral("char){1,400}")) && g.contains(QStringLiteral("char){1,60}")), qPrintable(g));
        QVERIFY(g.startsWith(QStringLiteral("root ::= ")));
        // Integers as the list of their values: no leading zeros, nothing out of range.
        const QString s = schemaToGrammar(simulationSchema(2, 3, 4));
        QVERIFY2(s.contains(QStringLiteral("\"1\" | \"2\" | \"3\" | \"4\" | \"5\" | \"6\" | \"7\" | \"8\" | \"9\" | \"10\"")), qPrintable(s));
        QVERIFY2(s.contains(QStringLiteral("\"0\" | \"1\" | \"2\"\n")), qPrintable(s));
    }

    void sparseSimulations_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QByteArray>("logprobs");
        QTest::addColumn<std::vector<float>>("expected");  // excerpt 1 then excerpt 2, two tokens each
        const QString one = QStringLiteral("{\"active\":[{\"excerpt\":2,\"token\":1,\"activation\":10}]}");
        QTest::newRow("no logprobs: the number written") << one << QByteArray("null") << std::vector<float>{0, 0, 0, 10};
        QTest::newRow("nothing fires") << QStringLiteral("{\"active\": []}") << QByteArray("null") << std::vector<float>{0, 0, 0, 0};
        QTest::newRow("fenced, spaced, repeated: the larger")
            << QStringLiteral("```json\n{\"active\": [ {\"excerpt\": 1, \"token\": 0, \"activation\": 3},\n"
                              "{\"excerpt\": 1, \"token\": 0, \"activation\": 7} ]}\n```")
            << QByteArray("null") << std::vector<float>{7, 0, 0, 0};
        const QByteArray head = "[{\"token\":\"{\\\"active\\\":[{\\\"excerpt\\\":2,\\\"token\\\":1,\\\"activation\\\":\",\"logprob\":0},";
        const QByteArray tail = ",{\"token\":\"}]}\",\"logprob\":0}]";
        QTest::newRow("expected value over the alternatives")
            << one << head + "{\"token\":\"10\",\"logprob\":-0.693,\"top_logprobs\":[{\"token\":\"10\",\"logprob\":-0.693},{\"token\":\"6\",\"logprob\":-0.693}]}" + tail
            << std::vector<float>{0, 0, 0, 8};
        // The written digit outside the top alternatives: its own probability counts.
        QTest::newRow("chosen digit not among the alternatives")
            << one << head + "{\"token\":\"10\",\"logprob\":-1.2,\"top_logprobs\":[{\"token\":\"6\",\"logprob\":-1.2},{\"token\":\"4\",\"logprob\":-1.2}]}" + tail
            << std::vector<float>{0, 0, 0, 20.f / 3};
        QTest::newRow("no digit among the alternatives: the number written")
            << one << head + "{\"token\":\"10\",\"top_logprobs\":[{\"token\":\"x\",\"logprob\":-0.1}]}" + tail << std::vector<float>{0, 0, 0, 10};
        QTest::newRow("logprobs that do not spell the answer: the number written")
            << one << QByteArray("[{\"token\":\"{\\\"act\",\"logprob\":0}]") << std::vector<float>{0, 0, 0, 10};
    }
    void sparseSimulations() {
        QFETCH(QString, content);
        QFETCH(QByteArray, logprobs);
        QFETCH(std::vector<float>, expected);
        auto v = parseSparseSimulation({content, json::parse(logprobs.toStdString()), {}}, {2, 2});
        QVERIFY2(v.ok(), qPrintable(v.ok() ? QString() : v.error()));
        QCOMPARE(v->size(), size_t(2));
        for (size_t i = 0; i < 4; ++i)
            QVERIFY2(std::abs((*v)[i / 2][i % 2] - expected[i]) < 1e-3,
                     qPrintable(QStringLiteral("token %1: %2, not %3").arg(i).arg((*v)[i / 2][i % 2]).arg(expected[i])));
    }

    void malformedSimulations_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("no list") << QStringLiteral("{\"values\": [1, 2]}") << QStringLiteral("no \"active\" list");
        QTest::newRow("excerpt out of range") << QStringLiteral("{\"active\":[{\"excerpt\":3,\"token\":0,\"activation\":1}]}")
                                              << QStringLiteral("excerpt 3 of 2");
        QTest::newRow("token out of range") << QStringLiteral("{\"active\":[{\"excerpt\":1,\"token\":2,\"activation\":1}]}")
                                            << QStringLiteral("token 2 of excerpt 1, which has 2");
        QTest::newRow("not a number") << QStringLiteral("{\"active\":[{\"excerpt\":1,\"token\":\"x\",\"activation\":1}]}")
                                      << QStringLiteral("no number \"token\"");
        QTest::newRow("no json") << QStringLiteral("I think 7") << QStringLiteral("no JSON object");
    }
    void malformedSimulations() {
        QFETCH(QString, content);
        QFETCH(QString, fragment);
        auto v = parseSparseSimulation({content, nullptr, {}}, {2, 2});
        QVERIFY(!v.ok());
        QVERIFY2(v.error().contains(fragment), qPrintable(v.error()));
    }

    void modesWithLabels() {
        auto m = parseModes(QStringLiteral("{\"modes\":[{\"label\":\"the word he and more words here\",\"explanation\":\"  the token \\\" he\\\" \"},"
                                           "{\"label\":\"numbers\",\"explanation\":\"digits\"}]}"),
                            2);
        QVERIFY(m.ok());
        QCOMPARE(m->size(), size_t(2));
        QCOMPARE((*m)[0].label, QStringLiteral("the word he and more"));  // at most five words
        QCOMPARE((*m)[0].text, QStringLiteral("the token \" he\""));
        QCOMPARE((*m)[1].label, QStringLiteral("numbers"));
        auto wrong = parseModes(QStringLiteral("{\"modes\":[{\"label\":\"x\",\"explanation\":\"y\"}]}"), 2);
        QVERIFY(!wrong.ok() && wrong.error().contains(QStringLiteral("explains 1 modes, not 2")));
        // A server without schemas may answer one mode the old way.
        auto plain = parseModes(QStringLiteral("Sure: {\"explanation\": \"the token x\"}"), 1);
        QVERIFY(plain.ok() && (*plain)[0].text == QStringLiteral("the token x"));
    }
};

QTEST_GUILESS_MAIN(TestLlmAnswers)
#include "test_llm_answers.moc"
