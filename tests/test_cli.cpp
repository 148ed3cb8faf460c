#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

// neuronscope-cli end to end: JSON on stdout, errors on stderr with a non-zero exit status.
class TestCli final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    const QString m_model = QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32");

    struct Run {
        int code;
        QByteArray out, err;
    };
    Run run(const QStringList& args) {
        QProcess p;
        p.start(QStringLiteral(NS_CLI_PATH), args);
        if (!p.waitForFinished(120000)) return {-1, {}, "timeout"};
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(), p.readAllStandardError()};
    }
    static QJsonObject json(const QByteArray& out) {
        QJsonParseError e;
        const auto d = QJsonDocument::fromJson(out, &e);
        return d.object();
    }
    QString corpus() {
        const QString path = m_dir.filePath(QStringLiteral("corpus.txt"));
        return QFile::exists(path) ? path : writeCorpusSlice(m_dir, 5000);
    }

private Q_SLOTS:
    void helpAndVersion() {
        auto h = run({QStringLiteral("--help")});
        QCOMPARE(h.code, 0);
        QVERIFY(h.out.contains("tokenize") && h.out.contains("top"));
        auto v = run({QStringLiteral("--version")});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("neuronscope-cli "));
        auto sub = run({QStringLiteral("top"), QStringLiteral("--help")});
        QCOMPARE(sub.code, 0);
        QVERIFY(sub.out.contains("--neuron"));
    }

    void tokenizeAndActivations() {
        auto t = run({QStringLiteral("tokenize"), QStringLiteral("--model"), m_model, QStringLiteral("--text"), QStringLiteral("Hi there")});
        QCOMPARE(t.code, 0);
        const auto j = json(t.out);
        QCOMPARE(j[QStringLiteral("ids")].toArray().size(), 8);  // bytes: the fixture has no merges
        QCOMPARE(j[QStringLiteral("tokens")].toArray().at(2).toString(), QStringLiteral(" "));
        auto a = run({QStringLiteral("activations"), QStringLiteral("--model"), m_model, QStringLiteral("--layer"), QStringLiteral("1"),
                      QStringLiteral("--neuron"), QStringLiteral("3"), QStringLiteral("--text"), QStringLiteral("abc")});
        QCOMPARE(a.code, 0);
        QCOMPARE(json(a.out)[QStringLiteral("activations")].toArray().size(), 3);
        auto all = run({QStringLiteral("activations"), QStringLiteral("--model"), m_model, QStringLiteral("--layer"), QStringLiteral("0"),
                        QStringLiteral("--text"), QStringLiteral("ab")});
        QCOMPARE(all.code, 0);
        QCOMPARE(json(all.out)[QStringLiteral("activations")].toArray().at(0).toArray().size(), 64);
    }

    void nonUtf8TextGivesValidJson() {
        const QString path = m_dir.filePath(QStringLiteral("latin1.txt"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("caf\xe9 \xff\xfe ok");
        f.close();
        auto t = run({QStringLiteral("tokenize"), QStringLiteral("--model"), m_model, QStringLiteral("--file"), path});
        QCOMPARE(t.code, 0);
        const auto j = json(t.out);
        QVERIFY(!j.isEmpty());
        QVERIFY(j[QStringLiteral("tokens")].toArray().contains(QStringLiteral("\uFFFD")));
    }

    void evalPrintsLoss() {
        auto e = run({QStringLiteral("eval"), QStringLiteral("--model"), m_model, QStringLiteral("--file"), corpus()});
        QCOMPARE(e.code, 0);
        const auto j = json(e.out);
        QVERIFY(j[QStringLiteral("tokens")].toInt() > 1000);
        QVERIFY(j[QStringLiteral("loss")].toDouble() > 0);
    }

    void mineThenTopFromCache() {
        const QString db = m_dir.filePath(QStringLiteral("cache.sqlite"));
        const QStringList common{QStringLiteral("--model"), m_model, QStringLiteral("--corpus"), corpus(),
                                 QStringLiteral("--db"), db, QStringLiteral("--layer"), QStringLiteral("1")};
        auto m = run(QStringList{QStringLiteral("mine")} + common);
        QCOMPARE(m.code, 0);
        QCOMPARE(json(m.out)[QStringLiteral("cached")].toBool(), false);
        auto top = run(QStringList{QStringLiteral("top")} + common + QStringList{QStringLiteral("--neuron"), QStringLiteral("9"), QStringLiteral("-k"), QStringLiteral("3")});
        QCOMPARE(top.code, 0);
        QVERIFY2(!top.err.contains("mining"), "the second command reads the cache");
        const auto j = json(top.out);
        QCOMPARE(j[QStringLiteral("neuron")].toInt(), 9);
        QCOMPARE(j[QStringLiteral("exemplars")].toArray().size(), 3);
        const auto ex = j[QStringLiteral("exemplars")].toArray().at(0).toObject();
        QCOMPARE(ex[QStringLiteral("tokens")].toArray().size(), ex[QStringLiteral("activations")].toArray().size());
        QVERIFY(ex.contains(QStringLiteral("document")) && ex.contains(QStringLiteral("offset")));
        QVERIFY(j[QStringLiteral("histogram")].toObject()[QStringLiteral("edges")].toArray().size() ==
                j[QStringLiteral("histogram")].toObject()[QStringLiteral("counts")].toArray().size() + 1);
        QVERIFY(j.contains(QStringLiteral("quantiles")) && j.contains(QStringLiteral("random")) && j.contains(QStringLiteral("stats")));
    }

    void trainTokenizerThenModel() {
        const QString tok = m_dir.filePath(QStringLiteral("tok")), out = m_dir.filePath(QStringLiteral("trained"));
        auto t = run({QStringLiteral("train-tokenizer"), QStringLiteral("--text"), corpus(), QStringLiteral("--out"), tok,
                      QStringLiteral("--vocab-size"), QStringLiteral("300")});
        QCOMPARE(t.code, 0);
        QVERIFY(QFile::exists(tok + QStringLiteral("/vocab.json")) && QFile::exists(tok + QStringLiteral("/merges.txt")));
        auto tr = run({QStringLiteral("train"), QStringLiteral("--text"), corpus(), QStringLiteral("--tokenizer"), tok,
                       QStringLiteral("--out"), out, QStringLiteral("--layers"), QStringLiteral("1"), QStringLiteral("--d-model"),
                       QStringLiteral("16"), QStringLiteral("--d-mlp"), QStringLiteral("32"), QStringLiteral("--heads"), QStringLiteral("2"),
                       QStringLiteral("--context"), QStringLiteral("16"), QStringLiteral("--batch"), QStringLiteral("2"),
                       QStringLiteral("--steps"), QStringLiteral("3"), QStringLiteral("--warmup"), QStringLiteral("1")});
        QCOMPARE(tr.code, 0);
        QVERIFY(tr.err.contains("tokens/s"));
        QCOMPARE(json(tr.out)[QStringLiteral("completed")].toBool(), true);
        auto info = run({QStringLiteral("info"), QStringLiteral("--model"), out});
        QCOMPARE(info.code, 0);
        QCOMPARE(json(info.out)[QStringLiteral("vocab_size")].toInt(), 300);
        QCOMPARE(json(info.out)[QStringLiteral("d_mlp")].toInt(), 32);
        auto bigram = run({QStringLiteral("bigram"), QStringLiteral("--model"), out, QStringLiteral("--train"), corpus(),
                           QStringLiteral("--file"), corpus()});
        QCOMPARE(bigram.code, 0);
        QVERIFY(json(bigram.out)[QStringLiteral("loss")].toDouble() > 0);
    }

    void errors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");
        const QString model = QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << QStringLiteral("unknown command");
        QTest::newRow("layer out of range") << QStringList{QStringLiteral("activations"), QStringLiteral("--model"), model,
                                                           QStringLiteral("--layer"), QStringLiteral("7"), QStringLiteral("--text"), QStringLiteral("x")}
                                            << QStringLiteral("--layer must be");
        QTest::newRow("neuron out of range") << QStringList{QStringLiteral("activations"), QStringLiteral("--model"), model,
                                                            QStringLiteral("--layer"), QStringLiteral("0"), QStringLiteral("--neuron"),
                                                            QStringLiteral("64"), QStringLiteral("--text"), QStringLiteral("x")}
                                             << QStringLiteral("--neuron must be");
        QTest::newRow("missing model") << QStringList{QStringLiteral("info"), QStringLiteral("--model"), QStringLiteral("/no/such/model")}
                                       << QStringLiteral("/no/such/model");
        QTest::newRow("missing file") << QStringList{QStringLiteral("tokenize"), QStringLiteral("--model"), model, QStringLiteral("--file"),
                                                     QStringLiteral("/no/such.txt")}
                                      << QStringLiteral("/no/such.txt");
        QTest::newRow("both text and file") << QStringList{QStringLiteral("tokenize"), QStringLiteral("--text"), QStringLiteral("a"),
                                                           QStringLiteral("--file"), QStringLiteral("b")}
                                            << QStringLiteral("exactly one");
        QTest::newRow("bad option") << QStringList{QStringLiteral("info"), QStringLiteral("--bogus")} << QStringLiteral("bogus");
    }
    void errors() {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        auto r = run(args);
        QVERIFY(r.code != 0);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
