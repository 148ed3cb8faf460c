// CacheDb's store of the LLM simulator's predictions (schema 6), by a key of the simulator's
// settings and prompt, the explanation and the excerpt's tokens.
#include "store/cache_db.h"

#include <QDataStream>
#include <QIODevice>
#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace ns {
namespace {

QByteArray encode(const std::vector<float>& v) {
    QByteArray out;
    QDataStream s(&out, QIODevice::WriteOnly);
    s.setFloatingPointPrecision(QDataStream::SinglePrecision);
    s << static_cast<quint32>(v.size());
    for (float x : v) s << x;
    return out;
}

std::optional<std::vector<float>> decode(const QByteArray& bytes) {
    QDataStream s(bytes);
    s.setFloatingPointPrecision(QDataStream::SinglePrecision);
    quint32 n = 0;
    s >> n;
    if (s.status() != QDataStream::Ok || n > 1u << 20 || bytes.size() != static_cast<qsizetype>(4 + 4 * n)) return std::nullopt;
    std::vector<float> v(n);
    for (float& x : v) s >> x;
    if (s.status() != QDataStream::Ok) return std::nullopt;
    return v;
}

}  // namespace

Expected<std::map<QString, std::vector<float>>> CacheDb::findSimulations(const std::vector<QString>& keys) {
    std::map<QString, std::vector<float>> out;
    QSqlQuery q(QSqlDatabase::database(m_connection));
    q.prepare(QStringLiteral("SELECT activations FROM llm_simulations WHERE key = ?"));
    for (const QString& k : keys) {
        q.addBindValue(k);
        if (!q.exec()) return makeError(QStringLiteral("%1: cannot read the cache: %2").arg(m_path, q.lastError().text()));
        if (q.next())
            if (auto v = decode(q.value(0).toByteArray())) out[k] = std::move(*v);  // a damaged entry is simulated again
    }
    return out;
}

Expected<void> CacheDb::storeSimulations(const std::vector<std::pair<QString, std::vector<float>>>& simulations) {
    if (simulations.empty()) return {};
    QSqlDatabase sql = QSqlDatabase::database(m_connection);
    if (auto begun = beginWrite(); !begun) return Error{begun.error()};
    QSqlQuery q(sql);
    q.prepare(QStringLiteral("INSERT OR IGNORE INTO llm_simulations (key, activations, created_at) VALUES (?,?,?)"));
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    for (const auto& [key, values] : simulations) {
        q.addBindValue(key);
        q.addBindValue(encode(values));
        q.addBindValue(now);
        if (!q.exec()) return rollBack(q);
    }
    if (!sql.commit()) return makeError(QStringLiteral("%1: cannot commit: %2").arg(m_path, sql.lastError().text()));
    return {};
}

}  // namespace ns
