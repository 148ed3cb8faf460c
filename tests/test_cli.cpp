#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
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

    void explainPrintsTheLoopAndCachesIt() {
        const QString db = m_dir.filePath(QStringLiteral("explain.sqlite"));
        const QString slice = writeCorpusSlice(m_dir, 60000, {}, QStringLiteral("explain-corpus.txt"));
        // The tiny model's tokens are bytes: plant modes a byte-level tokenizer can show.
        const QString spec = m_dir.filePath(QStringLiteral("spec.json"));
        QFile f(spec);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"name\": \"t-and-space-after-e\", \"modes\": [{\"token_regex\": \"t\", \"activation\": 1},"
                " {\"token_regex\": \" \", \"context_regex\": \"e\", \"activation\": 0.5}]}");
        f.close();
        const QStringList args{QStringLiteral("explain"), QStringLiteral("--model"), m_model, QStringLiteral("--corpus"), slice,
                               QStringLiteral("--db"), db, QStringLiteral("--synthetic"), spec, QStringLiteral("--max-iterations"),
                               QStringLiteral("3")};
        auto r = run(args);
        QVERIFY2(r.code == 0, r.err.constData());
        const auto j = json(r.out);
        // The pinned keys (README, "Output").
        for (const char* key : {"neuron", "score", "random_score", "novel_score", "f1", "auprc", "length", "baseline_score",
                                "baseline_length", "baseline_random_score", "baseline_novel_score", "baseline_f1", "baseline_auprc",
                                "baseline_per_mode_budget_score", "modes", "iterations", "backend", "seconds"})
            QVERIFY2(j.contains(QLatin1String(key)), key);
        QVERIFY(j[QStringLiteral("length")].toInt() <= 16 && j[QStringLiteral("baseline_length")].toInt() <= 16);
        QCOMPARE(j[QStringLiteral("neuron")].toString(), QStringLiteral("synthetic:t-and-space-after-e"));
        QVERIFY(j[QStringLiteral("score")].toDouble() > 0.8);
        QCOMPARE(j[QStringLiteral("backend")].toString(), QStringLiteral("builtin"));
        QVERIFY(!j[QStringLiteral("modes")].toArray().isEmpty());
        const auto mode = j[QStringLiteral("modes")].toArray().at(0).toObject();
        for (const char* key : {"explanation", "pattern", "length", "score", "exemplar_count"})
            QVERIFY2(mode.contains(QLatin1String(key)), key);
        int total = 0;
        for (const auto& m : j[QStringLiteral("modes")].toArray()) {
            total += m.toObject()[QStringLiteral("length")].toInt();
            // null exactly when no test exemplar is assigned to the mode
            QCOMPARE(m.toObject()[QStringLiteral("score")].isNull(), m.toObject()[QStringLiteral("exemplar_count")].toInt() == 0);
        }
        QCOMPARE(total, j[QStringLiteral("length")].toInt());
        const auto it = j[QStringLiteral("iterations")].toArray().at(0).toObject();
        for (const char* key : {"index", "valid_score", "mode_scores"}) QVERIFY2(it.contains(QLatin1String(key)), key);
        QVERIFY(r.err.contains("iteration 0"));  // progress on stderr
        auto again = run(args);
        QCOMPARE(again.code, 0);
        QCOMPARE(json(again.out)[QStringLiteral("cached")].toBool(), true);
        QCOMPARE(json(again.out)[QStringLiteral("modes")], j[QStringLiteral("modes")]);
    }

    void reportWritesAPdfWithoutADisplay() {
        const QString slice = writeCorpusSlice(m_dir, 60000, {}, QStringLiteral("report-corpus.txt"));
        const QString spec = m_dir.filePath(QStringLiteral("report-spec.json"));
        QFile f(spec);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"name\": \"letter-t\", \"modes\": [{\"token_regex\": \"t\", \"activation\": 1}]}");
        f.close();
        const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));
        env.remove(QStringLiteral("DISPLAY"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(NS_CLI_PATH), {QStringLiteral("report"), QStringLiteral("--model"), m_model, QStringLiteral("--corpus"), slice,
                                              QStringLiteral("--db"), m_dir.filePath(QStringLiteral("report.sqlite")),
                                              QStringLiteral("--synthetic"), spec, QStringLiteral("--out"), pdf});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const auto j = json(p.readAllStandardOutput());
        QCOMPARE(j[QStringLiteral("neuron")].toString(), QStringLiteral("synthetic:letter-t"));
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {pdf, QStringLiteral("-")});
        QVERIFY(text.waitForFinished(60000));
        const QByteArray content = text.readAllStandardOutput();
        QVERIFY2(content.contains("synthetic:letter-t") && content.contains("Mode 1"), content.left(400).constData());
    }

    void evaluateSummarisesTheLayer() {
        const QString slice = writeCorpusSlice(m_dir, 60000, {}, QStringLiteral("evaluate-corpus.txt"));
        auto r = run({QStringLiteral("evaluate"), QStringLiteral("--model"), m_model, QStringLiteral("--corpus"), slice,
                      QStringLiteral("--db"), m_dir.filePath(QStringLiteral("evaluate.sqlite")), QStringLiteral("--layer"),
                      QStringLiteral("1"), QStringLiteral("--sample"), QStringLiteral("3"), QStringLiteral("--max-iterations"),
                      QStringLiteral("2"), QStringLiteral("--seed"), QStringLiteral("5")});
        QVERIFY2(r.code == 0, r.err.constData());
        const auto j = json(r.out);
        QCOMPARE(j[QStringLiteral("layer")].toInt(), 1);
        QCOMPARE(j[QStringLiteral("sample")].toInt(), 3);
        QCOMPARE(j[QStringLiteral("seed")].toInt(), 5);
        const auto neurons = j[QStringLiteral("neurons")].toArray();
        QCOMPARE(neurons.size(), 3);
        // The pinned keys (README, "Output").
        for (const char* key : {"neuron", "score", "baseline_score", "random_score", "baseline_random_score", "novel_score",
                                "baseline_novel_score", "f1", "baseline_f1", "auprc", "baseline_auprc", "length", "baseline_length",
                                "modes", "seconds"})
            QVERIFY2(neurons.at(0).toObject().contains(QLatin1String(key)), key);
        const auto s = j[QStringLiteral("summary")].toObject();
        for (const char* key : {"loop_mean", "loop_median", "baseline_mean", "baseline_median", "gain_at_equal_length", "mean_length",
                                "baseline_mean_length", "mean_modes", "mean_novel_score", "baseline_mean_novel_score", "mean_f1",
                                "baseline_mean_f1", "mean_auprc", "baseline_mean_auprc", "mean_random_score",
                                "baseline_mean_random_score", "loop_win_rate", "seconds_per_neuron"})
            QVERIFY2(s.contains(QLatin1String(key)), key);
        double mean = 0, base = 0;
        for (const auto& n : neurons) {
            mean += n.toObject()[QStringLiteral("score")].toDouble() / 3;
            base += n.toObject()[QStringLiteral("baseline_score")].toDouble() / 3;
            // Both sides within the one budget (16 by default).
            QVERIFY(n.toObject()[QStringLiteral("length")].toInt() <= 16);
            QVERIFY(n.toObject()[QStringLiteral("baseline_length")].toInt() <= 16);
        }
        QVERIFY(std::abs(mean - s[QStringLiteral("loop_mean")].toDouble()) < 1e-9);
        QVERIFY(std::abs(mean - base - s[QStringLiteral("gain_at_equal_length")].toDouble()) < 1e-9);

        // The budget curve: the same neurons at each budget, each side within it.
        auto curve = run({QStringLiteral("evaluate"), QStringLiteral("--model"), m_model, QStringLiteral("--corpus"), slice,
                          QStringLiteral("--db"), m_dir.filePath(QStringLiteral("evaluate.sqlite")), QStringLiteral("--layer"),
                          QStringLiteral("1"), QStringLiteral("--sample"), QStringLiteral("2"), QStringLiteral("--max-iterations"),
                          QStringLiteral("1"), QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--budgets"),
                          QStringLiteral("4,8")});
        QVERIFY2(curve.code == 0, curve.err.constData());
        const auto budgets = json(curve.out)[QStringLiteral("budgets")].toArray();
        QCOMPARE(budgets.size(), 2);
        for (int b = 0; b < 2; ++b) {
            const auto at = budgets.at(b).toObject();
            QCOMPARE(at[QStringLiteral("budget")].toInt(), b == 0 ? 4 : 8);
            for (const auto& n : at[QStringLiteral("neurons")].toArray()) {
                QVERIFY(n.toObject()[QStringLiteral("length")].toInt() <= at[QStringLiteral("budget")].toInt());
                QVERIFY(n.toObject()[QStringLiteral("baseline_length")].toInt() <= at[QStringLiteral("budget")].toInt());
            }
        }
        auto bad = run({QStringLiteral("evaluate"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("evaluate.sqlite")),
                        QStringLiteral("--layer"), QStringLiteral("1"), QStringLiteral("--budgets"), QStringLiteral("8,x")});
        QVERIFY(bad.code != 0 && bad.err.contains("--budgets"));
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
        const QString db = m_dir.filePath(QStringLiteral("errors.sqlite"));  // never a shared path: another build may own it
        QTest::newRow("explain without a neuron") << QStringList{QStringLiteral("explain"), QStringLiteral("--model"), model,
                                                                 QStringLiteral("--db"), db}
                                                  << QStringLiteral("--layer L --neuron N, or --synthetic");
        QTest::newRow("unknown backend") << QStringList{QStringLiteral("explain"), QStringLiteral("--model"), model, QStringLiteral("--db"), db,
                                                        QStringLiteral("--layer"), QStringLiteral("0"), QStringLiteral("--neuron"),
                                                        QStringLiteral("1"), QStringLiteral("--backend"), QStringLiteral("magic")}
                                         << QStringLiteral("--backend must be builtin or openai");
        QTest::newRow("explain neuron out of range") << QStringList{QStringLiteral("explain"), QStringLiteral("--model"), model,
                                                                    QStringLiteral("--db"), db, QStringLiteral("--layer"), QStringLiteral("0"),
                                                                    QStringLiteral("--neuron"), QStringLiteral("64")}
                                                     << QStringLiteral("neuron 64 is out of range");
        QTest::newRow("bad llm setting") << QStringList{QStringLiteral("explain"), QStringLiteral("--model"), model, QStringLiteral("--db"), db,
                                                        QStringLiteral("--synthetic"), QStringLiteral("x.json"), QStringLiteral("--backend"),
                                                        QStringLiteral("openai"), QStringLiteral("--llm"), QStringLiteral("colour=blue")}
                                         << QStringLiteral("unknown setting \"colour\"");
        QTest::newRow("spec that never fires") << QStringList{QStringLiteral("explain"), QStringLiteral("--model"), model,
                                                              QStringLiteral("--db"), db, QStringLiteral("--synthetic"),
                                                              QStringLiteral(NS_TEST_DATA_DIR "/calibration/never_fires.json")}
                                               << QStringLiteral("never_fires.json: none of the spec's modes fires");
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
