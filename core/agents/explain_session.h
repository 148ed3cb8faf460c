#pragma once

#include "activations/miner.h"
#include "activations/neuron_record.h"
#include "agents/orchestrator.h"
#include "agents/pattern.h"
#include "util/expected.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace ns {

class ActivationSource;
class Backend;
class CacheDb;
class LanguageModel;
class TokenTable;
struct CorpusWindows;

/// A neuron to explain: a real one (layer, neuron) or a calibration spec.
struct ExplainTarget {
    int layer = -1;
    int neuron = -1;
    QString specPath;  ///< set for a calibration neuron
    bool synthetic() const { return !specPath.isEmpty(); }
};

struct ExplainOutcome {
    nlohmann::json result;      ///< loopResultToJson, as stored
    nlohmann::json transcript;
    bool fromCache = false;
    int64_t runId = 0;          ///< the stored run
    nlohmann::json splits;      ///< splitsToJson of the run: the windows it was scored on
    bool partial = false;  ///< cut short by a failing backend: result["stopped"] says why
};

struct StoredExplanation;
/// A stored run as a typed value: loopResultFromJson of its result, with its id, splits and
/// transcript.
Expected<LoopResult> loopResultOf(const StoredExplanation& stored);
Expected<LoopResult> loopResultOf(const ExplainOutcome& outcome);

/// Everything one model and corpus need to explain neurons: the token table, the corpus held
/// as windows for probes, the cache. Mines a layer (or a calibration neuron) when the cache
/// does not have it, runs the loop and stores the result; a second run with the same inputs
/// returns the stored result unless asked to recompute. Use on one thread.
class ExplainSession {
public:
    ExplainSession(std::shared_ptr<const LanguageModel> model, QString corpusPath, CacheDb& db);
    ~ExplainSession();

    const LanguageModel& model() const { return *m_model; }
    std::shared_ptr<const TokenTable> table() const { return m_table; }
    const QString& corpusPath() const { return m_corpusPath; }
    /// The mining options the explorer and the command line share for a layer.
    MineOptions mineOptions(int layer) const;
    /// Top exemplars kept per neuron (part of the mining options, so of the cache key).
    void setTopK(int k) { m_topK = k; }
    /// Whether a stored partial run answers a repeated one (by default it runs again).
    void setAcceptPartial(bool accept) { m_acceptPartial = accept; }

    using MiningProgressFn = std::function<bool(const MiningProgress&)>;
    /// The record of the target, mined and cached first when needed.
    Expected<NeuronRecord> record(const ExplainTarget& target, const MiningProgressFn& progress = {});
    /// The activation source the agents use for the target.
    Expected<std::unique_ptr<ActivationSource>> source(const ExplainTarget& target) const;

    /// The stored result for these inputs, if any (never runs the loop).
    Expected<std::optional<ExplainOutcome>> cached(const ExplainTarget& target, const Backend& backend, const LoopOptions& options);

    /// The test score of a whole explanation (a person's edit), on the test split the run used:
    /// the windows in `storedSplits` (a run's splitsToJson) when given, so that it holds after
    /// the mining options change; else the split the seed derives from today's record. A mode
    /// with a pattern runs offline; a text-only mode goes to `textSimulator` (an LLM backend)
    /// when one is given. No value when a mode can be run by neither: such an edit is "not scored".
    Expected<std::optional<double>> rescore(const ExplainTarget& target, const std::vector<ModeExplanation>& modes, uint64_t seed,
                                            Backend* textSimulator = nullptr, const nlohmann::json& storedSplits = {});
    /// What rescore() measures, with the test exemplars and the prediction at every token.
    struct TestSimulation {
        std::vector<Sample> samples;
        Simulation simulation;
        double score = 0;
    };
    Expected<std::optional<TestSimulation>> simulateOnTest(const ExplainTarget& target, const std::vector<ModeExplanation>& modes,
                                                           uint64_t seed, Backend* textSimulator = nullptr,
                                                           const nlohmann::json& storedSplits = {});
    /// The test exemplars of a stored split: each window's activations from the record when it
    /// holds the window, else from the activation source on the corpus window.
    Expected<std::vector<Sample>> storedTestSamples(const ExplainTarget& target, const NeuronRecord& record,
                                                    const nlohmann::json& storedSplits);

    Expected<ExplainOutcome> explain(const ExplainTarget& target, Backend& backend, const LoopOptions& options,
                                     bool recompute = false, const std::function<void(const LoopEvent&)>& listener = {},
                                     const std::atomic<bool>* cancel = nullptr, const MiningProgressFn& progress = {});

    /// SHA-256 of the corpus file (computed once), which keys its entries in the cache.
    Expected<QString> corpusHash();

private:
    Expected<QString> cacheKey(const ExplainTarget& target, const Backend& backend, const LoopOptions& options);
    Expected<std::shared_ptr<const CorpusWindows>> corpusWindows();

    std::shared_ptr<const LanguageModel> m_model;
    QString m_corpusPath;
    CacheDb& m_db;
    std::shared_ptr<TokenTable> m_table;
    std::shared_ptr<const CorpusWindows> m_windows;
    QString m_corpusHash;
    int m_topK = MineOptions{}.topK;
    bool m_acceptPartial = false;
};

}  // namespace ns
