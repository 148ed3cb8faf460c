#include "store/cache_db.h"

#include "store/record_codec.h"

#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUrl>
#include <QFile>
#include <QVariant>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <thread>

namespace ns {
namespace {

constexpr int kApplicationId = 0x4E53434F;  // "NSCO": marks the file as NeuronScope's

std::atomic<int> g_connections{0};

/// SQLite's reason in words a person can act on: busy and read-only files say so.
QString describeSqlError(const QSqlError& e) {
    const QString code = e.nativeErrorCode();
    const int primary = code.toInt() & 0xFF;  // extended result codes keep the primary in the low byte
    if (primary == 5 || primary == 6)         // SQLITE_BUSY, SQLITE_LOCKED
        return QStringLiteral("another process holds the cache locked and did not release it within %1 s (%2)")
            .arg(CacheDb::kLockWaitSeconds).arg(e.text());
    if (primary == 8) return QStringLiteral("the cache file or its directory is read-only (%1)").arg(e.text());
    if (primary == 14) return QStringLiteral("the cache file cannot be opened: check that it and its directory are readable and writable (%1)").arg(e.text());
    return e.text();
}

// Each entry upgrades the schema from version i to i + 1; run inside one transaction.
const std::vector<std::vector<const char*>>& migrations() {
    static const std::vector<std::vector<const char*>> steps = {
        {  // 0 -> 1: mined layers and their neuron records
            "CREATE TABLE mined_layers ("
            " id INTEGER PRIMARY KEY, model_hash TEXT NOT NULL, corpus_hash TEXT NOT NULL,"
            " layer INTEGER NOT NULL, options TEXT NOT NULL, model_dir TEXT, corpus_path TEXT,"
            " tokens INTEGER, windows INTEGER, documents INTEGER, seconds REAL, created_at TEXT,"
            " UNIQUE (model_hash, corpus_hash, layer, options))",
            "CREATE TABLE neuron_records ("
            " layer_id INTEGER NOT NULL REFERENCES mined_layers(id) ON DELETE CASCADE,"
            " neuron INTEGER NOT NULL, max_activation REAL, mean REAL, std REAL, firing_rate REAL,"
            " record BLOB NOT NULL, PRIMARY KEY (layer_id, neuron))",
        },
        {  // 1 -> 2: explanations from the agent loop, with every iteration
            "CREATE TABLE explanations ("
            " id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, neuron TEXT NOT NULL, layer INTEGER,"
            " neuron_index INTEGER, model_hash TEXT, corpus_hash TEXT, backend TEXT NOT NULL,"
            " parameters TEXT NOT NULL, seed INTEGER, score REAL, baseline_score REAL, random_score REAL,"
            " result TEXT NOT NULL, splits TEXT NOT NULL, transcript BLOB NOT NULL, seconds REAL, created_at TEXT)",
            "CREATE INDEX explanations_by_neuron ON explanations (model_hash, layer, neuron_index)",
            "CREATE TABLE explanation_iterations ("
            " explanation_id INTEGER NOT NULL REFERENCES explanations(id) ON DELETE CASCADE,"
            " iteration INTEGER NOT NULL, valid_score REAL, mode_scores TEXT, change TEXT, kept INTEGER,"
            " modes TEXT, PRIMARY KEY (explanation_id, iteration))",
        },
        {  // 2 -> 3: what people decided about each mode's explanation, with history
            "CREATE TABLE explanation_reviews ("
            " id INTEGER PRIMARY KEY, model_hash TEXT NOT NULL, corpus_hash TEXT NOT NULL, layer INTEGER NOT NULL,"
            " neuron_index INTEGER NOT NULL, mode INTEGER NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL,"
            " pattern TEXT, score REAL, author TEXT NOT NULL, created_at TEXT NOT NULL, explanation_id INTEGER)",
            "CREATE INDEX reviews_by_neuron ON explanation_reviews (model_hash, corpus_hash, layer, neuron_index)",
        },
        {  // 3 -> 4: explanations other tools wrote, scored on NeuronScope's test split
            "CREATE TABLE imported_explanations ("
            " id INTEGER PRIMARY KEY, model_hash TEXT NOT NULL, corpus_hash TEXT NOT NULL, layer INTEGER NOT NULL,"
            " neuron_index INTEGER NOT NULL, format TEXT NOT NULL, origin TEXT, explainer TEXT, text TEXT NOT NULL,"
            " reported_score REAL, score REAL, simulated_by TEXT, note TEXT, seed INTEGER, created_at TEXT NOT NULL,"
            " UNIQUE (model_hash, corpus_hash, layer, neuron_index, format, text))",
        },
        {  // 4 -> 5: description lengths; baseline_score is single-pass at the loop's total length.
            // Older runs compared against one mode of 12 tokens: that figure moves to its own
            // column, and their equal-length baseline is unknown.
            "ALTER TABLE explanations ADD COLUMN length INTEGER",
            "ALTER TABLE explanations ADD COLUMN baseline_length INTEGER",
            "ALTER TABLE explanations ADD COLUMN baseline_per_mode_budget_score REAL",
            "UPDATE explanations SET baseline_per_mode_budget_score = baseline_score, baseline_score = NULL",
        },
        {  // 5 -> 6: the browser's list without parsing runs; decisions tied to the run they judged.
            // A decision made before this version judged the run that was latest for its neuron
            // when it was made; one whose run was since replaced belongs to none still stored.
            "ALTER TABLE explanations ADD COLUMN mode_count INTEGER",
            "ALTER TABLE explanations ADD COLUMN mode_texts TEXT",
            "UPDATE explanations SET mode_count = CASE WHEN json_valid(result) THEN json_array_length(result, '$.modes') END,"
            " mode_texts = CASE WHEN json_valid(result) THEN (SELECT group_concat(json_extract(m.value, '$.explanation'), char(10))"
            " FROM json_each(explanations.result, '$.modes') m) END",
            "UPDATE explanation_reviews SET explanation_id = (SELECT e.id FROM explanations e WHERE"
            " e.model_hash = explanation_reviews.model_hash AND e.corpus_hash = explanation_reviews.corpus_hash"
            " AND e.layer = explanation_reviews.layer AND e.neuron_index = explanation_reviews.neuron_index"
            " AND e.created_at <= explanation_reviews.created_at ORDER BY e.id DESC LIMIT 1)"
            " WHERE explanation_id IS NULL OR explanation_id = 0",
            "CREATE INDEX IF NOT EXISTS explanations_latest ON explanations (model_hash, corpus_hash, layer, neuron_index, id)",
            "CREATE INDEX IF NOT EXISTS reviews_by_run ON explanation_reviews (explanation_id)",
        },
        {  // 6 -> 7: runs a failing LLM server cut short, kept apart; the LLM simulator's predictions
            "ALTER TABLE explanations ADD COLUMN partial INTEGER NOT NULL DEFAULT 0",
            "CREATE TABLE llm_simulations ("
            " key TEXT PRIMARY KEY, activations BLOB NOT NULL, created_at TEXT NOT NULL)",
        },
    };
    return steps;
}

}  // namespace

CacheDb::~CacheDb() {
    { QSqlDatabase::database(m_connection, false).close(); }
    QSqlDatabase::removeDatabase(m_connection);
}

Expected<std::unique_ptr<CacheDb>> CacheDb::open(const QString& path, Access access) {
    std::unique_ptr<CacheDb> db(new CacheDb());
    db->m_path = path;
    db->m_readOnly = access == Access::ReadOnly;
    db->m_connection = QStringLiteral("ns-cache-%1").arg(g_connections.fetch_add(1));
    const QFileInfo info(path);
    const bool existed = info.exists();
    if (db->m_readOnly && !existed) return makeError(QStringLiteral("%1: no such cache file").arg(path));
    if (!db->m_readOnly && !QDir().mkpath(info.absolutePath()))
        return makeError(QStringLiteral("%1: cannot create the cache directory").arg(info.absolutePath()));
    QString options = QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(kLockWaitSeconds * 1000);
    QString name = path;
    if (db->m_readOnly) {
        options += QStringLiteral(";QSQLITE_OPEN_READONLY");
        // A WAL database needs its -shm file; in a directory nobody may write, with no writer
        // (no -wal file), the file cannot change and SQLite may read it as immutable.
        if (!QFileInfo(info.absolutePath()).isWritable() && !QFileInfo::exists(path + QStringLiteral("-wal"))) {
            options += QStringLiteral(";QSQLITE_OPEN_URI");
            name = QUrl::fromLocalFile(info.absoluteFilePath()).toString(QUrl::FullyEncoded) + QStringLiteral("?immutable=1");
        }
    }
    auto discard = [&](const QString& message) {
        if (!existed) {  // a failed first run leaves no empty cache behind
            { QSqlDatabase::database(db->m_connection, false).close(); }
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) QFile::remove(path + QLatin1String(suffix));
        }
        return makeError(message);
    };
    {
        QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), db->m_connection);
        sql.setDatabaseName(name);
        sql.setConnectOptions(options);
        if (!sql.open()) return discard(QStringLiteral("%1: cannot open the cache: %2").arg(path, describeSqlError(sql.lastError())));
    }
    if (auto r = db->prepare(); !r) return discard(r.error());
    return db;
}

Expected<void> CacheDb::beginWrite() {
    if (m_readOnly) return makeError(QStringLiteral("%1: the cache was opened read-only").arg(m_path));
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return makeError(QStringLiteral("%1: cannot start writing: %2").arg(m_path, describeSqlError(q.lastError())));
    return {};
}

Expected<void> CacheDb::prepare() {
    QSqlDatabase sql = QSqlDatabase::database(m_connection);
    QSqlQuery q(sql);
    auto fail = [&](const QString& what) {
        return makeError(QStringLiteral("%1: %2. The file is left untouched; move it away or choose another cache file (--db).")
                             .arg(m_path, what));
    };
    if (!q.exec(QStringLiteral("PRAGMA application_id")) || !q.next()) {
        const int primary = q.lastError().nativeErrorCode().toInt() & 0xFF;
        if (primary == 5 || primary == 6 || primary == 8 || primary == 14)
            return makeError(QStringLiteral("%1: %2").arg(m_path, describeSqlError(q.lastError())));
        return fail(QStringLiteral("not a readable SQLite database (%1)").arg(q.lastError().text()));
    }
    const int appId = q.value(0).toInt();
    q.exec(QStringLiteral("PRAGMA user_version"));
    q.next();
    const int version = q.value(0).toInt();
    q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"));
    q.next();
    const int objects = q.value(0).toInt();
    const bool fresh = objects == 0 && appId == 0 && version == 0;
    if (!fresh && appId != kApplicationId) return fail(QStringLiteral("this SQLite database is not a NeuronScope cache"));
    if (version > kSchemaVersion)
        return fail(QStringLiteral("the cache was written by a newer NeuronScope (schema %1; this version reads up to %2)")
                        .arg(version).arg(kSchemaVersion));
    if (!fresh) {
        if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next() || q.value(0).toString() != QLatin1String("ok"))
            return fail(QStringLiteral("the database is damaged (%1)")
                            .arg(q.isValid() ? q.value(0).toString() : q.lastError().text()));
        // Every table this version's schema has must be there (a dropped one would fail later as
        // an obscure statement error).
        for (int v = 0; v < std::min(version, kSchemaVersion); ++v) {
            for (const char* stmt : migrations()[static_cast<size_t>(v)]) {
                const QString text = QString::fromLatin1(stmt);
                if (!text.startsWith(QLatin1String("CREATE TABLE "))) continue;
                const QString table = text.mid(13).section(QLatin1Char(' '), 0, 0);
                q.prepare(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"));
                q.addBindValue(table);
                if (!q.exec() || !q.next() || q.value(0).toInt() != 1)
                    return fail(QStringLiteral("the database is damaged (its table %1 is missing)").arg(table));
            }
        }
    }
    if (m_readOnly) {
        if (fresh) return fail(QStringLiteral("the file is empty, not a NeuronScope cache yet"));
        if (version < kSchemaVersion)
            return fail(QStringLiteral("the cache has schema %1 and needs an upgrade to %2, which a read-only command does not do; "
                                       "run a command that writes to it (mine, explain) once").arg(version).arg(kSchemaVersion));
        return {};
    }
    q.exec(QStringLiteral("PRAGMA journal_mode=WAL"));
    q.exec(QStringLiteral("PRAGMA foreign_keys=ON"));
    q.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    if (version == kSchemaVersion) return {};

    if (auto begun = beginWrite(); !begun) return Error{begun.error()};
    for (int v = version; v < kSchemaVersion; ++v) {
        for (const char* stmt : migrations()[static_cast<size_t>(v)]) {
            if (!q.exec(QString::fromLatin1(stmt))) {
                const QString err = q.lastError().text();
                sql.rollback();
                return fail(QStringLiteral("schema upgrade to version %1 failed: %2").arg(v + 1).arg(err));
            }
        }
    }
    q.exec(QStringLiteral("PRAGMA application_id = %1").arg(kApplicationId));
    q.exec(QStringLiteral("PRAGMA user_version = %1").arg(kSchemaVersion));
    if (!sql.commit()) return fail(QStringLiteral("cannot write the schema: ") + sql.lastError().text());
    return {};
}

Expected<std::optional<MinedLayerInfo>> CacheDb::findLayer(const LayerKey& key) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, tokens, windows, documents, seconds, created_at FROM mined_layers "
                             "WHERE model_hash = ? AND corpus_hash = ? AND layer = ? AND options = ?"));
    q.addBindValue(key.modelHash);
    q.addBindValue(key.corpusHash);
    q.addBindValue(key.layer);
    q.addBindValue(key.options);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    if (!q.next()) return std::optional<MinedLayerInfo>{};
    MinedLayerInfo info;
    info.id = q.value(0).toLongLong();
    info.tokens = q.value(1).toLongLong();
    info.windows = q.value(2).toLongLong();
    info.documents = q.value(3).toLongLong();
    info.seconds = q.value(4).toDouble();
    info.createdAt = q.value(5).toString();
    return std::optional<MinedLayerInfo>(info);
}

Error CacheDb::rollBack(const QSqlQuery& failed) {
    const QString err = describeSqlError(failed.lastError());
    QSqlDatabase::database(m_connection).rollback();
    return makeError(QStringLiteral("%1: cannot write the cache: %2").arg(m_path, err));
}

Expected<int64_t> CacheDb::storeLayer(const LayerKey& key, const LayerRecords& records, const QString& modelDir,
                                      const QString& corpusPath) {
    // Compressing a layer's records takes seconds: do it on every core, before the write lock.
    std::vector<QByteArray> blobs(records.neurons.size());
    {
        std::atomic<size_t> next{0};
        auto encode = [&] {
            for (size_t i; (i = next++) < blobs.size();) blobs[i] = encodeRecord(records.neurons[i]);
        };
        std::vector<std::thread> workers;
        for (int t = 1; t < std::max(1, QThread::idealThreadCount()); ++t) workers.emplace_back(encode);
        encode();
        for (auto& w : workers) w.join();
    }
    QSqlDatabase sql = QSqlDatabase::database(m_connection);
    auto fail = [&](const QSqlQuery& q) { return rollBack(q); };
    if (auto begun = beginWrite(); !begun) return Error{begun.error()};
    QSqlQuery q(sql);
    q.prepare(QStringLiteral("DELETE FROM mined_layers WHERE model_hash = ? AND corpus_hash = ? AND layer = ? AND options = ?"));
    for (const QVariant& v : {QVariant(key.modelHash), QVariant(key.corpusHash), QVariant(key.layer), QVariant(key.options)})
        q.addBindValue(v);
    if (!q.exec()) return fail(q);
    q.prepare(QStringLiteral("INSERT INTO mined_layers (model_hash, corpus_hash, layer, options, model_dir, corpus_path,"
                             " tokens, windows, documents, seconds, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"));
    for (const QVariant& v : {QVariant(key.modelHash), QVariant(key.corpusHash), QVariant(key.layer), QVariant(key.options),
                              QVariant(modelDir), QVariant(corpusPath), QVariant(qint64(records.tokens)),
                              QVariant(qint64(records.windows)), QVariant(qint64(records.documents)),
                              QVariant(records.seconds), QVariant(QDateTime::currentDateTimeUtc().toString(Qt::ISODate))})
        q.addBindValue(v);
    if (!q.exec()) return fail(q);
    const int64_t layerId = q.lastInsertId().toLongLong();
    q.prepare(QStringLiteral("INSERT INTO neuron_records (layer_id, neuron, max_activation, mean, std, firing_rate, record)"
                             " VALUES (?,?,?,?,?,?,?)"));
    for (size_t i = 0; i < records.neurons.size(); ++i) {
        const NeuronRecord& r = records.neurons[i];
        q.addBindValue(qint64(layerId));
        q.addBindValue(r.neuron);
        q.addBindValue(r.stats.max);
        q.addBindValue(r.stats.mean);
        q.addBindValue(r.stats.std);
        q.addBindValue(r.stats.firingRate);
        q.addBindValue(blobs[i]);
        if (!q.exec()) return fail(q);
    }
    if (!sql.commit()) return makeError(QStringLiteral("%1: cannot commit: %2").arg(m_path, describeSqlError(sql.lastError())));
    return layerId;
}

Expected<int64_t> CacheDb::storeExplanation(const StoredExplanation& e) {
    QSqlDatabase sql = QSqlDatabase::database(m_connection);
    auto fail = [&](const QSqlQuery& q) { return rollBack(q); };
    if (auto begun = beginWrite(); !begun) return Error{begun.error()};
    QSqlQuery q(sql);
    // A run's id names it for good: decisions refer to it. SQLite would give a replacement the
    // id of the run it replaces (the largest one), so the new id is past every id in use and
    // every id a decision names.
    if (!q.exec(QStringLiteral("SELECT MAX(COALESCE((SELECT MAX(id) FROM explanations), 0),"
                               " COALESCE((SELECT MAX(explanation_id) FROM explanation_reviews), 0))")) || !q.next())
        return fail(q);
    const qint64 newId = q.value(0).toLongLong() + 1;
    q.prepare(QStringLiteral("DELETE FROM explanations WHERE key = ?"));
    q.addBindValue(e.key);
    if (!q.exec()) return fail(q);
    const nlohmann::json& r = e.result;
    q.prepare(QStringLiteral("INSERT INTO explanations (id, key, neuron, layer, neuron_index, model_hash, corpus_hash, backend,"
                             " parameters, seed, score, baseline_score, random_score, result, splits, transcript, seconds,"
                             " created_at, length, baseline_length, baseline_per_mode_budget_score, mode_count, mode_texts, partial)"
                             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    // What the browser lists, kept beside the result so that listing a layer parses no run.
    QStringList modeTexts;
    const nlohmann::json modes = r.value("modes", nlohmann::json::array());
    for (const auto& m : modes)
        if (m.is_object()) modeTexts << QString::fromStdString(m.value("explanation", std::string()));
    auto text = [](const nlohmann::json& j) {
        return QString::fromStdString(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    };
    // A partial run's test scores may be null.
    auto number = [&r](const char* key) { return r.contains(key) && r[key].is_number() ? QVariant(r[key].get<double>()) : QVariant(); };
    for (const QVariant& v : {QVariant(newId), QVariant(e.key), QVariant(QString::fromStdString(r.value("neuron", std::string()))),
                              e.layer >= 0 ? QVariant(e.layer) : QVariant(), e.neuron >= 0 ? QVariant(e.neuron) : QVariant(),
                              QVariant(e.modelHash), QVariant(e.corpusHash),
                              QVariant(QString::fromStdString(r.value("backend", std::string()))),
                              QVariant(text(r.value("parameters", nlohmann::json::object()))),
                              QVariant(qint64(r.value("seed", uint64_t(0)))), number("score"), number("baseline_score"), number("random_score"),
                              QVariant(text(r)), QVariant(text(e.splits)), QVariant(qCompress(text(e.transcript).toUtf8())),
                              QVariant(r.value("seconds", 0.0)), QVariant(QDateTime::currentDateTimeUtc().toString(Qt::ISODate)),
                              r.contains("length") ? QVariant(r.value("length", 0)) : QVariant(),
                              r.contains("baseline_length") ? QVariant(r.value("baseline_length", 0)) : QVariant(),
                              number("baseline_per_mode_budget_score"),
                              QVariant(static_cast<int>(modes.size())), QVariant(modeTexts.join(QLatin1Char('\n'))),
                              QVariant(e.partial ? 1 : 0)})
        q.addBindValue(v);
    if (!q.exec()) return fail(q);
    const int64_t id = newId;
    q.prepare(QStringLiteral("INSERT INTO explanation_iterations (explanation_id, iteration, valid_score, mode_scores, change,"
                             " kept, modes) VALUES (?,?,?,?,?,?,?)"));
    for (const auto& it : r.value("iterations", nlohmann::json::array())) {
        q.addBindValue(qint64(id));
        q.addBindValue(it.value("index", 0));
        q.addBindValue(it.value("valid_score", 0.0));
        q.addBindValue(text(it.value("mode_scores", nlohmann::json::array())));
        q.addBindValue(QString::fromStdString(it.value("change", std::string())));
        q.addBindValue(it.value("kept", false) ? 1 : 0);
        q.addBindValue(text(it.value("modes", nlohmann::json::array())));
        if (!q.exec()) return fail(q);
    }
    if (!sql.commit()) return makeError(QStringLiteral("%1: cannot commit: %2").arg(m_path, describeSqlError(sql.lastError())));
    return id;
}

Expected<std::optional<StoredExplanation>> CacheDb::findExplanation(const QString& key) {
    return queryExplanation(QStringLiteral("key = ?"), {key});
}

Expected<std::optional<StoredExplanation>> CacheDb::explanationById(int64_t id) {
    return queryExplanation(QStringLiteral("id = ?"), {QVariant(qint64(id))});
}

Expected<std::optional<StoredExplanation>> CacheDb::latestExplanation(const QString& modelHash, const QString& corpusHash, int layer,
                                                                      int neuron) {
    return queryExplanation(QStringLiteral("model_hash = ? AND corpus_hash = ? AND layer = ? AND neuron_index = ? ORDER BY id DESC LIMIT 1"),
                            {modelHash, corpusHash, layer, neuron});
}

Expected<std::optional<StoredExplanation>> CacheDb::queryExplanation(const QString& where, const QVariantList& values) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, key, layer, neuron_index, model_hash, corpus_hash, result, splits, transcript, created_at,"
                             " partial FROM explanations WHERE ") + where);
    for (const QVariant& v : values) q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    if (!q.next()) return std::optional<StoredExplanation>{};
    StoredExplanation e;
    e.id = q.value(0).toLongLong();
    e.key = q.value(1).toString();
    e.layer = q.value(2).isNull() ? -1 : q.value(2).toInt();
    e.neuron = q.value(3).isNull() ? -1 : q.value(3).toInt();
    e.modelHash = q.value(4).toString();
    e.corpusHash = q.value(5).toString();
    e.createdAt = q.value(9).toString();
    e.partial = q.value(10).toInt() != 0;
    const QByteArray transcript = qUncompress(q.value(8).toByteArray());
    e.result = nlohmann::json::parse(q.value(6).toString().toStdString(), nullptr, false);
    e.splits = nlohmann::json::parse(q.value(7).toString().toStdString(), nullptr, false);
    e.transcript = nlohmann::json::parse(transcript.toStdString(), nullptr, false);
    if (e.result.is_discarded() || !e.result.is_object() || e.splits.is_discarded() || e.transcript.is_discarded())
        return makeError(QStringLiteral("%1: the cached explanation %2 is damaged; run again with --recompute").arg(m_path).arg(e.id));
    return std::optional<StoredExplanation>(std::move(e));
}

Expected<CacheDb::MergeCounts> CacheDb::mergeFrom(const QString& otherPath) {
    {
        // The other file must be a sound NeuronScope cache, brought up to this schema first.
        auto other = CacheDb::open(otherPath);
        if (!other) return Error{other.error()};
    }
    QSqlDatabase sql = QSqlDatabase::database(m_connection);
    QSqlQuery q(sql);
    q.prepare(QStringLiteral("ATTACH DATABASE ? AS src"));
    q.addBindValue(otherPath);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read it for merging: %2").arg(otherPath, q.lastError().text()));
    MergeCounts counts;
    auto run = [&](const QString& stmt, int* counted) -> bool {
        if (!q.exec(stmt)) return false;
        if (counted) *counted += q.numRowsAffected();
        return true;
    };
    const bool ok =
        beginWrite().ok() &&
        run(QStringLiteral("INSERT INTO mined_layers (model_hash, corpus_hash, layer, options, model_dir, corpus_path, tokens,"
                           " windows, documents, seconds, created_at) SELECT s.model_hash, s.corpus_hash, s.layer, s.options,"
                           " s.model_dir, s.corpus_path, s.tokens, s.windows, s.documents, s.seconds, s.created_at"
                           " FROM src.mined_layers s WHERE NOT EXISTS (SELECT 1 FROM mined_layers m WHERE m.model_hash = s.model_hash"
                           " AND m.corpus_hash = s.corpus_hash AND m.layer = s.layer AND m.options = s.options)"),
            &counts.layers) &&
        run(QStringLiteral("INSERT INTO neuron_records (layer_id, neuron, max_activation, mean, std, firing_rate, record)"
                           " SELECT m.id, r.neuron, r.max_activation, r.mean, r.std, r.firing_rate, r.record"
                           " FROM src.neuron_records r JOIN src.mined_layers s ON r.layer_id = s.id"
                           " JOIN mined_layers m ON m.model_hash = s.model_hash AND m.corpus_hash = s.corpus_hash"
                           " AND m.layer = s.layer AND m.options = s.options"
                           " WHERE NOT EXISTS (SELECT 1 FROM neuron_records x WHERE x.layer_id = m.id AND x.neuron = r.neuron)"),
            nullptr) &&
        // Merged runs take ids past every id in use or named by a decision, as storeExplanation does.
        run(QStringLiteral("INSERT INTO explanations (id, key, neuron, layer, neuron_index, model_hash, corpus_hash, backend, parameters,"
                           " seed, score, baseline_score, random_score, result, splits, transcript, seconds, created_at,"
                           " length, baseline_length, baseline_per_mode_budget_score, mode_count, mode_texts, partial)"
                           " SELECT MAX(COALESCE((SELECT MAX(id) FROM main.explanations), 0),"
                           " COALESCE((SELECT MAX(explanation_id) FROM main.explanation_reviews), 0)) + ROW_NUMBER() OVER (ORDER BY s.id),"
                           " key, neuron, layer, neuron_index, model_hash, corpus_hash, backend, parameters, seed, score,"
                           " baseline_score, random_score, result, splits, transcript, seconds, created_at,"
                           " length, baseline_length, baseline_per_mode_budget_score, mode_count, mode_texts, partial FROM src.explanations s"
                           " WHERE NOT EXISTS (SELECT 1 FROM explanations e WHERE e.key = s.key)"),
            &counts.explanations) &&
        run(QStringLiteral("INSERT INTO explanation_iterations (explanation_id, iteration, valid_score, mode_scores, change, kept, modes)"
                           " SELECT e.id, i.iteration, i.valid_score, i.mode_scores, i.change, i.kept, i.modes"
                           " FROM src.explanation_iterations i JOIN src.explanations s ON i.explanation_id = s.id"
                           " JOIN explanations e ON e.key = s.key WHERE NOT EXISTS (SELECT 1 FROM explanation_iterations x"
                           " WHERE x.explanation_id = e.id AND x.iteration = i.iteration)"),
            nullptr) &&
        run(QStringLiteral("INSERT INTO explanation_reviews (model_hash, corpus_hash, layer, neuron_index, mode, status, text, pattern,"
                           " score, author, created_at, explanation_id) SELECT s.model_hash, s.corpus_hash, s.layer, s.neuron_index,"
                           " s.mode, s.status, s.text, s.pattern, s.score, s.author, s.created_at,"
                           " (SELECT e.id FROM explanations e JOIN src.explanations se ON se.key = e.key WHERE se.id = s.explanation_id)"
                           " FROM src.explanation_reviews s"
                           " WHERE NOT EXISTS (SELECT 1 FROM explanation_reviews r WHERE r.model_hash = s.model_hash"
                           " AND r.corpus_hash = s.corpus_hash AND r.layer = s.layer AND r.neuron_index = s.neuron_index"
                           " AND r.mode = s.mode AND r.status = s.status AND r.text = s.text AND r.author = s.author"
                           " AND r.created_at = s.created_at)"),
            &counts.reviews) &&
        run(QStringLiteral("INSERT OR IGNORE INTO imported_explanations (model_hash, corpus_hash, layer, neuron_index, format, origin,"
                           " explainer, text, reported_score, score, simulated_by, note, seed, created_at)"
                           " SELECT model_hash, corpus_hash, layer, neuron_index, format, origin, explainer, text, reported_score,"
                           " score, simulated_by, note, seed, created_at FROM src.imported_explanations"),
            &counts.imported) &&
        run(QStringLiteral("INSERT OR IGNORE INTO llm_simulations (key, activations, created_at)"
                           " SELECT key, activations, created_at FROM src.llm_simulations"),
            nullptr) &&
        sql.commit();
    const QString error = q.lastError().text().isEmpty() ? sql.lastError().text() : q.lastError().text();
    if (!ok) sql.rollback();
    QSqlQuery(sql).exec(QStringLiteral("DETACH DATABASE src"));
    if (!ok) return makeError(QStringLiteral("%1: merging %2 failed, nothing was changed: %3").arg(m_path, otherPath, error));
    return counts;
}

Expected<QString> CacheDb::integrityCheck() {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    if (!q.exec(QStringLiteral("PRAGMA integrity_check")) || !q.next())
        return makeError(QStringLiteral("%1: cannot check: %2").arg(m_path, q.lastError().text()));
    return q.value(0).toString();
}

Expected<NeuronRecord> CacheDb::loadNeuron(int64_t layerId, int neuron) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT record FROM neuron_records WHERE layer_id = ? AND neuron = ?"));
    q.addBindValue(qint64(layerId));
    q.addBindValue(neuron);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    if (!q.next()) return makeError(QStringLiteral("%1: neuron %2 is not in the cached layer").arg(m_path).arg(neuron));
    auto r = decodeRecord(q.value(0).toByteArray());
    if (!r) return makeError(QStringLiteral("%1: %2").arg(m_path, r.error()));
    return r;
}

Expected<std::vector<NeuronSummary>> CacheDb::neuronSummaries(int64_t layerId) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT neuron, max_activation, mean, std, firing_rate FROM neuron_records"
                             " WHERE layer_id = ? ORDER BY neuron"));
    q.addBindValue(qint64(layerId));
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    std::vector<NeuronSummary> out;
    while (q.next())
        out.push_back({q.value(0).toInt(), q.value(1).toDouble(), q.value(2).toDouble(), q.value(3).toDouble(), q.value(4).toDouble()});
    return out;
}

}  // namespace ns
