// The whole loop against a real OpenAI-compatible server: llama.cpp's llama-server serving the
// embedded model, built and started by ../shared/llm/serve.sh (beside the clone). The model is
// tiny and writes nonsense; what must hold is that its answers parse and the run stays within
// the request budget. Skips, saying why, where ../shared/llm is absent. Building the server
// takes about 5 minutes on 2 cores the first time (serve.sh keeps it in $WORK).
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <csignal>

class TestLlmRealServer final : public QObject {
    Q_OBJECT
    const QString m_root = QDir::cleanPath(QStringLiteral(NS_TEST_DATA_DIR "/../.."));
    const QString m_serve = QDir::cleanPath(m_root + QStringLiteral("/../shared/llm/serve.sh"));
    qint64 m_serverPid = 0;

private Q_SLOTS:
    void initTestCase() {
        if (!QFileInfo(m_serve).isExecutable())
            QSKIP(qPrintable(QStringLiteral("skipped: %1 is absent (llama.cpp's source and serve.sh beside this clone give a real "
                                            "server to run the LLM backend against)").arg(m_serve)));
    }
    void cleanupTestCase() {
        if (m_serverPid > 0) ::kill(static_cast<pid_t>(m_serverPid), SIGTERM);
    }

    void wholeLoopWithinTheBudget() {
        QTcpServer probe;  // a free port
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const int port = probe.serverPort();
        probe.close();
        QProcess serve;
        serve.setWorkingDirectory(m_root);
        serve.start(m_serve, {QString::number(port)});
        QVERIFY2(serve.waitForFinished(1500 * 1000), "serve.sh did not finish building and starting within 25 minutes");
        const QByteArray pid = serve.readAllStandardOutput().trimmed();
        QVERIFY2(serve.exitCode() == 0, serve.readAllStandardError().right(2000).constData());
        m_serverPid = pid.toLongLong();
        QVERIFY(m_serverPid > 0);

        QTemporaryDir dir;
        QProcess cli;
        cli.start(QStringLiteral(NS_CLI_PATH),
                  {QStringLiteral("explain"), QStringLiteral("--synthetic"), QStringLiteral(NS_TEST_DATA_DIR "/calibration/he.json"),
                   QStringLiteral("--backend"), QStringLiteral("openai"), QStringLiteral("--llm"),
                   QStringLiteral("url=http://127.0.0.1:%1").arg(port), QStringLiteral("--llm"), QStringLiteral("model=model"),
                   QStringLiteral("--llm"), QStringLiteral("timeout=600"), QStringLiteral("--db"),
                   dir.filePath(QStringLiteral("c.sqlite"))});
        QVERIFY(cli.waitForFinished(3600 * 1000));
        const QByteArray out = cli.readAllStandardOutput(), err = cli.readAllStandardError();
        QVERIFY2(cli.exitCode() == 0, err.right(3000).constData());  // every answer parsed
        const auto j = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY(j.is_object() && !j.contains("stopped"));
        QVERIFY2(j.at("requests").get<int>() <= 100, out.constData());
        QVERIFY(j.at("tokens").at("prompt").get<int>() > 0);
        QVERIFY(err.contains("serves one model"));  // llama.cpp answers for any name: said, not hidden
        qInfo("%d requests, %d prompt and %d completion tokens, %.0f s", j.at("requests").get<int>(),
              j.at("tokens").at("prompt").get<int>(), j.at("tokens").at("completion").get<int>(), j.at("seconds").get<double>());
    }
};

QTEST_GUILESS_MAIN(TestLlmRealServer)
#include "test_llm_real_server.moc"
