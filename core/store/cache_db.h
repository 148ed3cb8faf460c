#pragma once

#include "activations/miner.h"
#include "activations/neuron_record.h"
#include "store/decision_summary.h"
#include "util/expected.h"

#include <QString>
#include <QVariantList>

class QSqlQuery;

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace ns {

/// What identifies a mined layer: the model's files, the corpus's bytes, the layer and the
/// mining options.
struct LayerKey {
    QString modelHash;
    QString corpusHash;
    int layer = 0;
    QString options;
};

struct MinedLayerInfo {
    int64_t id = 0;
    int64_t tokens = 0;
    int64_t windows = 0;
    int64_t documents = 0;
    double seconds = 0;
    QString createdAt;
};

struct NeuronSummary {
    int neuron = 0;
    double maxActivation = 0;
    double mean = 0;
    double std = 0;
    double firingRate = 0;
};

/// One run of the agent loop as the cache keeps it: the result (explanations, patterns,
/// scores, every iteration, backend, parameters, seed), the exemplar splits and the transcript.
struct StoredExplanation {
    int64_t id = 0;
    QString key;          ///< what makes two runs the same (model, corpus, neuron, backend, options)
    int layer = -1;       ///< -1 for a calibration neuron
    int neuron = -1;
    QString modelHash, corpusHash, createdAt;
    nlohmann::json result, splits, transcript;
    /// Cut short by a failing backend (the result says why under "stopped"): shown, kept, but
    /// not an answer to a repeated run unless asked for.
    bool partial = false;
};

/// A person's decision about one mode's explanation: approved, edited (new text and maybe a
/// new pattern, re-scored when it can be) or rejected. Every decision is kept: the history.
struct Review {
    int64_t id = 0;
    QString modelHash, corpusHash;
    int layer = 0, neuron = 0, mode = 0;
    QString status;      ///< "approved", "edited", "rejected"
    QString text;        ///< the explanation as decided
    QString pattern;     ///< JSON of the pattern, when there is one
    bool scored = false; ///< false: "not scored" (an edited text nothing can simulate)
    double score = 0;    ///< test correlation of the whole explanation with this decision in it
    QString author;      ///< "person" or "agent"
    QString createdAt;
    int64_t explanationId = 0;  ///< the run it judged (StoredExplanation::id); 0: none still stored
};

/// An explanation another tool wrote (OpenAI automated-interpretability, Neuronpedia), as
/// imported and scored by NeuronScope's simulator on the neuron's test split.
struct ImportedExplanation {
    int64_t id = 0;
    QString modelHash, corpusHash;
    int layer = 0, neuron = 0;
    QString format;                      ///< "openai" or "neuronpedia"
    QString origin;                      ///< the file (and line) it came from
    QString explainer;                   ///< who wrote it, when the file says
    QString text;
    std::optional<double> reportedScore; ///< the score its file reports (that tool's simulator)
    std::optional<double> score;         ///< NeuronScope's test correlation of it
    QString simulatedBy;                 ///< "pattern", "llm", or empty: not scored
    QString note;                        ///< why it was not scored
    uint64_t seed = 0;                   ///< the split it was scored on
    QString createdAt;
};

/// The SQLite cache: WAL, a schema version with migrations, writes in transactions. A file
/// that is not a NeuronScope cache, is damaged, or comes from a newer schema is refused with a
/// clear error and never overwritten. Use an instance on the thread that opened it.
///
/// Under contention: a write takes the write lock first (BEGIN IMMEDIATE) and, like every
/// statement, waits up to kLockWaitSeconds for another process to release the file, so a long
/// computation is not lost to "database is locked". A cache opened ReadOnly is never written
/// (nor created, nor upgraded) and opens in a directory the user cannot write.
class CacheDb {
public:
    static constexpr int kSchemaVersion = 7;

    static constexpr int kLockWaitSeconds = 600;
    enum class Access { ReadWrite, ReadOnly };
    /// A file open() creates is removed again when it cannot be made a cache.
    static Expected<std::unique_ptr<CacheDb>> open(const QString& path, Access access = Access::ReadWrite);
    bool readOnly() const { return m_readOnly; }
    ~CacheDb();
    CacheDb(const CacheDb&) = delete;
    CacheDb& operator=(const CacheDb&) = delete;

    const QString& path() const { return m_path; }
    Expected<std::optional<MinedLayerInfo>> findLayer(const LayerKey& key);
    /// Stores a whole layer in one transaction (replacing an older entry with the same key).
    Expected<int64_t> storeLayer(const LayerKey& key, const LayerRecords& records,
                                 const QString& modelDir, const QString& corpusPath);
    Expected<NeuronRecord> loadNeuron(int64_t layerId, int neuron);
    /// Stores a run in one transaction, replacing an older one with the same key.
    Expected<int64_t> storeExplanation(const StoredExplanation& explanation);
    Expected<std::optional<StoredExplanation>> findExplanation(const QString& key);
    Expected<std::optional<StoredExplanation>> explanationById(int64_t id);
    Expected<int64_t> addReview(const Review& review);
    /// Keeps an imported explanation; importing the same text for the same neuron and format
    /// again replaces it (with its new score).
    Expected<int64_t> storeImported(const ImportedExplanation& imported);
    /// A neuron's imported explanations, most recent first.
    Expected<std::vector<ImportedExplanation>> importedExplanations(const QString& modelHash, const QString& corpusHash, int layer,
                                                                    int neuron);

    /// Copies everything of another cache file that this one lacks (mined layers, explanations
    /// with their iterations, decisions, imported explanations) in one transaction; what both
    /// have is kept once.
    struct MergeCounts {
        int layers = 0, explanations = 0, reviews = 0, imported = 0;
    };
    Expected<MergeCounts> mergeFrom(const QString& otherPath);
    /// PRAGMA integrity_check: "ok" or what is wrong.
    Expected<QString> integrityCheck();
    /// Every decision about a neuron's modes, oldest first.
    Expected<std::vector<Review>> reviews(const QString& modelHash, const QString& corpusHash, int layer, int neuron);
    /// The most recent run for a neuron of this model and corpus, whatever its options.
    Expected<std::optional<StoredExplanation>> latestExplanation(const QString& modelHash, const QString& corpusHash, int layer,
                                                                 int neuron);
    struct ExplainedNeuron {
        int neuron = 0;
        QString status;
        double score = 0;
        QString explanation;  ///< the modes' texts, one per line
        int modes = 0;
        DecisionSummary decisions;  ///< about the latest run (store/decisions.h)
    };
    /// The explained neurons of a layer (latest run each; status from the decisions about that
    /// run), for the browser. Two queries; no run's result is parsed.
    Expected<std::vector<ExplainedNeuron>> explainedNeurons(const QString& modelHash, const QString& corpusHash, int layer);
    Expected<std::vector<NeuronSummary>> neuronSummaries(int64_t layerId);

    /// The LLM simulator's predictions for an excerpt, by key (llm_simulations.cpp): the ones found.
    Expected<std::map<QString, std::vector<float>>> findSimulations(const std::vector<QString>& keys);
    /// Keeps predictions in one transaction; a key already there keeps its first value.
    Expected<void> storeSimulations(const std::vector<std::pair<QString, std::vector<float>>>& simulations);

private:
    CacheDb() = default;
    /// Rolls back the open transaction and names the statement's error.
    Error rollBack(const QSqlQuery& failed);
    Expected<std::optional<StoredExplanation>> queryExplanation(const QString& where, const QVariantList& values);
    Expected<void> prepare();
    /// BEGIN IMMEDIATE: the write lock before the first write, waiting for it as statements do.
    Expected<void> beginWrite();
    QString m_path;
    bool m_readOnly = false;
    QString m_connection;
};

}  // namespace ns
