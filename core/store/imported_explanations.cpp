// CacheDb's imported explanations (schema 4).
#include "store/cache_db.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace ns {
namespace {

QVariant optional(const std::optional<double>& v) { return v ? QVariant(*v) : QVariant(); }
std::optional<double> optional(const QVariant& v) { return v.isNull() ? std::nullopt : std::optional<double>(v.toDouble()); }

}  // namespace

Expected<int64_t> CacheDb::storeImported(const ImportedExplanation& e) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("INSERT OR REPLACE INTO imported_explanations (model_hash, corpus_hash, layer, neuron_index, format, origin,"
                             " explainer, text, reported_score, score, simulated_by, note, seed, created_at)"
                             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    for (const QVariant& v : {QVariant(e.modelHash), QVariant(e.corpusHash), QVariant(e.layer), QVariant(e.neuron), QVariant(e.format),
                              QVariant(e.origin), QVariant(e.explainer), QVariant(e.text), optional(e.reportedScore), optional(e.score),
                              QVariant(e.simulatedBy), QVariant(e.note), QVariant(qulonglong(e.seed)),
                              QVariant(e.createdAt.isEmpty() ? QDateTime::currentDateTimeUtc().toString(Qt::ISODate) : e.createdAt)})
        q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot write the cache: %2").arg(m_path, q.lastError().text()));
    return q.lastInsertId().toLongLong();
}

Expected<std::vector<ImportedExplanation>> CacheDb::importedExplanations(const QString& modelHash, const QString& corpusHash, int layer,
                                                                        int neuron) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, format, origin, explainer, text, reported_score, score, simulated_by, note, seed, created_at"
                             " FROM imported_explanations WHERE model_hash = ? AND corpus_hash = ? AND layer = ? AND neuron_index = ?"
                             " ORDER BY created_at DESC, id DESC"));
    for (const QVariant& v : {QVariant(modelHash), QVariant(corpusHash), QVariant(layer), QVariant(neuron)}) q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    std::vector<ImportedExplanation> out;
    while (q.next()) {
        ImportedExplanation e;
        e.id = q.value(0).toLongLong();
        e.modelHash = modelHash;
        e.corpusHash = corpusHash;
        e.layer = layer;
        e.neuron = neuron;
        e.format = q.value(1).toString();
        e.origin = q.value(2).toString();
        e.explainer = q.value(3).toString();
        e.text = q.value(4).toString();
        e.reportedScore = optional(q.value(5));
        e.score = optional(q.value(6));
        e.simulatedBy = q.value(7).toString();
        e.note = q.value(8).toString();
        e.seed = q.value(9).toULongLong();
        e.createdAt = q.value(10).toString();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace ns
