#pragma once

#include "agents/orchestrator.h"
#include "settings.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace ns {

class Backend;
class CacheDb;
class ExplainSession;
class LanguageModel;

/// The long jobs of the explorer, on a thread of their own: mining a layer and running the
/// agent loop. It opens its own connection to the cache (SQLite connections belong to a
/// thread) and reports by queued signals carrying values. cancel() may be called from any
/// thread.
class ExplainWorker : public QObject {
    Q_OBJECT
public:
    ExplainWorker(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath);
    ~ExplainWorker() override;
    void cancel() { m_cancel = true; }
    /// The loop options for the backend in the settings (the cache key depends on them).
    LoopOptions loopOptions() const;

public Q_SLOTS:
    /// Backend, threads and k from the settings; applied before the next job.
    void applySettings(const ns::ExplorerSettings& settings);
    void mineLayer(int layer);
    /// specPath empty: the real neuron layer/neuron.
    void explain(int layer, int neuron, const QString& specPath, bool recompute);
    /// The test score of an edited explanation (modes: [{"text", "pattern"|null}]), text-only
    /// modes through the LLM simulator when that backend is set.
    void rescore(int request, int layer, int neuron, const QByteArray& modes, qulonglong seed);
    /// Reads, scores and stores explanations other tools wrote (format detected from the file).
    void importExplanations(const QString& path);
    /// Writes a mined layer's `neurons` (empty: all) in `format` (csv, json, openai,
    /// neuronpedia) to `path` (a directory for openai).
    void exportLayer(int layer, const QList<int>& neurons, const QString& format, const QString& path, const QString& neuronpediaModel,
                     const QString& neuronpediaSource);

Q_SIGNALS:
    void progress(int percent, const QString& what);
    void layerReady(int layer);
    void loopEvent(const ns::LoopEvent& event);
    void explained(const QByteArray& result, const QByteArray& transcript, bool fromCache);
    void failed(const QString& message);
    /// scored false: nothing could simulate a text-only mode ("not scored"); error non-empty: it failed.
    void rescored(int request, bool scored, double score, const QString& error);
    /// rows: a JSON array of importScoreToJson rows.
    void imported(const QByteArray& rows, const QString& format, bool stopped);
    void exported(const QString& message);

private:
    bool open();
    std::shared_ptr<const LanguageModel> m_model;
    QString m_corpus, m_dbPath;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    std::unique_ptr<Backend> m_backend;
    std::atomic<bool> m_cancel{false};
    ExplorerSettings m_settings;
};

}  // namespace ns

Q_DECLARE_METATYPE(ns::LoopEvent)
Q_DECLARE_METATYPE(ns::ExplorerSettings)
