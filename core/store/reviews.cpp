// CacheDb's decisions about runs (schema 3, tied to their run since schema 6) and the browser's
// list built from them.
#include "store/cache_db.h"
#include "store/decisions.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <map>

namespace ns {

Expected<std::vector<CacheDb::ExplainedNeuron>> CacheDb::explainedNeurons(const QString& modelHash, const QString& corpusHash, int layer) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.setForwardOnly(true);
    // The latest run of each neuron, from the columns kept beside the result.
    q.prepare(QStringLiteral("SELECT e.neuron_index, e.id, e.score, e.mode_count, e.mode_texts FROM explanations e"
                             " WHERE e.model_hash = ? AND e.corpus_hash = ? AND e.layer = ? AND e.id = (SELECT MAX(x.id)"
                             " FROM explanations x WHERE x.model_hash = e.model_hash AND x.corpus_hash = e.corpus_hash"
                             " AND x.layer = e.layer AND x.neuron_index = e.neuron_index)"));
    for (const QVariant& v : {QVariant(modelHash), QVariant(corpusHash), QVariant(layer)}) q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    std::map<int, ExplainedNeuron> latest;
    std::map<int, int64_t> runOf;
    while (q.next()) {
        ExplainedNeuron n;
        n.neuron = q.value(0).toInt();
        runOf[n.neuron] = q.value(1).toLongLong();
        n.score = q.value(2).toDouble();
        n.modes = q.value(3).toInt();
        n.explanation = q.value(4).toString().trimmed();
        n.status = QStringLiteral("explained");
        latest[n.neuron] = n;
    }
    // What people decided about those runs, in one query for the layer.
    q.prepare(QStringLiteral("SELECT neuron_index, explanation_id, mode, status, text FROM explanation_reviews"
                             " WHERE model_hash = ? AND corpus_hash = ? AND layer = ? ORDER BY id"));
    for (const QVariant& v : {QVariant(modelHash), QVariant(corpusHash), QVariant(layer)}) q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    std::map<int, std::vector<Review>> decided;
    while (q.next()) {
        Review r;
        r.neuron = q.value(0).toInt();
        r.explanationId = q.value(1).toLongLong();
        r.mode = q.value(2).toInt();
        r.status = q.value(3).toString();
        r.text = q.value(4).toString();
        decided[r.neuron].push_back(std::move(r));
    }
    std::vector<ExplainedNeuron> out;
    for (auto& [neuron, n] : latest) {
        const auto perMode = latestDecisions(static_cast<size_t>(std::max(0, n.modes)), decided[neuron], runOf[neuron]);
        n.status = neuronStatus(perMode);
        n.decisions = summarizeDecisions(perMode);
        for (const Review& r : perMode)
            if (r.status == decision::edited) n.explanation += QLatin1Char('\n') + r.text;
        out.push_back(std::move(n));
    }
    return out;
}

Expected<int64_t> CacheDb::addReview(const Review& r) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("INSERT INTO explanation_reviews (model_hash, corpus_hash, layer, neuron_index, mode, status, text,"
                             " pattern, score, author, created_at, explanation_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
    for (const QVariant& v : {QVariant(r.modelHash), QVariant(r.corpusHash), QVariant(r.layer), QVariant(r.neuron), QVariant(r.mode),
                              QVariant(r.status), QVariant(r.text), r.pattern.isEmpty() ? QVariant() : QVariant(r.pattern),
                              r.scored ? QVariant(r.score) : QVariant(), QVariant(r.author),
                              QVariant(r.createdAt.isEmpty() ? QDateTime::currentDateTimeUtc().toString(Qt::ISODate) : r.createdAt),
                              QVariant(qint64(r.explanationId))})
        q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot write the cache: %2").arg(m_path, q.lastError().text()));
    return q.lastInsertId().toLongLong();
}

Expected<std::vector<Review>> CacheDb::reviews(const QString& modelHash, const QString& corpusHash, int layer, int neuron) {
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT id, mode, status, text, pattern, score, author, created_at, explanation_id FROM explanation_reviews"
                             " WHERE model_hash = ? AND corpus_hash = ? AND layer = ? AND neuron_index = ? ORDER BY id"));
    for (const QVariant& v : {QVariant(modelHash), QVariant(corpusHash), QVariant(layer), QVariant(neuron)}) q.addBindValue(v);
    if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
    std::vector<Review> out;
    while (q.next()) {
        Review r;
        r.id = q.value(0).toLongLong();
        r.modelHash = modelHash;
        r.corpusHash = corpusHash;
        r.layer = layer;
        r.neuron = neuron;
        r.mode = q.value(1).toInt();
        r.status = q.value(2).toString();
        r.text = q.value(3).toString();
        r.pattern = q.value(4).toString();
        r.scored = !q.value(5).isNull();
        r.score = q.value(5).toDouble();
        r.author = q.value(6).toString();
        r.createdAt = q.value(7).toString();
        r.explanationId = q.value(8).toLongLong();
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace ns
