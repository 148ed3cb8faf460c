// Batch runs over many neurons: shards merged equal one unsharded run, and a batch killed in
// the middle finishes, when started again, with every neuron explained exactly once.
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

class TestBatch final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;

    QStringList common(const QString& db) const {
        return {QStringLiteral("--model"), QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"), QStringLiteral("--corpus"), m_corpus,
                QStringLiteral("--db"), m_dir.filePath(db), QStringLiteral("--layer"), QStringLiteral("1"),
                QStringLiteral("--max-iterations"), QStringLiteral("2")};
    }
    static int run(const QStringList& args, QByteArray* out = nullptr) {
        QProcess p;
        p.start(QStringLiteral(NS_CLI_PATH), args);
        if (!p.waitForFinished(300000)) return -1;
        if (out) *out = p.readAllStandardOutput();
        return p.exitCode();
    }
    /// neuron -> (score, baseline score, how many stored runs) of a cache file.
    QMap<int, QString> results(const QString& db) const {
        QMap<int, QString> out;
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("read"));
            sql.setDatabaseName(m_dir.filePath(db));
            if (!sql.open()) return out;
            QSqlQuery q(sql);
            q.exec(QStringLiteral("SELECT neuron_index, score, baseline_score, count(*) FROM explanations GROUP BY neuron_index"));
            while (q.next())
                out[q.value(0).toInt()] = QStringLiteral("%1 %2 x%3").arg(q.value(1).toDouble(), 0, 'f', 9).arg(q.value(2).toDouble(), 0, 'f', 9).arg(q.value(3).toInt());
            q.exec(QStringLiteral("PRAGMA integrity_check"));
            q.next();
            out[-1] = q.value(0).toString();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("read"));
        return out;
    }

private Q_SLOTS:
    void initTestCase() { m_corpus = writeCorpusSlice(m_dir, 40000); }

    void shardsMergedEqualOneRun() {
        const QStringList range{QStringLiteral("--neurons"), QStringLiteral("0-5")};
        QCOMPARE(run(QStringList{QStringLiteral("batch")} + common(QStringLiteral("s0.sqlite")) + range +
                     QStringList{QStringLiteral("--shard"), QStringLiteral("0/2")}), 0);
        QCOMPARE(run(QStringList{QStringLiteral("batch")} + common(QStringLiteral("s1.sqlite")) + range +
                     QStringList{QStringLiteral("--shard"), QStringLiteral("1/2")}), 0);
        QCOMPARE(run(QStringList{QStringLiteral("batch")} + common(QStringLiteral("whole.sqlite")) + range), 0);
        const QString merged = m_dir.filePath(QStringLiteral("merged.sqlite"));
        QByteArray out;
        QCOMPARE(run({QStringLiteral("merge"), QStringLiteral("--out"), merged, m_dir.filePath(QStringLiteral("s0.sqlite")),
                      m_dir.filePath(QStringLiteral("s1.sqlite"))}, &out), 0);
        QVERIFY(out.contains("\"integrity\":\"ok\""));
        // Merging again adds nothing.
        QCOMPARE(run({QStringLiteral("merge"), QStringLiteral("--out"), merged, m_dir.filePath(QStringLiteral("s0.sqlite"))}, &out), 0);
        QVERIFY(out.contains("\"explanations\":0"));
        const auto a = results(QStringLiteral("merged.sqlite")), b = results(QStringLiteral("whole.sqlite"));
        QCOMPARE(a.size(), 7);  // six neurons and the integrity line
        QCOMPARE(a, b);

        // The merged file exports like any other: one CSV row per neuron of the layer.
        QByteArray csv;
        QStringList exportArgs = common(QStringLiteral("merged.sqlite"));
        exportArgs.removeAt(exportArgs.indexOf(QStringLiteral("--max-iterations")) + 1);
        exportArgs.removeAll(QStringLiteral("--max-iterations"));
        QCOMPARE(run(QStringList{QStringLiteral("export")} + exportArgs + QStringList{QStringLiteral("--format"), QStringLiteral("csv")}, &csv), 0);
        const QList<QByteArray> lines = csv.trimmed().split('\n');
        QVERIFY(lines.first().startsWith("layer,neuron,max_activation,firing_rate,modes,score"));
        int explainedRows = 0, rows = 0;
        for (const QByteArray& l : lines.mid(1)) {
            if (!l.startsWith("1,")) continue;  // explanations span lines inside quotes
            ++rows;
            explainedRows += l.contains(",explained,") ? 1 : 0;
        }
        QCOMPARE(rows, 64);
        QCOMPARE(explainedRows, 6);
    }

    void aKilledBatchFinishesOnRestart() {
        QProcess p;
        p.start(QStringLiteral(NS_CLI_PATH), QStringList{QStringLiteral("batch")} + common(QStringLiteral("killed.sqlite")) +
                                                  QStringList{QStringLiteral("--neurons"), QStringLiteral("0-9")});
        // Kill it once a few neurons are done, in the middle of the next one.
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("3/10 neurons"), 240000);
        p.kill();
        QVERIFY(p.waitForFinished(10000));
        const auto partial = results(QStringLiteral("killed.sqlite"));
        QVERIFY(partial.size() - 1 >= 3 && partial.size() - 1 < 10);
        QByteArray out;
        QCOMPARE(run(QStringList{QStringLiteral("batch")} + common(QStringLiteral("killed.sqlite")) +
                         QStringList{QStringLiteral("--neurons"), QStringLiteral("0-9")},
                     &out),
                 0);
        QVERIFY2(out.contains("\"done\":10"), out.constData());
        QVERIFY(out.contains(QStringLiteral("\"cached\":%1").arg(partial.size() - 1).toUtf8()));
        const auto all = results(QStringLiteral("killed.sqlite"));
        QCOMPARE(all.value(-1), QStringLiteral("ok"));
        QCOMPARE(all.size(), 11);
        for (auto it = all.begin(); it != all.end(); ++it)
            if (it.key() >= 0) QVERIFY2(it.value().endsWith(QStringLiteral(" x1")), qPrintable(it.value()));
    }

    void badArguments_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("no range") << QStringList{QStringLiteral("batch"), QStringLiteral("--layer"), QStringLiteral("0")}
                                  << QStringLiteral("either --neurons");
        QTest::newRow("bad shard") << QStringList{QStringLiteral("batch"), QStringLiteral("--layer"), QStringLiteral("0"), QStringLiteral("--all"),
                                                  QStringLiteral("--shard"), QStringLiteral("2/2")}
                                   << QStringLiteral("--shard expects i/n");
        QTest::newRow("merge a non-cache") << QStringList{QStringLiteral("merge"), QStringLiteral("--out"), QStringLiteral("/tmp/x.sqlite"),
                                                          QStringLiteral(NS_TEST_DATA_DIR "/README.md")}
                                           << QStringLiteral("README.md");
    }
    void badArguments() {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        QProcess p;
        if (args.first() == QLatin1String("batch"))
            args << QStringLiteral("--model") << QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32") << QStringLiteral("--db")
                 << m_dir.filePath(QStringLiteral("bad.sqlite"));
        else
            args[2] = m_dir.filePath(QStringLiteral("merge-out.sqlite"));
        p.start(QStringLiteral(NS_CLI_PATH), args);
        QVERIFY(p.waitForFinished(60000));
        QVERIFY(p.exitCode() != 0);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(fragment), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "test_batch.moc"
