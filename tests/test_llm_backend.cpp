// The LLM backend over HTTP against a fake server on 127.0.0.1 (fake_llm_server.h) that
// answers from what the prompt contains, checks each request's form for the server kind it
// plays and counts the requests.
#include "agents/explain_session.h"
#include "agents/llm/llm_backend.h"
#include "agents/splits.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include "fake_llm_server.h"

#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <mutex>

using namespace ns;

class TestLlmBackend final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::shared_ptr<LanguageModel> m_model;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    std::unique_ptr<FakeServer> m_server;
    QStringList m_warnings;

    LlmConfig config(const QString& url) {
        LlmConfig c;
        for (LlmEndpoint* e : {&c.explainer, &c.simulator, &c.refiner}) {
            e->baseUrl = url;
            e->model = QStringLiteral("fake");
            e->timeoutSeconds = 1;
            e->retries = 2;
            e->backoffMs = 20;
            e->apiKeyEnv = QStringLiteral("NS_TEST_API_KEY");
        }
        c.simulator.logprobs = true;
        c.promptDir = QStringLiteral(NS_RESOURCE_DIR "/prompts");
        c.warn = [this](const QString& w) { m_warnings << w; };
        return c;
    }
    std::unique_ptr<LlmBackend> backend(const QString& url) {
        auto b = LlmBackend::create(config(url), m_session->table());
        return b.ok() ? std::move(*b) : nullptr;
    }
    static LoopOptions small() {
        LoopOptions o;
        o.maxModes = 2;
        o.maxIterations = 2;
        return o;
    }
    /// The loop's defaults as the command line runs them over HTTP.
    static LoopOptions cliDefaults() {
        LoopOptions o;
        o.maxModes = 4;
        return o;
    }
    static QString spec() { return QStringLiteral(NS_TEST_DATA_DIR "/calibration/he.json"); }
    void reopen() {
        m_session.reset();
        m_db.reset();
        auto db = CacheDb::open(m_dir.filePath(QStringLiteral("cache.sqlite")));
        QVERIFY(db.ok());
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), *m_db);
    }

private Q_SLOTS:
    void initTestCase() {
        qputenv("NS_TEST_API_KEY", "secret-key-4711");
        auto model = LanguageModel::load(QStringLiteral(NS_RESOURCE_DIR "/model"));
        QVERIFY(model.ok());
        m_model = *model;
        reopen();
        m_server = std::make_unique<FakeServer>();
    }
    void init() {
        m_server->mode = FakeServer::Mode::Normal;
        m_server->kind = FakeServer::Kind::LlamaCpp;
        m_server->failFrom = m_server->failUntil = -1;
        m_server->requests = 0;
        m_server->formErrors = 0;
        m_server->trickyLogprobs = false;
        m_warnings.clear();
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
        // The explainer's own label, not the first words of the sentence.
        QCOMPARE(r.at("modes")[0].at("label").get<std::string>(), std::string("the token he"));
        QVERIFY(!r.contains("stopped"));
        QCOMPARE(m_server->formErrors.load(), 0);
        // What it cost, as the server counted it.
        QCOMPARE(r.at("requests").get<int>(), m_server->requests.load());
        QVERIFY(r.at("tokens").at("prompt").get<int>() > 0 && r.at("tokens").at("completion").get<int>() > 0);
        const double score = r.at("score").get<double>();
        // A random explanation, through the same simulator, on the same test split.
        auto record = m_session->record({-1, -1, spec()});
        QVERIFY(record.ok());
        const auto splits = splitRecord(*record, 0);
        ModeExplanation zebra;
        zebra.text = QStringLiteral("the token \" zebra\"");
        auto sim = b->simulate(zebra, splits.test);
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
        m_session.reset();
        m_db.reset();  // flush and close before reading the file's bytes
        for (const char* f : {"cache.sqlite", "cache.sqlite-wal"}) {
            QFile file(m_dir.filePath(QString::fromLatin1(f)));
            if (file.open(QIODevice::ReadOnly)) QVERIFY(!file.readAll().contains("secret-key-4711"));
        }
        reopen();
    }

    void defaultSettingsStayWithinTheRequestBudget_data() {
        QTest::addColumn<QString>("target");
        QTest::newRow("calibration neuron") << spec();
        QTest::newRow("two planted modes") << QStringLiteral(NS_TEST_DATA_DIR "/calibration/pronouns_numbers.json");
        QTest::newRow("real neuron 1/5") << QString();
    }
    void defaultSettingsStayWithinTheRequestBudget() {
        QFETCH(QString, target);
        QTemporaryDir fresh;  // no simulation stored by an earlier test
        auto db = CacheDb::open(fresh.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.ok());
        ExplainSession session(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), **db);
        auto b = backend(m_server->url());
        QVERIFY(b);
        const ExplainTarget t = target.isEmpty() ? ExplainTarget{1, 5, {}} : ExplainTarget{-1, -1, target};
        auto out = session.explain(t, *b, cliDefaults(), true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
        const int requests = m_server->requests;
        qInfo("%d requests, %d prompt and %d completion tokens", requests, out->result.at("tokens").at("prompt").get<int>(),
              out->result.at("tokens").at("completion").get<int>());
        QVERIFY2(requests <= 100, qPrintable(QStringLiteral("%1 requests for one neuron").arg(requests)));
        QCOMPARE(out->result.at("requests").get<int>(), requests);
        // The same run again, on a backend that remembers nothing: every simulation comes
        // from the cache, so only the explainer and refiner ask again.
        m_server->requests = 0;
        auto forgetful = backend(m_server->url());
        auto again = session.explain(t, *forgetful, cliDefaults(), true);
        QVERIFY(again.ok());
        QVERIFY2(m_server->requests < requests / 2 + 2, qPrintable(QStringLiteral("%1 requests again, %2 the first time")
                                                                     .arg(m_server->requests.load()).arg(requests)));
        QCOMPARE(again->result.at("score").dump(), out->result.at("score").dump());
    }

    void eachServerKindGetsItsForm_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("structured");
        QTest::newRow("llama.cpp, found out") << int(FakeServer::Kind::LlamaCpp) << QStringLiteral("auto");
        QTest::newRow("Ollama, found out") << int(FakeServer::Kind::Ollama) << QStringLiteral("auto");
        QTest::newRow("vLLM, found out") << int(FakeServer::Kind::Vllm) << QStringLiteral("auto");
        QTest::newRow("OpenAI, found out") << int(FakeServer::Kind::OpenAi) << QStringLiteral("auto");
        QTest::newRow("LM Studio, found out") << int(FakeServer::Kind::LmStudio) << QStringLiteral("auto");
        QTest::newRow("vLLM, configured") << int(FakeServer::Kind::Vllm) << QStringLiteral("vllm");
    }
    void eachServerKindGetsItsForm() {
        QFETCH(int, kind);
        QFETCH(QString, structured);
        m_server->kind = static_cast<FakeServer::Kind>(kind);
        LlmConfig c = config(m_server->url());
        for (LlmEndpoint* e : {&c.explainer, &c.simulator, &c.refiner}) e->structured = *parseServerKind(structured);
        auto b = LlmBackend::create(c, m_session->table());
        QVERIFY(b.ok());
        auto out = m_session->explain({-1, -1, spec()}, **b, small(), true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
        QCOMPARE(m_server->formErrors.load(), 0);
        QVERIFY(out->result.at("score").get<double>() > 0.8);
        // llama.cpp, vLLM and LM Studio tell their context; Ollama is given one; OpenAI's is assumed, with a warning.
        const bool warned = m_warnings.join(QLatin1Char('\n')).contains(QStringLiteral("does not tell its context"));
        QCOMPARE(warned, m_server->kind == FakeServer::Kind::OpenAi);
    }

    void promptsFitTheContext() {
        // The context llama.cpp reports sizes every prompt: a smaller one, more requests.
        std::map<int, int> requests;
        for (int context : {8192, 2048}) {
            m_server->context = context;
            m_server->requests = 0;
            QTemporaryDir fresh;
            auto db = CacheDb::open(fresh.filePath(QStringLiteral("c.sqlite")));
            QVERIFY(db.ok());
            ExplainSession session(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), **db);
            auto out = session.explain({-1, -1, spec()}, *backend(m_server->url()), small(), true);
            QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
            requests[context] = m_server->requests;
        }
        QVERIFY2(requests[2048] > requests[8192], qPrintable(QStringLiteral("%1 and %2").arg(requests[2048]).arg(requests[8192])));
        // One too small for a single excerpt is an error that says so.
        m_server->context = 300;
        auto out = m_session->explain({-1, -1, spec()}, *backend(m_server->url()), small(), true);
        m_server->context = 8192;
        QVERIFY(!out.ok());
        QVERIFY2(out.error().contains(QStringLiteral("more than the context of 300")), qPrintable(out.error()));
    }

    void theWrongModelIsNamed() {
        m_server->kind = FakeServer::Kind::Ollama;  // lists two models
        LlmConfig c = config(m_server->url());
        c.explainer.model = c.simulator.model = c.refiner.model = QStringLiteral("llama3.1");
        auto b = LlmBackend::create(c, m_session->table());
        QVERIFY(b.ok());
        auto out = m_session->explain({-1, -1, spec()}, **b, small(), true);
        QVERIFY(!out.ok());
        QVERIFY2(out.error().contains(QStringLiteral("the server has no model 'llama3.1'; it has: fake:latest, other:latest")),
                 qPrintable(out.error()));
        QCOMPARE(m_server->requests.load(), 0);
        // A server with one model answers for any name: a warning, and the run goes on.
        m_server->kind = FakeServer::Kind::LlamaCpp;
        auto one = LlmBackend::create(c, m_session->table());
        auto ran = m_session->explain({-1, -1, spec()}, **one, small(), true);
        QVERIFY2(ran.ok(), qPrintable(ran.ok() ? QString() : ran.error()));
        QVERIFY2(m_warnings.join(QLatin1Char('\n')).contains(QStringLiteral("serves one model, '/models/fake.gguf', and answers for 'llama3.1'")),
                 qPrintable(m_warnings.join(QLatin1Char('\n'))));
    }

    void textEditsAreScoredByTheLlmSimulator() {
        auto b = backend(m_server->url());
        QVERIFY(b);
        ModeExplanation he, she;
        he.text = QStringLiteral("the token \" he\"");
        she.text = QStringLiteral("the token \" she\"");
        auto offline = m_session->rescore({-1, -1, spec()}, {he}, 0);
        QVERIFY(offline.ok() && !offline->has_value());  // nothing offline can run a text: not scored
        auto scored = m_session->rescore({-1, -1, spec()}, {he}, 0, b.get());
        QVERIFY2(scored.ok(), qPrintable(scored.ok() ? QString() : scored.error()));
        QVERIFY(scored->has_value() && **scored > 0.8);
        auto worse = m_session->rescore({-1, -1, spec()}, {she}, 0, b.get());
        QVERIFY(worse.ok() && worse->has_value() && **worse < **scored);
    }

    void failures_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("refused");
        QTest::addColumn<QString>("fragment");
        QTest::addColumn<int>("requests");
        QTest::newRow("connection refused") << int(FakeServer::Mode::Normal) << true << QStringLiteral("cannot reach the server") << 0;
        QTest::newRow("timeout") << int(FakeServer::Mode::Slow) << false << QStringLiteral("no answer within 1 s (after 3 attempts)") << 3;
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

    void aServerDyingMidRunLeavesAPartialResult_data() {
        QTest::addColumn<double>("at");  // where it dies, as a fraction of a whole run's requests
        QTest::newRow("during refinement or test") << 0.8;
        QTest::newRow("during the clusterings") << 0.45;
    }
    void aServerDyingMidRunLeavesAPartialResult() {
        QFETCH(double, at);
        const LoopOptions o = cliDefaults();
        const ExplainTarget t{-1, -1, QStringLiteral(NS_TEST_DATA_DIR "/calibration/pronouns_numbers.json")};
        auto whole = m_session->explain(t, *backend(m_server->url()), o, true);
        QVERIFY(whole.ok());
        const int total = m_server->requests;
        m_server->requests = 0;
        m_server->failFrom = static_cast<int>(total * at);
        QTemporaryDir cacheless;  // a fresh cache, so that nothing is answered from stored simulations
        auto db = CacheDb::open(cacheless.filePath(QStringLiteral("c.sqlite")));
        QVERIFY(db.ok());
        ExplainSession session(m_model, QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"), **db);
        auto out = session.explain(t, *backend(m_server->url()), o, true);
        QVERIFY2(out.ok(), qPrintable(out.ok() ? QString() : out.error()));
        const auto& r = out->result;
        QVERIFY(out->partial);
        QVERIFY2(r.value("stopped", std::string()).find("HTTP 500") != std::string::npos, r.dump().c_str());
        QVERIFY(!r.at("modes").empty());
        QVERIFY(r.at("score").is_null() || r.at("score").is_number());
        // Stored marked partial: not an answer to the next run, unless asked.
        auto next = session.cached(t, *backend(m_server->url()), o);
        QVERIFY(next.ok() && !next->has_value());
        session.setAcceptPartial(true);
        auto accepted = session.cached(t, *backend(m_server->url()), o);
        QVERIFY(accepted.ok() && accepted->has_value() && (*accepted)->partial);
        QCOMPARE((*accepted)->result.at("stopped").dump(), r.at("stopped").dump());
    }

    void theCommandLineExitsWithThreeForAPartialResult() {
        QTemporaryDir dir;
        const auto explain = [&](const QString& db, QByteArray* out) {
            QProcess p;
            p.start(QStringLiteral(NS_CLI_PATH),
                    {QStringLiteral("explain"), QStringLiteral("--synthetic"), spec(), QStringLiteral("--backend"), QStringLiteral("openai"),
                     QStringLiteral("--llm"), QStringLiteral("url=") + m_server->url(), QStringLiteral("--llm"), QStringLiteral("model=fake"),
                     QStringLiteral("--llm"), QStringLiteral("retries=0"), QStringLiteral("--db"), dir.filePath(db)});
            if (!p.waitForFinished(300000)) return -1;
            *out = p.readAllStandardOutput();
            return p.exitCode();
        };
        QByteArray out;
        QCOMPARE(explain(QStringLiteral("whole.sqlite"), &out), 0);
        // The same run with the server gone for its last request (a test simulation).
        m_server->failFrom = m_server->requests - 1;
        m_server->requests = 0;
        QCOMPARE(explain(QStringLiteral("partial.sqlite"), &out), 3);
        const auto j = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY2(j.is_object() && j.value("stopped", std::string()).find("HTTP 500") != std::string::npos, out.constData());
        QVERIFY(j.contains("requests") && j.contains("tokens"));
        QVERIFY2(j.at("score").is_null(), out.constData());  // not scored on test, and says so
    }

    void batchExplainsPartialNeuronsAgain() {
        const QString db = m_dir.filePath(QStringLiteral("batch.sqlite"));
        const auto batch = [&](QByteArray* out) {
            QProcess p;
            p.start(QStringLiteral(NS_CLI_PATH),
                    {QStringLiteral("batch"), QStringLiteral("--layer"), QStringLiteral("1"), QStringLiteral("--neurons"), QStringLiteral("5-6"),
                     QStringLiteral("--backend"), QStringLiteral("openai"), QStringLiteral("--llm"), QStringLiteral("url=") + m_server->url(),
                     QStringLiteral("--llm"), QStringLiteral("model=fake"), QStringLiteral("--llm"), QStringLiteral("retries=0"),
                     QStringLiteral("--max-iterations"), QStringLiteral("1"), QStringLiteral("--db"), db});
            if (!p.waitForFinished(600000)) return -1;
            *out = p.readAllStandardOutput();
            return p.exitCode();
        };
        QByteArray out;
        QCOMPARE(batch(&out), 0);
        const int both = m_server->requests;
        // Again from scratch, with the server gone for the second neuron's last requests.
        QFile::remove(db);
        QFile::remove(db + QStringLiteral("-wal"));
        QFile::remove(db + QStringLiteral("-shm"));
        m_server->requests = 0;
        m_server->failFrom = both - 1;
        QCOMPARE(batch(&out), 3);
        auto j = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY2(j.value("partial", -1) == 1 && j.value("explained", -1) == 1, out.constData());
        // The server is back: the partial neuron is explained again, the other comes from the cache.
        m_server->failFrom = -1;
        QCOMPARE(batch(&out), 0);
        j = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY2(j.value("partial", -1) == 0 && j.value("explained", -1) == 1 && j.value("cached", -1) == 1, out.constData());
    }
};

QTEST_GUILESS_MAIN(TestLlmBackend)
#include "test_llm_backend.moc"
