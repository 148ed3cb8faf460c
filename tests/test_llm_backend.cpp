// The OpenAI-compatible backend against a fake server on 127.0.0.1 that answers from what the
// prompt contains: the explainer names the most activating token it is shown, the simulator
// predicts 10 on that token and 0 elsewhere.
#include "agents/explain_session.h"
#include "agents/llm/llm_backend.h"
#include "agents/splits.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include "fake_llm_server.h"

#include <QFile>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>

using namespace ns;

class TestLlmBackend final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<LanguageModel> m_model;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    std::unique_ptr<FakeServer> m_server;

    LlmConfig config(const QString& url) const {
        LlmConfig c;
        for (LlmEndpoint* e : {&c.explainer, &c.simulator, &c.refiner}) {
            e->baseUrl = url;
            e->model = QStringLiteral("fake");
            e->timeoutSeconds = 1;
            e->retries = 2;
            e->backoffMs = 20;
            e->apiKeyEnv = QStringLiteral("NS_TEST_API_KEY");
        }
        c.promptDir = QStringLiteral(NS_RESOURCE_DIR "/prompts");
        return c;
    }
    std::unique_ptr<LlmBackend> backend(const QString& url) const {
        auto b = LlmBackend::create(config(url), m_session->table());
        return b.ok() ? std::move(*b) : nullptr;
    }
    static LoopOptions small() {
        LoopOptions o;
        o.maxModes = 2;
        o.maxIterations = 2;
        return o;
    }
    static QString spec() { return QStringLiteral(NS_TEST_DATA_DIR "/calibration/he.json"); }

private Q_SLOTS:
    void initTestCase() {
        qputenv("NS_TEST_API_KEY", "secret-key-4711");
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY(model.ok());
        m_model = *model;
        auto db = CacheDb::open(m_dir.filePath(QStringLiteral("cache.sqlite")));
        QVERIFY(db.ok());
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), *m_db);
        m_server = std::make_unique<FakeServer>();
    }
    void init() {
        m_server->mode = FakeServer::Mode::Normal;
        m_server->failFrom = m_server->failUntil = -1;
        m_server->requests = 0;
    }

    void wholeLoopOverHttp() {
        auto b = backend(m_server->url());
        QVERIFY(b);
        auto out = m_session->explain({-1, -1, spec()}, *b, small(), true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
        const auto& r = out->result;
        QCOMPARE(r.at("backend").get<std::string>(), std::string("openai"));
        QVERIFY2(r.at("modes")[0].at("explanation").get<std::string>().find("\" he\"") != std::string::npos,
                 r.at("modes")[0].at("explanation").get<std::string>().c_str());
        const double score = r.at("score").get<double>();
        // A random explanation, through the same simulator, on the same test split.
        auto record = m_session->record({-1, -1, spec()});
        QVERIFY(record.ok());
        const auto splits = splitRecord(*record, 0);
        auto sim = b->simulate({QStringLiteral("the token \" zebra\""), std::nullopt}, splits.test);
        QVERIFY(sim.ok());
        const double random = pooledScore(splits.test, *sim);
        QVERIFY2(score > 0.8 && score > random + 0.5, qPrintable(QStringLiteral("loop %1, random %2").arg(score).arg(random)));
        // The key went to the server and nowhere else.
        {
            std::lock_guard<std::mutex> lock(m_server->mutex);
            QCOMPARE(m_server->lastAuthorization, std::string("Bearer secret-key-4711"));
        }
        QVERIFY(r.dump().find("secret-key-4711") == std::string::npos);
        QVERIFY(out->transcript.dump().find("secret-key-4711") == std::string::npos);
        QVERIFY(r.dump().find("NS_TEST_API_KEY") != std::string::npos);  // the variable's name is kept
        m_db.reset();  // flush and close before reading the file's bytes
        for (const char* f : {"cache.sqlite", "cache.sqlite-wal"}) {
            QFile file(m_dir.filePath(QString::fromLatin1(f)));
            if (file.open(QIODevice::ReadOnly)) QVERIFY(!file.readAll().contains("secret-key-4711"));
        }
        auto db = CacheDb::open(m_dir.filePath(QStringLiteral("cache.sqlite")));
        QVERIFY(db.ok());
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), *m_db);
    }

    void textEditsAreScoredByTheLlmSimulator() {
        auto b = backend(m_server->url());
        QVERIFY(b);
        const std::vector<ModeExplanation> edit{{QStringLiteral("the token \" he\""), std::nullopt}};
        auto offline = m_session->rescore({-1, -1, spec()}, edit, 0);
        QVERIFY(offline.ok() && !offline->has_value());  // nothing offline can run a text: not scored
        auto scored = m_session->rescore({-1, -1, spec()}, edit, 0, b.get());
        QVERIFY2(scored.ok(), qPrintable(scored.ok() ? QString() : scored.error()));
        QVERIFY(scored->has_value() && **scored > 0.8);
        const std::vector<ModeExplanation> wrong{{QStringLiteral("the token \" she\""), std::nullopt}};
        auto worse = m_session->rescore({-1, -1, spec()}, wrong, 0, b.get());
        QVERIFY(worse.ok() && worse->has_value() && **worse < **scored);
    }

    void failures_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("refused");
        QTest::addColumn<QString>("fragment");
        QTest::addColumn<int>("requests");
        QTest::newRow("connection refused") << int(FakeServer::Mode::Normal) << true << QStringLiteral("cannot reach the server") << 0;
        QTest::newRow("timeout") << int(FakeServer::Mode::Slow) << false << QStringLiteral("no answer within 1 s") << 3;
        QTest::newRow("HTTP 500") << int(FakeServer::Mode::Error500) << false << QStringLiteral("HTTP 500") << 3;
        QTest::newRow("garbage") << int(FakeServer::Mode::Garbage) << false << QStringLiteral("not an OpenAI chat completion") << 3;
        QTest::newRow("half-valid JSON") << int(FakeServer::Mode::HalfJson) << false << QStringLiteral("malformed answer") << 3;
    }
    void failures() {
        QFETCH(int, mode);
        QFETCH(bool, refused);
        QFETCH(QString, fragment);
        QFETCH(int, requests);
        m_server->mode = static_cast<FakeServer::Mode>(mode);
        QString url = m_server->url();
        if (refused) {
            QTcpServer probe;  // a port that was free a moment ago and has no listener now
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            const int port = probe.serverPort();
            probe.close();
            url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        }
        auto b = backend(url);
        QVERIFY(b);
        auto out = m_session->explain({-1, -1, spec()}, *b, small(), true);
        QVERIFY(!out.ok());
        QVERIFY2(out.error().contains(fragment) && out.error().contains(url), qPrintable(out.error()));
        if (!refused) QCOMPARE(m_server->requests.load(), requests);  // one attempt and two retries
    }

    void anOutageDuringRefinementLeavesWhatTheLoopHas() {
        auto b = backend(m_server->url());
        QVERIFY(b);
        // Where refinement starts: the request count when the first explanation is reported.
        int refineFrom = -1;
        auto first = m_session->explain({-1, -1, spec()}, *b, small(), true, [&](const LoopEvent& e) {
            if (e.kind == LoopEvent::Kind::Iteration && e.iteration == 0) refineFrom = m_server->requests;
        });
        QVERIFY(first.ok() && refineFrom > 0);
        // The same run again, with the server failing every attempt of the refiner's first call.
        m_server->requests = 0;
        m_server->failFrom = refineFrom;
        m_server->failUntil = refineFrom + 3;
        auto out = m_session->explain({-1, -1, spec()}, *b, small(), true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
        const auto& r = out->result;
        QVERIFY2(r.at("stopped").get<std::string>().find("HTTP 500") != std::string::npos, r.dump().c_str());
        // The explanation it has: the first one, as no revision was made.
        const auto& initial = first->result.at("iterations")[0].at("modes");
        QCOMPARE(r.at("modes").size(), initial.size());
        for (size_t m = 0; m < initial.size(); ++m) QCOMPARE(r.at("modes")[m].at("explanation").dump(), initial[m].at("explanation").dump());
        QVERIFY(std::isfinite(r.at("score").get<double>()));
        // Not cached: the next run tries again.
        auto again = m_session->explain({-1, -1, spec()}, *b, small());
        QVERIFY(again.ok());
        QVERIFY(!again->fromCache || again->result.at("stopped").get<std::string>().empty());
    }

    void simulationFromLogprobs_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QByteArray>("logprobs");
        QTest::addColumn<QList<float>>("expected");
        const QString content = QStringLiteral("{\"activations\": [10, 0]}");
        QTest::newRow("no logprobs: the numbers") << content << QByteArray("null") << QList<float>{10, 0};
        QTest::newRow("expected value over the alternatives")
            << content
            << QByteArray("[{\"token\":\"{\\\"activations\\\": [\",\"logprob\":0},"
                          "{\"token\":\"10\",\"logprob\":-0.69,\"top_logprobs\":[{\"token\":\"10\",\"logprob\":-0.693},{\"token\":\"6\",\"logprob\":-0.693}]},"
                          "{\"token\":\",\",\"logprob\":0},"
                          "{\"token\":\" 0\",\"logprob\":0,\"top_logprobs\":[{\"token\":\" 0\",\"logprob\":0}]},"
                          "{\"token\":\"]}\",\"logprob\":0}]")
            << QList<float>{8, 0};
        QTest::newRow("incomplete logprobs: the numbers")
            << content << QByteArray("[{\"token\":\"[\",\"logprob\":0},{\"token\":\"10\",\"logprob\":0}]") << QList<float>{10, 0};
        QTest::newRow("fenced and clamped") << QStringLiteral("```json\n{\"activations\": [12, -3]}\n```") << QByteArray("null")
                                            << QList<float>{10, 0};
    }
    void simulationFromLogprobs() {
        QFETCH(QString, content);
        QFETCH(QByteArray, logprobs);
        QFETCH(QList<float>, expected);
        ChatReply reply{content, nlohmann::json::parse(logprobs.toStdString())};
        auto v = parseSimulation(reply, 2);
        QVERIFY2(v.ok(), qPrintable(v.ok() ? QString() : v.error()));
        QCOMPARE(v->size(), size_t(2));
        for (int i = 0; i < 2; ++i) QVERIFY(std::abs((*v)[static_cast<size_t>(i)] - expected[i]) < 1e-3);
    }

    void malformedSimulations_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("too few") << QStringLiteral("{\"activations\": [1]}") << QStringLiteral("1 activations for 2 tokens");
        QTest::newRow("no array") << QStringLiteral("{\"values\": [1, 2]}") << QStringLiteral("no \"activations\"");
        QTest::newRow("not a number") << QStringLiteral("{\"activations\": [1, \"x\"]}") << QStringLiteral("not a number");
        QTest::newRow("no json") << QStringLiteral("I think 7") << QStringLiteral("no JSON object");
    }
    void malformedSimulations() {
        QFETCH(QString, content);
        QFETCH(QString, fragment);
        auto v = parseSimulation({content, nullptr}, 2);
        QVERIFY(!v.ok());
        QVERIFY2(v.error().contains(fragment), qPrintable(v.error()));
    }
};

QTEST_GUILESS_MAIN(TestLlmBackend)
#include "test_llm_backend.moc"
