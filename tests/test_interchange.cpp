// Exports in other tools' formats and imports of their explanations: a round trip gives back
// the same explanations and scores, foreign files are read as those tools write them, and bad
// files get errors that name the file and line.
#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"
#include "store/cache_db.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "corpus_slice.h"
#include "fake_llm_server.h"

using json = nlohmann::json;

class TestInterchange final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;
    QString m_db;

    QStringList common() const {
        return {QStringLiteral("--model"), QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"), QStringLiteral("--corpus"), m_corpus,
                QStringLiteral("--db"), m_db};
    }
    static int run(const QStringList& args, QByteArray* out = nullptr, QByteArray* err = nullptr) {
        QProcess p;
        p.start(QStringLiteral(NS_CLI_PATH), args);
        if (!p.waitForFinished(300000)) return -1;
        if (out) *out = p.readAllStandardOutput();
        if (err) *err = p.readAllStandardError();
        return p.exitCode();
    }
    json importJson(const QString& format, const QString& path) const {
        QByteArray out, err;
        QStringList args{QStringLiteral("import"), QStringLiteral("--in"), path};
        if (!format.isEmpty()) args << QStringLiteral("--format") << format;  // empty: detected
        const int rc = run(args + common(), &out, &err);
        if (rc != 0) qWarning("%s", err.constData());
        return rc == 0 ? json::parse(out.toStdString(), nullptr, false) : json();
    }
    QStringList exportArgs(const QString& format, const QString& out) const {
        return QStringList{QStringLiteral("export"), QStringLiteral("--layer"), QStringLiteral("1"), QStringLiteral("--neurons"),
                           QStringLiteral("0-3"), QStringLiteral("--format"), format, QStringLiteral("--out"), out} + common();
    }
    /// Every import row scored by patterns, with the score and text NeuronScope has for the neuron.
    static void checkRoundTrip(const json& imported, size_t neurons) {
        QVERIFY(imported.is_object());
        QCOMPARE(imported.at("explanations").size(), neurons);
        for (const json& row : imported.at("explanations")) {
            const QByteArray where = QByteArray::fromStdString(row.dump());
            QVERIFY2(row.at("simulated_by") == "pattern", where.constData());
            QVERIFY2(row.at("score").is_number() && row.at("neuronscope_score").is_number(), where.constData());
            QVERIFY2(row.at("explanation") == row.at("neuronscope_explanation"), where.constData());
            QCOMPARE(row.at("score").get<double>(), row.at("neuronscope_score").get<double>());
            QCOMPARE(row.at("reported_score").get<double>(), row.at("score").get<double>());
        }
    }

private Q_SLOTS:
    void initTestCase() {
        m_corpus = writeCorpusSlice(m_dir, 40000);
        m_db = m_dir.filePath(QStringLiteral("cache.sqlite"));
        // The exports must carry a person's decisions about a neuron of several modes: the
        // clusterer is told to prefer any structured clustering to one mode, and no refinement
        // runs that could merge the modes again.
        QCOMPARE(run(QStringList{QStringLiteral("batch"), QStringLiteral("--layer"), QStringLiteral("1"), QStringLiteral("--neurons"),
                                 QStringLiteral("0-3"), QStringLiteral("--max-iterations"), QStringLiteral("0"), QStringLiteral("--loop"),
                                 QStringLiteral("one_mode_silhouette=-1,mode_tolerance=1")} + common()),
                 0);
        // A person rejects neuron 0's first mode and rewrites its second: exports carry the
        // explanation as it stands, not as the agents proposed it.
        QString model, corpus;
        qint64 runId = 0;
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("read"));
            sql.setDatabaseName(m_db);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            QVERIFY(q.exec(QStringLiteral("SELECT model_hash, corpus_hash, result, id FROM explanations WHERE layer = 1 AND neuron_index = 0")));
            QVERIFY(q.next());
            model = q.value(0).toString();
            corpus = q.value(1).toString();
            runId = q.value(3).toLongLong();
            QVERIFY(json::parse(q.value(2).toString().toStdString()).at("modes").size() >= 2);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("read"));
        auto db = ns::CacheDb::open(m_db);
        QVERIFY(db.ok());
        ns::Review r;
        r.modelHash = model;
        r.corpusHash = corpus;
        r.layer = 1;
        r.neuron = 0;
        r.mode = 0;
        r.status = QStringLiteral("rejected");
        r.author = QStringLiteral("person");
        r.text = QStringLiteral("rejected");
        r.explanationId = runId;  // decisions apply to the run they judged
        auto added = (*db)->addReview(r);
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error()));
        r.mode = 1;
        r.status = QStringLiteral("edited");
        r.text = QStringLiteral("the and a");
        r.pattern = QStringLiteral(R"({"literals":[{"token":" the","weight":1.5},{"token":" a","weight":0.75}]})");
        QVERIFY((*db)->addReview(r).ok());
    }

    void openAiRoundTrip() {
        const QString dir = m_dir.filePath(QStringLiteral("openai"));
        QCOMPARE(run(exportArgs(QStringLiteral("openai"), dir)), 0);
        for (int n = 0; n <= 3; ++n) {
            QVERIFY(QFile::exists(QStringLiteral("%1/neurons/1/%2.json").arg(dir).arg(n)));
            QVERIFY(QFile::exists(QStringLiteral("%1/explanations/1/%2.jsonl").arg(dir).arg(n)));
        }
        // The files are what neuron-explainer's loaders read: dataclass names on every object.
        QFile f(dir + QStringLiteral("/neurons/1/2.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const json record = json::parse(f.readAll().toStdString());
        QVERIFY(record.at("dataclass_name") == "NeuronRecord");
        QVERIFY(record.at("neuron_id").at("neuron_index") == 2);
        QVERIFY(!record.at("most_positive_activation_records").empty());
        for (const json& a : record.at("most_positive_activation_records")) {
            QVERIFY(a.at("dataclass_name") == "ActivationRecord");
            QCOMPARE(a.at("tokens").size(), a.at("activations").size());
        }
        QCOMPARE(record.at("quantile_boundaries").size(), record.at("random_sample_by_quantile").size() + 1);
        QFile e(dir + QStringLiteral("/explanations/1/0.jsonl"));
        QVERIFY(e.open(QIODevice::ReadOnly));
        const json results = json::parse(e.readLine().toStdString());
        QVERIFY(results.at("dataclass_name") == "NeuronSimulationResults");
        const json& scored = results.at("scored_explanations").at(0);
        const json& sequences = scored.at("scored_simulation").at("scored_sequence_simulations");
        QVERIFY(!sequences.empty());
        QCOMPARE(sequences.at(0).at("simulation").at("tokens").size(), sequences.at(0).at("true_activations").size());
        // The person's decisions are in it: the edit, and one mode fewer.
        const QString text = QString::fromStdString(scored.at("explanation").get<std::string>());
        QVERIFY2(text.contains(QStringLiteral("' the' (1.50)")), qPrintable(text));

        checkRoundTrip(importJson(QStringLiteral("openai"), dir), 4);
    }

    void neuronpediaRoundTrip() {
        const QString file = m_dir.filePath(QStringLiteral("neuronpedia.jsonl"));
        QCOMPARE(run(exportArgs(QStringLiteral("neuronpedia"), file) +
                     QStringList{QStringLiteral("--neuronpedia-model"), QStringLiteral("tiny-gpt2")}), 0);
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const json first = json::parse(f.readLine().toStdString());
        QVERIFY(first.at("modelId") == "tiny-gpt2");
        QVERIFY(first.at("layer") == "1-mlp");
        QVERIFY(first.at("index") == 0);
        // Scoring data pairs each activation with its simulation.
        QCOMPARE(first.at("activations").size(), first.at("simulationActivations").size());
        QVERIFY(first.at("simulationScore") == first.at("explanationScore"));
        checkRoundTrip(importJson(QStringLiteral("neuronpedia"), file), 4);
    }

    void foreignExplanationsAreScoredOrExplained() {
        const json rows = importJson(QStringLiteral("openai"), QStringLiteral(NS_TEST_DATA_DIR "/interchange/openai_foreign.jsonl"));
        QVERIFY(rows.at("read") == 2);
        const json& prose = rows.at("explanations").at(0);
        QVERIFY(prose.at("score").is_null());
        QVERIFY(QString::fromStdString(prose.at("note").get<std::string>()).contains(QStringLiteral("LLM simulator")));
        QCOMPARE(prose.at("reported_score").get<double>(), 0.31);
        const json& notation = rows.at("explanations").at(1);
        QVERIFY(notation.at("simulated_by") == "pattern");
        QVERIFY(notation.at("score").is_number());
        QVERIFY(notation.at("reported_score").is_null());
        // Neuron 2 was explained: both scores come from the same split.
        QVERIFY(notation.at("neuronscope_score").is_number());

        const json np = importJson(QString(), QStringLiteral(NS_TEST_DATA_DIR "/interchange/neuronpedia_export.json"));
        QVERIFY(np.at("format") == "neuronpedia");
        QVERIFY(np.at("explanations").at(0).at("simulated_by") == "pattern");
        QVERIFY(np.at("explanations").at(0).at("explainer") == "someone");
        QVERIFY(QString::fromStdString(np.at("explanations").at(1).at("note").get<std::string>()).contains(QStringLiteral("no neuron 1/999999")));

        // The cache keeps them for the explorer, next to NeuronScope's own explanation.
        QString model, corpus;
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("hashes"));
            sql.setDatabaseName(m_db);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            QVERIFY(q.exec(QStringLiteral("SELECT model_hash, corpus_hash FROM explanations LIMIT 1")) && q.next());
            model = q.value(0).toString();
            corpus = q.value(1).toString();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("hashes"));
        auto db = ns::CacheDb::open(m_db);
        QVERIFY(db.ok());
        auto kept = (*db)->importedExplanations(model, corpus, 1, 2);
        QVERIFY(kept.ok());
        // Two from the foreign file, and the round trips' own (one per format).
        QCOMPARE(kept->size(), size_t(4));
        QCOMPARE(std::count_if(kept->begin(), kept->end(),
                               [](const ns::ImportedExplanation& e) { return e.origin.contains(QStringLiteral("openai_foreign")); }),
                 2L);
        auto fromNeuronpedia = (*db)->importedExplanations(model, corpus, 1, 3);
        QVERIFY(fromNeuronpedia.ok());
        const auto someone = std::find_if(fromNeuronpedia->begin(), fromNeuronpedia->end(),
                                          [](const ns::ImportedExplanation& e) { return e.explainer == QLatin1String("someone"); });
        QVERIFY(someone != fromNeuronpedia->end());
        QCOMPARE(someone->format, QStringLiteral("neuronpedia"));
        QCOMPARE(someone->text, QStringLiteral("Fires on a punctuation mark (2)."));
        QVERIFY(someone->score.has_value());
    }

    void ownJsonCarriesEverything() {
        QByteArray out;
        QStringList args = exportArgs(QStringLiteral("json"), m_dir.filePath(QStringLiteral("own.json")));
        QCOMPARE(run(args), 0);
        QFile f(m_dir.filePath(QStringLiteral("own.json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const json doc = json::parse(f.readAll().toStdString());
        QVERIFY(doc.at("schema") == "neuronscope-export" && doc.at("version") == 3);
        QCOMPARE(doc.at("neurons").size(), size_t(4));
        const json& first = doc.at("neurons").at(0);
        QVERIFY(!first.at("record").at("exemplars").empty());
        QCOMPARE(first.at("decisions").size(), size_t(2));
        QVERIFY(first.at("decisions").at(1).at("status") == "edited" && first.at("decisions").at(1).at("author") == "person");
        QVERIFY(first.at("explanation").at("modes").size() >= 2);
        // Neuron 2's explanations from elsewhere travel with it.
        const json& third = doc.at("neurons").at(2);
        QVERIFY(third.contains("imported") && third.at("imported").size() >= 2);
    }

    void exportsASelection_data() {
        QTest::addColumn<QString>("neurons");
        QTest::addColumn<QString>("rows");  // the neuron column of the CSV, or an error fragment
        QTest::newRow("one") << QStringLiteral("2") << QStringLiteral("2");
        QTest::newRow("list and range") << QStringLiteral("3,0-1") << QStringLiteral("0 1 3");
        QTest::newRow("repeats once") << QStringLiteral("1,1,0-1") << QStringLiteral("0 1");
        QTest::newRow("not a list") << QStringLiteral("1;2") << QStringLiteral("error: expects N, A-B or a list");
        QTest::newRow("beyond the layer") << QStringLiteral("0-99999") << QStringLiteral("error: the layer has neurons");
    }
    void exportsASelection() {
        QFETCH(QString, neurons);
        QFETCH(QString, rows);
        QByteArray out, err;
        const int rc = run(QStringList{QStringLiteral("export"), QStringLiteral("--layer"), QStringLiteral("1"), QStringLiteral("--neurons"),
                                       neurons} + common(),
                           &out, &err);
        if (rows.startsWith(QLatin1String("error: "))) {
            QCOMPARE(rc, 1);
            QVERIFY2(QString::fromUtf8(err).contains(rows.mid(7)), err.constData());
            return;
        }
        QCOMPARE(rc, 0);
        QStringList ids;
        for (const QByteArray& line : out.split('\n'))
            if (line.startsWith("1,")) ids << QString::fromUtf8(line.split(',').at(1));
        QCOMPARE(ids.join(QLatin1Char(' ')), rows);
    }

    void freeTextIsScoredByAnLlmSimulator() {
        FakeServer server;
        QByteArray out, err;
        QCOMPARE(run(QStringList{QStringLiteral("import"), QStringLiteral("--format"), QStringLiteral("openai"), QStringLiteral("--in"),
                                 QStringLiteral(NS_TEST_DATA_DIR "/interchange/openai_foreign.jsonl"), QStringLiteral("--backend"),
                                 QStringLiteral("openai"), QStringLiteral("--llm"), QStringLiteral("url=") + server.url(),
                                 QStringLiteral("--llm"), QStringLiteral("model=fake")} + common(),
                     &out, &err), 0);
        const json rows = json::parse(out.toStdString());
        const json& prose = rows.at("explanations").at(0);
        QVERIFY2(prose.at("simulated_by") == "llm" && prose.at("score").is_number(), out.constData());
        QVERIFY(server.requests > 0);
        // Pattern notation still runs offline, whatever the backend.
        QVERIFY(rows.at("explanations").at(1).at("simulated_by") == "pattern");
    }

    void badFilesNameTheProblem_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("openai: not JSON") << QStringLiteral("openai") << QByteArray("{\"neuron_id\": \n") << QStringLiteral("bad.jsonl:1: not valid JSON");
        QTest::newRow("openai: no neuron id") << QStringLiteral("openai") << QByteArray("\n{\"scored_explanations\": []}\n")
                                             << QStringLiteral("bad.jsonl:2: not a NeuronSimulationResults");
        QTest::newRow("openai: empty") << QStringLiteral("openai") << QByteArray("\n") << QStringLiteral("empty");
        QTest::newRow("openai: explanation not text")
            << QStringLiteral("openai")
            << QByteArray(R"({"neuron_id":{"layer_index":0,"neuron_index":1},"scored_explanations":[{"explanation":3}]})")
            << QStringLiteral("no explanation text");
        QTest::newRow("neuronpedia: no layer") << QStringLiteral("neuronpedia") << QByteArray(R"({"index":1,"explanation":"x"})")
                                               << QStringLiteral("bad.jsonl:1: \"layer\"");
        QTest::newRow("neuronpedia: no text") << QStringLiteral("neuronpedia") << QByteArray(R"({"feature":{"layer":"0-mlp","index":1}})")
                                              << QStringLiteral("no \"explanation\"");
        QTest::newRow("neuronpedia: truncated") << QStringLiteral("neuronpedia") << QByteArray("{\"layer\":\"0-mlp\",\"ind")
                                                << QStringLiteral("not valid JSON");
    }
    void badFilesNameTheProblem() {
        QFETCH(QString, format);
        QFETCH(QByteArray, content);
        QFETCH(QString, fragment);
        const QString path = m_dir.filePath(QStringLiteral("bad.jsonl"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        auto read = format == QLatin1String("openai") ? ns::readOpenAiExplanations(path) : ns::readNeuronpediaExplanations(path);
        QVERIFY(!read.ok());
        QVERIFY2(read.error().contains(fragment), qPrintable(read.error()));
        // The command says the same and fails.
        QByteArray err;
        QCOMPARE(run(QStringList{QStringLiteral("import"), QStringLiteral("--format"), format, QStringLiteral("--in"), path} + common(),
                     nullptr, &err), 1);
        QVERIFY2(err.contains(fragment.toUtf8()), err.constData());
    }

    void missingPathIsAnError() {
        auto read = ns::readOpenAiExplanations(m_dir.filePath(QStringLiteral("nowhere")));
        QVERIFY(!read.ok());
        QVERIFY(read.error().contains(QStringLiteral("no such file")));
        QDir().mkpath(m_dir.filePath(QStringLiteral("emptydir")));
        read = ns::readOpenAiExplanations(m_dir.filePath(QStringLiteral("emptydir")));
        QVERIFY(!read.ok());
        QVERIFY(read.error().contains(QStringLiteral("no explanation files")));
    }
};

QTEST_GUILESS_MAIN(TestInterchange)
#include "test_interchange.moc"
