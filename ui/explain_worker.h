#pragma once

#include "agents/explain_session.h"
#include "agents/orchestrator.h"
#include "interchange/import_scoring.h"
#include "settings.h"
#include "store/cache_db.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace ns {

class Backend;
class CacheDb;
class LanguageModel;

using ModeList = std::vector<ModeExplanation>;

/// The long jobs of the explorer, on a thread of their own: mining a layer, running the agent
/// loop, keeping decisions (with their scores), import and export. It opens its own connection
/// to the cache (SQLite connections belong to a thread) and reports by queued signals carrying
/// values; every event names its job or its target. Jobs run in the order issued.
class ExplainWorker : public QObject {
    Q_OBJECT
public:
    ExplainWorker(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath);
    ~ExplainWorker() override;
    /// A new job's id, to pass to the slot that runs it. Any thread.
    qint64 issueJob();
    /// Cancels the running job and every job issued so far that has not started yet (a job
    /// issued later runs). Any thread.
    void cancel();
    /// The loop options for the backend in the settings (the cache key depends on them).
    LoopOptions loopOptions() const;

public Q_SLOTS:
    /// Backend, threads and k from the settings; applied before the next job.
    void applySettings(const ns::ExplorerSettings& settings);
    void mineLayer(qint64 job, int layer);
    void explain(qint64 job, const ns::ExplainTarget& target, bool recompute);
    /// Keeps a person's decision about the run review.explanationId. With `rescore`, `modes`
    /// (the whole explanation with this decision in it) are first scored on the test split
    /// stored with that run; text-only modes through the LLM simulator when that backend is set.
    void decide(qint64 job, const ns::ExplainTarget& target, const ns::Review& review, const ns::ModeList& modes, bool rescore);
    /// Reads, scores and stores explanations other tools wrote (format detected from the file).
    void importExplanations(qint64 job, const QString& path);
    /// Writes a mined layer's `neurons` (empty: all) in `format` (csv, json, openai,
    /// neuronpedia) to `path` (a directory for openai).
    void exportLayer(qint64 job, int layer, const QList<int>& neurons, const QString& format, const QString& path,
                     const QString& neuronpediaModel, const QString& neuronpediaSource);

Q_SIGNALS:
    void jobStarted(qint64 job);
    /// The last signal of every job, whatever its end.
    void jobFinished(qint64 job);
    /// A job cancelled before it started, or stopped by Cancel.
    void cancelled(qint64 job);
    void progress(qint64 job, int percent, const QString& what);
    void layerReady(qint64 job, int layer);
    void loopEvent(const ns::ExplainTarget& target, const ns::LoopEvent& event);
    void explained(const ns::ExplainTarget& target, const ns::LoopResult& result, bool fromCache);
    /// The decision as kept (with its id and score).
    void decided(const ns::ExplainTarget& target, const ns::Review& review);
    void failed(qint64 job, const QString& message);
    void imported(qint64 job, const ns::ImportRun& run);
    void exported(qint64 job, const QString& message);

private:
    /// Starts `job`: false (and `cancelled` emitted) when Cancel was pressed after it was issued.
    bool begin(qint64 job);
    bool open(qint64 job);
    Backend* textSimulator();

    std::shared_ptr<const LanguageModel> m_model;
    QString m_corpus, m_dbPath;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    std::unique_ptr<Backend> m_backend;
    std::atomic<bool> m_cancel{false};
    std::mutex m_jobMutex;  ///< orders issueJob, cancel and begin
    qint64 m_lastIssued = 0, m_cancelledThrough = 0;
    ExplorerSettings m_settings;
};

}  // namespace ns

Q_DECLARE_METATYPE(ns::LoopEvent)
Q_DECLARE_METATYPE(ns::LoopResult)
Q_DECLARE_METATYPE(ns::ExplainTarget)
Q_DECLARE_METATYPE(ns::Review)
Q_DECLARE_METATYPE(ns::ModeList)
Q_DECLARE_METATYPE(ns::ImportRun)
Q_DECLARE_METATYPE(ns::ExplorerSettings)
