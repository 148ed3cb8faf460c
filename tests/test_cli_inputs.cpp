// What bad input gets from neuronscope-cli: exit status 1 and a message naming the option or
// file and the problem, within seconds — never a crash, a hang, or a wrong answer with exit 0.
// Each row is a case found by probing the command line; the reproducers in ../shared/repro run
// too when that directory is there.
#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"
#include "model/safetensors.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

namespace {

const QString kModel = QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32");
const QString kRepro = QStringLiteral(NS_TEST_DATA_DIR "/../../../shared/repro");

struct Run {
    int code;
    QByteArray out, err;
    qint64 ms;
};

Run cli(const QStringList& args, int timeoutMs = 60000) {
    QProcess p;
    QElapsedTimer timer;
    timer.start();
    p.start(QStringLiteral(NS_CLI_PATH), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, {}, "timeout", timer.elapsed()};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(), p.readAllStandardError(),
            timer.elapsed()};
}

void writeAll(const QString& path, const QByteArray& data) {
    QFile f(path);
    f.open(QIODevice::WriteOnly | QIODevice::Truncate);
    f.write(data);
}

}  // namespace

class TestCliInputs final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;

    QString db() const { return m_dir.filePath(QStringLiteral("cache.sqlite")); }
    QString file(const QString& name, const QByteArray& content) const {
        const QString path = m_dir.filePath(name);
        writeAll(path, content);
        return path;
    }

private Q_SLOTS:
    void initTestCase() {
        m_corpus = writeCorpusSlice(m_dir, 20000);
        QVERIFY(!m_corpus.isEmpty());
    }

    void badOptions_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");
        const QStringList session{QStringLiteral("--model"), kModel, QStringLiteral("--corpus"), m_corpus, QStringLiteral("--db"), db()};
        const QStringList batch = QStringList{QStringLiteral("batch"), QStringLiteral("--layer"), QStringLiteral("0")} + session;
        const QString spec = file(QStringLiteral("spec.json"), R"({"modes":[{"token_regex":"t"}]})");
        const QStringList synthetic = QStringList{QStringLiteral("explain"), QStringLiteral("--synthetic"), spec} + session;
        // toInt failing returned 0: these explained neuron 0 (or ran as shard 0) with exit 0.
        QTest::newRow("--neurons 99999999999") << batch + QStringList{QStringLiteral("--neurons"), QStringLiteral("99999999999")}
                                               << QStringLiteral("--neurons 99999999999: the layer has neurons 0-63");
        QTest::newRow("--neurons 0-99999999999") << batch + QStringList{QStringLiteral("--neurons"), QStringLiteral("0-99999999999")}
                                                 << QStringLiteral("the layer has neurons 0-63");
        QTest::newRow("--neurons 4294967299 (was neuron 3)") << batch + QStringList{QStringLiteral("--neurons"), QStringLiteral("4294967299")}
                                                             << QStringLiteral("the layer has neurons 0-63");
        QTest::newRow("--shard 99999999999/5") << batch + QStringList{QStringLiteral("--all"), QStringLiteral("--shard"), QStringLiteral("99999999999/5")}
                                               << QStringLiteral("--shard i/n: i must be a whole number from 0 to 4");
        QTest::newRow("--shard 1/99999999999") << batch + QStringList{QStringLiteral("--all"), QStringLiteral("--shard"), QStringLiteral("1/99999999999")}
                                               << QStringLiteral("--shard i/n: n");
        QTest::newRow("--layer 4294967296") << QStringList{QStringLiteral("top"), QStringLiteral("--layer"), QStringLiteral("4294967296"),
                                                           QStringLiteral("--neuron"), QStringLiteral("0")} + session
                                            << QStringLiteral("--layer must be a whole number from 0 to 1");
        const QStringList openai = synthetic + QStringList{QStringLiteral("--backend"), QStringLiteral("openai")};
        QTest::newRow("--llm timeout=-1") << openai + QStringList{QStringLiteral("--llm"), QStringLiteral("timeout=-1")}
                                          << QStringLiteral("--llm timeout (seconds) must be a whole number from 1 to 3600");
        QTest::newRow("--llm noequals") << openai + QStringList{QStringLiteral("--llm"), QStringLiteral("noequals")}
                                        << QStringLiteral("--llm expects KEY=VALUE");
        QTest::newRow("--llm bogus=1") << openai + QStringList{QStringLiteral("--llm"), QStringLiteral("bogus=1")}
                                       << QStringLiteral("unknown setting \"bogus\"");
        QTest::newRow("--llm temperature=nan") << openai + QStringList{QStringLiteral("--llm"), QStringLiteral("temperature=nan")}
                                               << QStringLiteral("--llm temperature must be a number from 0 to 2");
        QTest::newRow("--llm logprobs=maybe") << openai + QStringList{QStringLiteral("--llm"), QStringLiteral("logprobs=maybe")}
                                              << QStringLiteral("true or false");
        QTest::newRow("--llm with the builtin backend") << synthetic + QStringList{QStringLiteral("--llm"), QStringLiteral("timeout=5")}
                                                        << QStringLiteral("--llm settings are for --backend openai");
        QTest::newRow("--max-iterations 2^32") << synthetic + QStringList{QStringLiteral("--max-iterations"), QStringLiteral("4294967296")}
                                               << QStringLiteral("--max-iterations must be a whole number from 0 to 100");
        QTest::newRow("train --lr inf") << QStringList{QStringLiteral("train"), QStringLiteral("--text"), m_corpus, QStringLiteral("--tokenizer"),
                                                       kModel, QStringLiteral("--out"), m_dir.filePath(QStringLiteral("trained")),
                                                       QStringLiteral("--lr"), QStringLiteral("inf")}
                                        << QStringLiteral("--lr must be a number");
    }
    void badOptions() {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        const Run r = cli(args);
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }

    // Inputs that read forever, or are too small to mean anything.
    void badCorpora_data() {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("corpus");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("mine --corpus /dev/zero (read forever)") << QStringLiteral("mine") << QStringLiteral("/dev/zero")
                                                                << QStringLiteral("/dev/zero: the corpus must be a regular file");
        QTest::newRow("explain on /dev/zero") << QStringLiteral("explain") << QStringLiteral("/dev/zero") << QStringLiteral("regular file");
        QTest::newRow("a missing corpus") << QStringLiteral("mine") << QStringLiteral("/nonexistent/corpus.txt") << QStringLiteral("no such file");
        // One document: "120 train, 0 valid and 0 test exemplars", then test r = 0.000, exit 0, cached.
        QTest::newRow("one document") << QStringLiteral("explain") << QStringLiteral("one-document.txt") << QStringLiteral("at least 3 documents");
    }
    void badCorpora() {
        QFETCH(QString, command);
        QFETCH(QString, corpus);
        QFETCH(QString, fragment);
        QString path = corpus;
        if (!corpus.startsWith(QLatin1Char('/'))) {
            QFile src(m_corpus);
            QVERIFY(src.open(QIODevice::ReadOnly));
            path = file(corpus, src.readAll().replace("<|endoftext|>", "--"));
        }
        const QString spec = file(QStringLiteral("e.json"), R"({"modes":[{"token_regex":"e"}]})");
        QStringList args{command, QStringLiteral("--model"), kModel, QStringLiteral("--corpus"), path,
                         QStringLiteral("--db"), m_dir.filePath(QStringLiteral("corpora.sqlite"))};
        args << (command == QLatin1String("mine") ? QStringList{QStringLiteral("--layer"), QStringLiteral("0")}
                                                  : QStringList{QStringLiteral("--synthetic"), spec, QStringLiteral("--max-iterations"),
                                                                QStringLiteral("1")});
        const Run r = cli(args);
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
        QVERIFY2(r.ms < 30000, qPrintable(QString::number(r.ms)));
    }

    // Calibration specs beyond float (mining looped forever on +inf) and beyond the mode limit.
    void badSpecs_data() {
        QTest::addColumn<QByteArray>("spec");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("activation 1e39") << QByteArray(R"({"modes": [{"token_regex": " the", "activation": 1e+39}]})") << QStringLiteral("out of range");
        QTest::newRow("activation 1e308") << QByteArray(R"({"modes": [{"token_regex": " the", "activation": 1e+308}]})") << QStringLiteral("out of range");
        QTest::newRow("two modes, one 1e308")
            << QByteArray(R"({"modes": [{"token_regex": " the", "activation": 1e+308}, {"token_regex": " and", "activation": 1.0}]})")
            << QStringLiteral("mode 0");
        QTest::newRow("activation \"high\" (was 1.0)") << QByteArray(R"({"modes": [{"token_regex": "e", "activation": "high"}]})")
                                                       << QStringLiteral("must be a number");
        QByteArray many = "{\"modes\": [";
        for (int i = 0; i < 10000; ++i) many += (i ? "," : "") + QByteArray("{\"token_regex\": \"e\"}");
        QTest::newRow("10,000 modes (mined for minutes)") << many + "]}" << QStringLiteral("at most 32");
    }
    void badSpecs() {
        QFETCH(QByteArray, spec);
        QFETCH(QString, fragment);
        const QString path = file(QStringLiteral("bad-spec.json"), spec);
        const Run r = cli({QStringLiteral("explain"), QStringLiteral("--model"), kModel, QStringLiteral("--corpus"), m_corpus,
                           QStringLiteral("--db"), db(), QStringLiteral("--synthetic"), path, QStringLiteral("--max-iterations"),
                           QStringLiteral("2")});
        QCOMPARE(r.code, 1);
        QVERIFY2(QString::fromUtf8(r.err).contains(path) && QString::fromUtf8(r.err).contains(fragment), r.err.constData());
        QVERIFY(r.ms < 30000);
    }

    // A model whose finite weights overflow a pre-activation: `activations` printed nulls with exit 0.
    void overflowingModelActivations() {
        const QString dir = m_dir.filePath(QStringLiteral("overflow-model"));
        QVERIFY(QDir().mkpath(dir));
        for (const QString& f : QDir(kModel).entryList(QDir::Files))
            if (f != QLatin1String("reference.safetensors") && f != QLatin1String("model.safetensors"))
                QFile::copy(kModel + QLatin1Char('/') + f, dir + QLatin1Char('/') + f);
        auto st = ns::SafetensorsFile::open(kModel + QStringLiteral("/model.safetensors"));
        QVERIFY(st.ok());
        std::vector<std::vector<float>> values;
        std::vector<ns::TensorToWrite> tensors;
        for (const auto& t : st->tensors()) {
            values.push_back(st->toFloat(t));
            if (t.name.find("h.0.mlp.c_fc") != std::string::npos)
                for (float& v : values.back()) v = 3e38f;
        }
        size_t i = 0;
        for (const auto& t : st->tensors()) tensors.push_back({t.name, t.shape, values[i++].data(), ns::DType::F32});
        QVERIFY(ns::writeSafetensors(dir + QStringLiteral("/model.safetensors"), tensors).ok());
        const Run a = cli({QStringLiteral("activations"), QStringLiteral("--model"), dir, QStringLiteral("--layer"), QStringLiteral("0"),
                           QStringLiteral("--text"), QStringLiteral("hello")});
        QCOMPARE(a.code, 1);
        QVERIFY2(a.err.contains("non-finite activation") && a.err.contains("layer 0, neuron"), a.err.constData());
        QVERIFY(!a.out.contains("null"));
        const Run m = cli({QStringLiteral("mine"), QStringLiteral("--model"), dir, QStringLiteral("--layer"), QStringLiteral("0"),
                           QStringLiteral("--corpus"), m_corpus, QStringLiteral("--db"), m_dir.filePath(QStringLiteral("overflow.sqlite"))});
        QCOMPARE(m.code, 1);
        QVERIFY2(m.err.contains("non-finite activation") && m.err.contains("document"), m.err.constData());
    }

    // Import files that were accepted with exit 0 (or truncated into range).
    void badImports_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("fragment");
        auto openai = [](const QByteArray& id, const QByteArray& explanations, const QByteArray& dataclass = "NeuronSimulationResults") -> QByteArray {
            return "{\"dataclass_name\": \"" + dataclass + "\", \"neuron_id\": " + id + ", \"scored_explanations\": " + explanations + "}\n";
        };
        const QByteArray id = R"({"dataclass_name": "NeuronId", "layer_index": 1, "neuron_index": 2})";
        const QByteArray one = R"([{"dataclass_name": "ScoredExplanation", "explanation": "the word the"}])";
        QTest::newRow("openai: neuron_index 4294967299 (was neuron 3)")
            << QStringLiteral("openai") << openai(R"({"layer_index": 1, "neuron_index": 4294967299})", one) << QStringLiteral("neuron_index from 0 to");
        QTest::newRow("openai: layer_index \"99999999999\"")
            << QStringLiteral("openai") << openai(R"({"layer_index": "99999999999", "neuron_index": 1})", one) << QStringLiteral("layer_index");
        QTest::newRow("openai: a NeuronRecord, not results") << QStringLiteral("openai") << openai(id, one, "NeuronRecord")
                                                             << QStringLiteral("dataclass_name is \"NeuronRecord\"");
        QTest::newRow("openai: empty explanation") << QStringLiteral("openai")
                                                   << openai(id, R"([{"dataclass_name": "ScoredExplanation", "explanation": "  "}])")
                                                   << QStringLiteral("text is empty");
        QTest::newRow("openai: no explanations") << QStringLiteral("openai") << openai(id, "[]") << QStringLiteral("scored_explanations is empty");
        QTest::newRow("openai: an empty file") << QStringLiteral("openai") << QByteArray("\n") << QStringLiteral("the file is empty");
        QTest::newRow("neuronpedia: layer 2^32 (was layer 0)")
            << QStringLiteral("neuronpedia") << QByteArray(R"([{"layer": 4294967296, "index": 1, "description": "x"}])") << QStringLiteral("\"layer\"");
        QTest::newRow("neuronpedia: layer \"4294967296-mlp\"")
            << QStringLiteral("neuronpedia") << QByteArray(R"([{"layer": "4294967296-mlp", "index": 1, "description": "x"}])") << QStringLiteral("\"layer\"");
        QTest::newRow("neuronpedia: index 4294967299")
            << QStringLiteral("neuronpedia") << QByteArray(R"([{"layer": 1, "index": 4294967299, "description": "x"}])") << QStringLiteral("\"index\"");
        QTest::newRow("neuronpedia: empty description")
            << QStringLiteral("neuronpedia") << QByteArray(R"([{"layer": 1, "index": 1, "description": " "}])") << QStringLiteral("no \"explanation\"");
        QTest::newRow("neuronpedia: no explanations") << QStringLiteral("neuronpedia") << QByteArray("[]") << QStringLiteral("no explanations");
    }
    void badImports() {
        QFETCH(QString, format);
        QFETCH(QByteArray, content);
        QFETCH(QString, fragment);
        const QString path = file(QStringLiteral("import.") + (format == QLatin1String("openai") ? QStringLiteral("jsonl") : QStringLiteral("json")), content);
        auto read = format == QLatin1String("openai") ? ns::readOpenAiExplanations(path) : ns::readNeuronpediaExplanations(path);
        QVERIFY(!read.ok());
        QVERIFY2(read.error().contains(path) && read.error().contains(fragment), qPrintable(read.error()));
        const Run r = cli({QStringLiteral("import"), QStringLiteral("--format"), format, QStringLiteral("--in"), path,
                           QStringLiteral("--model"), kModel, QStringLiteral("--corpus"), m_corpus, QStringLiteral("--db"), db()});
        QCOMPARE(r.code, 1);
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
    }

    // The reproducers the issue lists, run as its README says (skipped without ../shared).
    void reproducers_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("fragment");  // empty: a correct result with exit 0
        const QString r = kRepro;
        auto info = [&](const char* dir) { return QStringList{QStringLiteral("info"), QStringLiteral("--model"), r + QLatin1Char('/') + QLatin1String(dir) + QStringLiteral("/model")}; };
        QTest::newRow("st_layer_index_huge_stoi_empty") << info("st_layer_index_huge_stoi_empty") << QStringLiteral("beyond config.json's n_layer");
        QTest::newRow("st_long_name_h_100000") << info("st_long_name_h_100000") << QString();
        QTest::newRow("st_long_name_h_1000000") << info("st_long_name_h_1000000") << QString();
        QTest::newRow("st_cfg_n_layer_1M") << info("st_cfg_n_layer_1M") << QStringLiteral("n_layer = 1000000");
        QTest::newRow("st_cfg_n_layer_int_max") << info("st_cfg_n_layer_int_max") << QStringLiteral("n_layer = 2147483647");
        for (const char* spec : {"spec_activation_1e39/activation_1e39.json", "spec_activation_1e308/activation_1e308.json",
                                 "spec_two_modes_1e308/two_modes_1e308.json"})
            QTest::newRow(spec) << QStringList{QStringLiteral("explain"), QStringLiteral("--synthetic"), r + QLatin1Char('/') + QLatin1String(spec),
                                               QStringLiteral("--max-iterations"), QStringLiteral("2"), QStringLiteral("--db"), db()}
                                << QStringLiteral("out of range");
        QTest::newRow("hang_mine_inf_activation_model")
            << QStringList{QStringLiteral("mine"), QStringLiteral("--model"), r + QStringLiteral("/hang_mine_inf_activation_model/model"),
                           QStringLiteral("--layer"), QStringLiteral("0"), QStringLiteral("--corpus"), m_corpus, QStringLiteral("--db"), db()}
            << QStringLiteral("non-finite activation");
    }
    void reproducers() {
        QFETCH(QStringList, args);
        QFETCH(QString, fragment);
        if (!QDir(kRepro).exists()) QSKIP("../shared/repro is not here (it sits beside the repository on the machines that found these)");
        const Run r = cli(args, 60000);
        QVERIFY2(r.ms < 30000, qPrintable(QString::number(r.ms)));
        if (fragment.isEmpty()) {
            QVERIFY2(r.code == 0, r.err.constData());
            return;
        }
        QVERIFY2(r.code == 1, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(fragment), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliInputs)
#include "test_cli_inputs.moc"
