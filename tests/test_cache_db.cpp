#include "activations/miner.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/decisions.h"
#include "store/mined_layers.h"
#include "store/record_codec.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include "corpus_slice.h"

using namespace ns;

class TestCacheDb final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;
    std::shared_ptr<LanguageModel> m_model;

    MineOptions options() const {
        MineOptions o;
        o.layer = 0;
        o.windowTokens = 16;
        o.topK = 4;
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        m_model = *m;
        m_corpus = writeCorpusSlice(m_dir, 6000);
        QVERIFY(!m_corpus.isEmpty());
    }

    void recordRoundTrip() {
        auto mined = mineLayer(*m_model, m_corpus, options());
        QVERIFY(mined.ok());
        const NeuronRecord& r = mined->neurons[5];
        auto back = decodeRecord(encodeRecord(r));
        QVERIFY(back.ok());
        QCOMPARE(back->neuron, 5);
        QCOMPARE(back->top.size(), r.top.size());
        QCOMPARE(back->top[0].window->tokens, r.top[0].window->tokens);
        QCOMPARE(back->top[0].activations, r.top[0].activations);
        QCOMPARE(back->quantiles.size(), r.quantiles.size());
        QCOMPARE(back->random.size(), r.random.size());
        QCOMPARE(back->histogram.counts, r.histogram.counts);
        QVERIFY(!decodeRecord(QByteArray("garbage")).ok());
    }

    void minesOnceThenLoadsFromCache() {
        const QString path = m_dir.filePath(QStringLiteral("cache.sqlite"));
        int progressCalls = 0;
        {
            auto db = CacheDb::open(path);
            QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
            auto first = obtainMinedLayer(**db, *m_model, m_corpus, options(), [&](const MiningProgress&) {
                ++progressCalls;
                return true;
            });
            QVERIFY(first.ok());
            QVERIFY(!first->fromCache);
            QVERIFY(progressCalls > 0);
        }
        // Reopened: loaded from the cache, the miner never runs.
        auto db = CacheDb::open(path);
        QVERIFY(db.ok());
        progressCalls = 0;
        auto again = obtainMinedLayer(**db, *m_model, m_corpus, options(), [&](const MiningProgress&) {
            ++progressCalls;
            return true;
        });
        QVERIFY(again.ok());
        QVERIFY(again->fromCache);
        QCOMPARE(progressCalls, 0);
        auto summaries = (*db)->neuronSummaries(again->layerId);
        QVERIFY(summaries.ok());
        QCOMPARE(summaries->size(), size_t(64));
        auto rec = (*db)->loadNeuron(again->layerId, 7);
        QVERIFY(rec.ok());
        QCOMPARE(rec->neuron, 7);
        QVERIFY(!(*db)->loadNeuron(again->layerId, 640).ok());
        // Another layer or other options are other keys.
        MineOptions other = options();
        other.layer = 1;
        auto l1 = obtainMinedLayer(**db, *m_model, m_corpus, other);
        QVERIFY(l1.ok());
        QVERIFY(!l1->fromCache);
        QVERIFY(l1->layerId != again->layerId);
    }

    void walAndSchemaVersion() {
        const QString path = m_dir.filePath(QStringLiteral("wal.sqlite"));
        { QVERIFY(CacheDb::open(path).ok()); }
        QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("probe"));
        sql.setDatabaseName(path);
        QVERIFY(sql.open());
        {
            QSqlQuery q(sql);
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
            QCOMPARE(q.value(0).toInt(), CacheDb::kSchemaVersion);
        }
        sql.close();
        sql = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("probe"));
    }

    void explanationsRoundTripAndReplace() {
        const QString path = m_dir.filePath(QStringLiteral("explanations.sqlite"));
        auto db = CacheDb::open(path);
        QVERIFY(db.ok());
        StoredExplanation e;
        e.key = QStringLiteral("k1");
        e.layer = 2;
        e.neuron = 7;
        e.modelHash = QStringLiteral("m");
        e.corpusHash = QStringLiteral("c");
        e.result = {{"neuron", "2/7"}, {"backend", "builtin"}, {"score", 0.5}, {"parameters", {{"x", 1}}},
                    {"iterations", {{{"index", 0}, {"valid_score", 0.4}, {"mode_scores", {0.4}}, {"change", "first"},
                                     {"kept", true}, {"modes", nlohmann::json::array()}}}}};
        e.splits = {{"train", nlohmann::json::array()}};
        e.transcript = nlohmann::json::array({{{"role", "decomposer"}, {"step", "s"}}});
        QVERIFY((*db)->storeExplanation(e).ok());
        auto found = (*db)->findExplanation(QStringLiteral("k1"));
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((**found).result.dump(), e.result.dump());
        QCOMPARE((**found).transcript.dump(), e.transcript.dump());
        QCOMPARE((**found).layer, 2);
        e.result["score"] = 0.75;  // the same key replaces the older run
        QVERIFY((*db)->storeExplanation(e).ok());
        found = (*db)->findExplanation(QStringLiteral("k1"));
        QCOMPARE((**found).result.at("score").get<double>(), 0.75);
        auto missing = (*db)->findExplanation(QStringLiteral("nope"));
        QVERIFY(missing.ok() && !missing->has_value());
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("poke"));
            sql.setDatabaseName(path);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM explanation_iterations")) && q.next());
            QCOMPARE(q.value(0).toInt(), 1);
            QVERIFY(q.exec(QStringLiteral("UPDATE explanations SET result = '{broken' WHERE key = 'k1'")));
        }
        QSqlDatabase::removeDatabase(QStringLiteral("poke"));
        auto damaged = (*db)->findExplanation(QStringLiteral("k1"));
        QVERIFY(!damaged.ok());
        QVERIFY2(damaged.error().contains(path) && damaged.error().contains(QStringLiteral("--recompute")), qPrintable(damaged.error()));
    }

    void partialRunsAndSimulationsAreKept() {
        const QString path = m_dir.filePath(QStringLiteral("partial.sqlite"));
        auto db = CacheDb::open(path);
        QVERIFY(db.ok());
        StoredExplanation e;
        e.key = QStringLiteral("p1");
        e.partial = true;
        // A partial run not scored on test: its scores are null.
        e.result = {{"neuron", "0/1"}, {"backend", "openai"}, {"score", nullptr}, {"baseline_score", nullptr},
                    {"stopped", "HTTP 500"}, {"iterations", nlohmann::json::array()}};
        QVERIFY((*db)->storeExplanation(e).ok());
        auto found = (*db)->findExplanation(QStringLiteral("p1"));
        QVERIFY(found.ok() && found->has_value() && (**found).partial);
        e.partial = false;  // a complete run under the same key replaces it
        QVERIFY((*db)->storeExplanation(e).ok());
        QVERIFY(!(*(*db)->findExplanation(QStringLiteral("p1")))->partial);
        QVERIFY((*db)->storeSimulations({{QStringLiteral("a"), {0.f, 2.5f, 10.f}}, {QStringLiteral("b"), {}}}).ok());
        auto sims = (*db)->findSimulations({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")});
        QVERIFY(sims.ok());
        QCOMPARE(sims->size(), size_t(2));
        QVERIFY(sims->at(QStringLiteral("a")) == (std::vector<float>{0.f, 2.5f, 10.f}));
        QVERIFY(sims->at(QStringLiteral("b")).empty());
        // Merged into another cache with everything else.
        auto other = CacheDb::open(m_dir.filePath(QStringLiteral("partial-merged.sqlite")));
        QVERIFY(other.ok() && (*other)->mergeFrom(path).ok());
        QCOMPARE((*other)->findSimulations({QStringLiteral("a")})->size(), size_t(1));
    }

    void importedExplanationsAreKeptOnce() {
        const QString path = m_dir.filePath(QStringLiteral("imported.sqlite"));
        {
            auto db = CacheDb::open(path);
            QVERIFY(db.ok());
            ImportedExplanation e;
            e.modelHash = QStringLiteral("m");
            e.corpusHash = QStringLiteral("c");
            e.layer = 1;
            e.neuron = 4;
            e.format = QStringLiteral("openai");
            e.text = QStringLiteral("words about food");
            e.reportedScore = 0.4;
            e.createdAt = QStringLiteral("2026-01-01T00:00:00Z");
            QVERIFY((*db)->storeImported(e).ok());
            // The same text again replaces the first (now scored); another text is another row.
            e.score = 0.25;
            e.simulatedBy = QStringLiteral("llm");
            e.createdAt = QStringLiteral("2026-01-02T00:00:00Z");
            QVERIFY((*db)->storeImported(e).ok());
            e.text = QStringLiteral("Fires on the token ' pie' (1).");
            e.score.reset();
            e.createdAt = QStringLiteral("2026-01-03T00:00:00Z");
            QVERIFY((*db)->storeImported(e).ok());
            auto rows = (*db)->importedExplanations(QStringLiteral("m"), QStringLiteral("c"), 1, 4);
            QVERIFY(rows.ok());
            QCOMPARE(rows->size(), size_t(2));
            QCOMPARE(rows->at(0).text, QStringLiteral("Fires on the token ' pie' (1)."));  // most recent first
            QVERIFY(!rows->at(0).score.has_value());
            QCOMPARE(rows->at(1).score.value_or(-1), 0.25);
            QCOMPARE(rows->at(1).reportedScore.value_or(-1), 0.4);
            QCOMPARE(rows->at(1).simulatedBy, QStringLiteral("llm"));
        }
        // Merged twice, they arrive once.
        auto target = CacheDb::open(m_dir.filePath(QStringLiteral("imported-merged.sqlite")));
        QVERIFY(target.ok());
        auto first = (*target)->mergeFrom(path);
        QVERIFY(first.ok());
        QCOMPARE(first->imported, 2);
        auto again = (*target)->mergeFrom(path);
        QVERIFY(again.ok());
        QCOMPARE(again->imported, 0);
        QCOMPARE((*target)->importedExplanations(QStringLiteral("m"), QStringLiteral("c"), 1, 4)->size(), size_t(2));
    }

    static StoredExplanation twoModeRun(const QString& key) {
        StoredExplanation e;
        e.key = key;
        e.layer = 2;
        e.neuron = 5;
        e.modelHash = QStringLiteral("m");
        e.corpusHash = QStringLiteral("c");
        e.result = {{"neuron", "2/5"}, {"score", 0.5}, {"modes", {{{"explanation", "first"}}, {{"explanation", "second"}}}}};
        return e;
    }

    static Review reviewOf(int64_t run, int mode, const QString& status) {
        Review r;
        r.modelHash = QStringLiteral("m");
        r.corpusHash = QStringLiteral("c");
        r.layer = 2;
        r.neuron = 5;
        r.mode = mode;
        r.status = status;
        r.text = QStringLiteral("as decided");
        r.author = QStringLiteral("person");
        r.explanationId = run;
        return r;
    }

    void decisionsBelongToTheRunTheyJudged() {
        auto db = CacheDb::open(m_dir.filePath(QStringLiteral("runs.sqlite")));
        QVERIFY(db.ok());
        auto first = (*db)->storeExplanation(twoModeRun(QStringLiteral("k")));
        QVERIFY(first.ok());
        auto status = [&] {
            auto list = (*db)->explainedNeurons(QStringLiteral("m"), QStringLiteral("c"), 2);
            return list && list->size() == 1 ? list->front().status : QStringLiteral("(no single entry)");
        };
        QCOMPARE(status(), QStringLiteral("explained"));
        QVERIFY((*db)->addReview(reviewOf(*first, 0, decision::approved)).ok());
        QCOMPARE(status(), QStringLiteral("partly approved"));
        QVERIFY((*db)->addReview(reviewOf(*first, 1, decision::approved)).ok());
        QCOMPARE(status(), QStringLiteral("approved"));
        auto listed = (*db)->explainedNeurons(QStringLiteral("m"), QStringLiteral("c"), 2);
        QCOMPARE(listed->front().modes, 2);
        QCOMPARE(listed->front().explanation, QStringLiteral("first\nsecond"));

        // Explain again: a new run, judged by nobody yet; the old decisions stay in the history.
        auto second = (*db)->storeExplanation(twoModeRun(QStringLiteral("k")));
        QVERIFY(second.ok() && *second != *first);
        QCOMPARE(status(), QStringLiteral("explained"));
        auto all = (*db)->reviews(QStringLiteral("m"), QStringLiteral("c"), 2, 5);
        QCOMPARE(all->size(), size_t(2));
        QCOMPARE(latestDecisions(2, *all, *first)[1].status, decision::approved);
        for (const Review& r : latestDecisions(2, *all, *second)) QVERIFY(r.status.isEmpty());
        QVERIFY((*db)->addReview(reviewOf(*second, 0, decision::edited)).ok());
        QCOMPARE(status(), QStringLiteral("edited"));
        QVERIFY((*db)->addReview(reviewOf(*second, 1, decision::rejected)).ok());
        QCOMPARE(status(), QStringLiteral("rejected"));
    }

    void decisionsFromBeforeRunIdsJoinTheRunThenLatest() {
        // Schema 5 kept no run id with a decision: the upgrade gives each the run that was the
        // neuron's latest when it was made, and fills the browser's columns from the results.
        const QString path = m_dir.filePath(QStringLiteral("v5.sqlite"));
        int64_t run = 0;
        {
            auto db = CacheDb::open(path);
            QVERIFY(db.ok());
            auto id = (*db)->storeExplanation(twoModeRun(QStringLiteral("old")));
            QVERIFY(id.ok());
            run = *id;
            Review r = reviewOf(0, 1, decision::approved);
            r.createdAt = QStringLiteral("2999-01-01T00:00:00Z");
            QVERIFY((*db)->addReview(r).ok());
        }
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v5"));
            sql.setDatabaseName(path);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            for (const char* statement : {"DROP TABLE llm_simulations", "ALTER TABLE explanations DROP COLUMN partial",
                                          "DROP INDEX explanations_latest", "DROP INDEX reviews_by_run",
                                          "ALTER TABLE explanations DROP COLUMN mode_count", "ALTER TABLE explanations DROP COLUMN mode_texts",
                                          "UPDATE explanation_reviews SET explanation_id = NULL", "PRAGMA user_version = 5"})
                QVERIFY2(q.exec(QLatin1String(statement)), statement);
            q.finish();
            sql.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("v5"));
        auto db = CacheDb::open(path);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
        auto reviews = (*db)->reviews(QStringLiteral("m"), QStringLiteral("c"), 2, 5);
        QCOMPARE(reviews->size(), size_t(1));
        QCOMPARE(reviews->front().explanationId, run);
        auto listed = (*db)->explainedNeurons(QStringLiteral("m"), QStringLiteral("c"), 2);
        QCOMPARE(listed->size(), size_t(1));
        QCOMPARE(listed->front().modes, 2);
        QCOMPARE(listed->front().explanation, QStringLiteral("first\nsecond"));
        QCOMPARE(listed->front().status, QStringLiteral("partly approved"));
    }

    void olderSchemaIsUpgradedInPlace() {
        // A cache from before imports (schema 3) keeps its data and gains the table.
        const QString path = m_dir.filePath(QStringLiteral("v3.sqlite"));
        {
            auto db = CacheDb::open(path);
            QVERIFY(db.ok());
            Review r;
            r.modelHash = QStringLiteral("m");
            r.corpusHash = QStringLiteral("c");
            r.status = QStringLiteral("approved");
            r.text = QStringLiteral("kept");
            r.author = QStringLiteral("person");
            QVERIFY((*db)->addReview(r).ok());
        }
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("downgrade"));
            sql.setDatabaseName(path);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            QVERIFY(q.exec(QStringLiteral("DROP TABLE imported_explanations")));
            QVERIFY(q.exec(QStringLiteral("DROP TABLE llm_simulations")));
            for (const char* column : {"length", "baseline_length", "baseline_per_mode_budget_score", "mode_count", "mode_texts", "partial"})
                QVERIFY(q.exec(QStringLiteral("ALTER TABLE explanations DROP COLUMN %1").arg(QLatin1String(column))));
            QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 3")));
            q.finish();
            sql.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("downgrade"));
        auto db = CacheDb::open(path);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
        QCOMPARE((*db)->reviews(QStringLiteral("m"), QStringLiteral("c"), 0, 0)->size(), size_t(1));
        QVERIFY((*db)->importedExplanations(QStringLiteral("m"), QStringLiteral("c"), 0, 0).ok());
    }

    void schema4RunsKeepTheirFormerBaselineApart() {
        // Before schema 5, baseline_score was one mode of 12 tokens: it moves to its own column.
        const QString path = m_dir.filePath(QStringLiteral("v4.sqlite"));
        {
            auto db = CacheDb::open(path);
            QVERIFY(db.ok());
            StoredExplanation e;
            e.key = QStringLiteral("old");
            e.result = {{"neuron", "1/2"}, {"backend", "builtin"}, {"score", 0.7}, {"baseline_score", 0.6},
                        {"iterations", nlohmann::json::array()}};
            QVERIFY((*db)->storeExplanation(e).ok());
        }
        auto poke = [&](const QString& statement, QVariant* value) {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("v4"));
            sql.setDatabaseName(path);
            bool ok = sql.open();
            {
                QSqlQuery q(sql);
                for (const QString& one : statement.split(QLatin1Char(';'))) ok = ok && q.exec(one);
                if (value && ok && q.next()) *value = q.value(0);
                q.finish();
            }
            sql.close();
            sql = QSqlDatabase();
            QSqlDatabase::removeDatabase(QStringLiteral("v4"));
            return ok;
        };
        QVERIFY(poke(QStringLiteral("DROP TABLE llm_simulations;ALTER TABLE explanations DROP COLUMN partial;"
                                    "ALTER TABLE explanations DROP COLUMN length;ALTER TABLE explanations DROP COLUMN baseline_length;"
                                    "ALTER TABLE explanations DROP COLUMN baseline_per_mode_budget_score;ALTER TABLE explanations DROP COLUMN mode_count;"
                                    "ALTER TABLE explanations DROP COLUMN mode_texts;PRAGMA user_version = 4"),
                     nullptr));
        { QVERIFY(CacheDb::open(path).ok()); }
        QVariant former, equal;
        QVERIFY(poke(QStringLiteral("SELECT baseline_per_mode_budget_score FROM explanations WHERE key = 'old'"), &former));
        QVERIFY(poke(QStringLiteral("SELECT baseline_score FROM explanations WHERE key = 'old'"), &equal));
        QCOMPARE(former.toDouble(), 0.6);
        QVERIFY(equal.isNull());
    }

    void refusesBadFiles_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("not a database") << 0 << QStringLiteral("not a readable SQLite database");
        QTest::newRow("newer schema") << 1 << QStringLiteral("newer NeuronScope");
        QTest::newRow("someone else's database") << 2 << QStringLiteral("not a NeuronScope cache");
        QTest::newRow("truncated database") << 3 << QStringLiteral("untouched");
    }
    void refusesBadFiles() {
        QFETCH(int, kind);
        QFETCH(QString, fragment);
        const QString path = m_dir.filePath(QStringLiteral("bad-%1.sqlite").arg(kind));
        if (kind == 0) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(4096, 'x'));
        } else {
            if (kind != 2) {
                auto db = CacheDb::open(path);
                QVERIFY(db.ok());
                if (kind == 3) QVERIFY(obtainMinedLayer(**db, *m_model, m_corpus, options()).ok());
            }
            {
                QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("edit"));
                sql.setDatabaseName(path);
                QVERIFY(sql.open());
                QSqlQuery q(sql);
                if (kind == 1) QVERIFY(q.exec(QStringLiteral("PRAGMA user_version = 99")));
                if (kind == 2) QVERIFY(q.exec(QStringLiteral("CREATE TABLE notes (x TEXT)")));
                if (kind == 3) QVERIFY(q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")));
                q.finish();
                sql.close();
            }
            QSqlDatabase::removeDatabase(QStringLiteral("edit"));
            if (kind == 3) {  // cut the file in the middle of its pages
                QFile f(path);
                const qint64 size = f.size();
                QVERIFY(f.resize(size / 2));
            }
        }
        QFile before(path);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray bytes = before.readAll();
        before.close();
        auto db = CacheDb::open(path);
        QVERIFY(!db.ok());
        QVERIFY2(db.error().contains(fragment), qPrintable(db.error()));
        QVERIFY(db.error().contains(path));
        QFile after(path);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), bytes);  // never overwritten
    }
};

QTEST_GUILESS_MAIN(TestCacheDb)
#include "test_cache_db.moc"
