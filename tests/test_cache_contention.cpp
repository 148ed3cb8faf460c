// The cache under contention and in unusual places: a finished result waits for another
// connection's lock instead of being lost to "database is locked" after 5 s; read-only use
// needs no write access; damaged and locked files get messages that say what is wrong.
#include "activations/miner.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <unistd.h>

#include "corpus_slice.h"

using namespace ns;

namespace {

/// Holds SQLite's exclusive lock on `path` from its own connection and thread for `holdMs`.
class LockHolder {
public:
    LockHolder(const QString& path, int holdMs) {
        m_thread = std::thread([this, path, holdMs] {
            const QString name = QStringLiteral("lock-holder");
            {
                QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                sql.setDatabaseName(path);
                if (sql.open()) {
                    QSqlQuery q(sql);
                    m_locked = q.exec(QStringLiteral("BEGIN EXCLUSIVE"));
                    m_ready = true;
                    std::this_thread::sleep_for(std::chrono::milliseconds(holdMs));
                    q.exec(QStringLiteral("COMMIT"));
                }
                m_ready = true;
                sql.close();
            }
            QSqlDatabase::removeDatabase(name);
        });
        while (!m_ready) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~LockHolder() { m_thread.join(); }
    bool locked() const { return m_locked; }

private:
    std::thread m_thread;
    std::atomic<bool> m_ready{false}, m_locked{false};
};

}  // namespace

class TestCacheContention final : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_corpus;
    std::shared_ptr<LanguageModel> m_model;
    std::optional<LayerRecords> m_records;

    LayerKey key(int layer = 0) const { return {m_model->fingerprint(), QStringLiteral("corpus"), layer, QStringLiteral("o")}; }

private Q_SLOTS:
    void initTestCase() {
        auto m = LanguageModel::load(QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32"));
        QVERIFY(m.ok());
        m_model = *m;
        m_corpus = writeCorpusSlice(m_dir, 3000);
        MineOptions o;
        o.layer = 0;
        o.windowTokens = 16;
        auto r = mineLayer(*m_model, m_corpus, o);
        QVERIFY(r.ok());
        m_records = std::move(*r);
    }

    // Another connection holds the lock past Qt's 5 s busy timeout: the write waits and lands.
    void aFinishedResultWaitsForTheLock() {
        const QString path = m_dir.filePath(QStringLiteral("contended.sqlite"));
        auto db = CacheDb::open(path);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
        QElapsedTimer timer;
        Expected<int64_t> stored = makeError(QString());
        {
            LockHolder holder(path, 6500);
            QVERIFY(holder.locked());
            timer.start();
            stored = (*db)->storeLayer(key(), *m_records, m_model->directory(), m_corpus);
        }
        QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error()));
        QVERIFY2(timer.elapsed() >= 5000, qPrintable(QString::number(timer.elapsed())));  // it did wait
        auto found = (*db)->findLayer(key());
        QVERIFY(found.ok() && found->has_value());
    }

    // A fresh file locked by someone else is opened once they let go, not called unreadable.
    void aLockedFreshFileIsWaitedFor() {
        const QString path = m_dir.filePath(QStringLiteral("fresh-locked.sqlite"));
        LockHolder holder(path, 1500);
        QVERIFY(holder.locked());
        auto db = CacheDb::open(path);
        QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error()));
    }

    void readOnlyAccess() {
        const QString path = m_dir.filePath(QStringLiteral("ro.sqlite"));
        {
            auto db = CacheDb::open(path);
            QVERIFY(db.ok());
            QVERIFY((*db)->storeLayer(key(), *m_records, m_model->directory(), m_corpus).ok());
        }
        auto ro = CacheDb::open(path, CacheDb::Access::ReadOnly);
        QVERIFY2(ro.ok(), qPrintable(ro.ok() ? QString() : ro.error()));
        QVERIFY((*ro)->readOnly());
        auto found = (*ro)->findLayer(key());
        QVERIFY(found.ok() && found->has_value());
        QVERIFY((*ro)->loadNeuron((*found)->id, 3).ok());
        auto write = (*ro)->storeLayer(key(1), *m_records, m_model->directory(), m_corpus);
        QVERIFY(!write.ok());
        QVERIFY2(write.error().contains(QStringLiteral("read-only")), qPrintable(write.error()));
        // Reading never creates a cache.
        const QString missing = m_dir.filePath(QStringLiteral("missing.sqlite"));
        auto none = CacheDb::open(missing, CacheDb::Access::ReadOnly);
        QVERIFY(!none.ok());
        QVERIFY2(none.error().contains(QStringLiteral("no such cache file")), qPrintable(none.error()));
        QVERIFY(!QFile::exists(missing));
    }

    // "a healthy cache in a read-only directory" read as "not a readable SQLite database", even
    // for `top`; a failed first run left an empty cache file. Run through the CLI as a user who
    // cannot write the directory (as root: user nobody, through setpriv).
    void readOnlyDirectory() {
        QStringList asUser;
        if (geteuid() == 0) {
            if (QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty()) QSKIP("running as root without setpriv to drop to nobody");
            asUser = {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups")};
        }
        QTemporaryDir dir;
        const QString corpus = dir.filePath(QStringLiteral("corpus.txt"));
        QVERIFY(QFile::copy(m_corpus, corpus));
        const QString model = QStringLiteral(NS_TEST_DATA_DIR "/tiny_gpt2_f32");
        auto cli = [&](const QStringList& args, bool dropPrivileges) {
            QProcess p;
            if (dropPrivileges && !asUser.isEmpty()) p.start(QStringLiteral("setpriv"), asUser + QStringList{QStringLiteral(NS_CLI_PATH)} + args);
            else p.start(QStringLiteral(NS_CLI_PATH), args);
            p.waitForFinished(120000);
            return std::make_pair(p.exitCode(), QByteArray(p.readAllStandardOutput() + p.readAllStandardError()));
        };
        const QStringList common{QStringLiteral("--model"), model, QStringLiteral("--corpus"), corpus, QStringLiteral("--layer"), QStringLiteral("0")};
        const QString cache = dir.filePath(QStringLiteral("c.sqlite"));
        QCOMPARE(cli(QStringList{QStringLiteral("mine"), QStringLiteral("--db"), cache} + common, false).first, 0);
        QFile::setPermissions(cache, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther | QFile::ReadGroup);
        QFile::setPermissions(corpus, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther | QFile::ReadGroup);
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner | QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup |
                                              QFile::ExeGroup);
        const auto top = cli(QStringList{QStringLiteral("top"), QStringLiteral("--db"), cache, QStringLiteral("--neuron"), QStringLiteral("3"),
                                         QStringLiteral("-k"), QStringLiteral("1")} + common, true);
        const QString fresh = dir.filePath(QStringLiteral("new.sqlite"));
        const auto mine = cli(QStringList{QStringLiteral("mine"), QStringLiteral("--db"), fresh} + common, true);
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY2(top.first == 0 && top.second.contains("\"exemplars\""), top.second.constData());
        QVERIFY2(mine.first == 1 && mine.second.contains("cannot open the cache"), mine.second.constData());
        QVERIFY(!QFile::exists(fresh));
    }

    // A dropped table used to surface as "Parameter count mismatch" from the first statement.
    void aMissingTableIsNamed() {
        const QString path = m_dir.filePath(QStringLiteral("dropped.sqlite"));
        { QVERIFY(CacheDb::open(path).ok()); }
        {
            QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("dropper"));
            sql.setDatabaseName(path);
            QVERIFY(sql.open());
            QSqlQuery q(sql);
            QVERIFY2(q.exec(QStringLiteral("DROP TABLE explanation_iterations")), qPrintable(q.lastError().text()));
            sql.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("dropper"));
        for (auto access : {CacheDb::Access::ReadWrite, CacheDb::Access::ReadOnly}) {
            auto db = CacheDb::open(path, access);
            QVERIFY(!db.ok());
            QVERIFY2(db.error().contains(QStringLiteral("explanation_iterations is missing")), qPrintable(db.error()));
        }
    }
};

QTEST_GUILESS_MAIN(TestCacheContention)
#include "test_cache_contention.moc"
