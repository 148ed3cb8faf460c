#pragma once

#include "activations/neuron_record.h"
#include "agents/backend.h"
#include "agents/components.h"
#include "agents/explanation.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace ns {

class ActivationSource;
class Representer;
class TokenTable;
struct CorpusWindows;

struct LoopOptions {
    int maxIterations = 12;
    int maxModes = 8;
    uint64_t seed = 0;
    int probeWindows = 48;   ///< corpus windows probed per iteration
    int swapSamples = 3;     ///< top train exemplars whose trigger is swapped per iteration
    DecomposeOptions decompose;
    /// The options that change results, as JSON (stored with them).
    nlohmann::json toJson() const;
};

/// What the loop reports as it goes; the desktop UI draws its live chart from these.
struct LoopEvent {
    enum class Kind { Step, Iteration };
    Kind kind = Kind::Step;
    QString role;       ///< decomposer, clusterer, explainer, simulator, scorer, prober, refiner
    QString message;
    int iteration = -1;
    double validScore = 0;
    std::vector<double> modeScores;
    double baselineValidScore = 0;
    bool kept = false;
};

struct ModeResult {
    ModeExplanation explanation;
    double score = 0;        ///< test: this mode on its test exemplars plus the random ones
    double validScore = 0;
    int exemplarCount = 0;   ///< test exemplars the train-fitted clusterer assigns to it
    int componentCount = 0;
};

struct IterationResult {
    int index = 0;
    double validScore = 0;
    std::vector<double> modeScores;
    QString change;          ///< the revision kept, or why none was
    bool kept = false;
    std::vector<ModeExplanation> modes;  ///< the explanation after this iteration
};

struct LoopResult {
    QString neuron;
    QString backend;
    nlohmann::json parameters;
    uint64_t seed = 0;
    double score = 0;                ///< test, whole explanation (max over modes): the headline
    double baselineScore = 0;        ///< test, single-pass
    double randomScore = 0;          ///< test, random exemplars alone
    double baselineValidScore = 0;
    std::vector<ModeResult> modes;
    ModeExplanation baseline;
    std::vector<IterationResult> iterations;
    std::vector<AtomicComponent> components;  ///< with their modes (the cluster map)
    nlohmann::json splits;
    nlohmann::json transcript;
    double seconds = 0;
    QString stopped;  ///< why refinement ended early (a backend error), else empty
};

/// Runs the agents for one neuron: split, decompose, cluster and explain (choosing the number
/// of modes on valid), then probe and refine until the valid score stops rising, and finally
/// score the explanation and the single-pass baseline on test. Every step and iteration is
/// reported to `listener`; `cancel` stops it between steps and inside waits.
class Orchestrator {
public:
    Orchestrator(const ActivationSource& source, const Representer& representer, std::shared_ptr<const TokenTable> table,
                 std::shared_ptr<const CorpusWindows> corpus, Backend& backend, int fillerToken);

    Expected<LoopResult> run(const NeuronRecord& record, const LoopOptions& options,
                             const std::function<void(const LoopEvent&)>& listener = {},
                             const std::atomic<bool>* cancel = nullptr);

private:
    const ActivationSource& m_source;
    const Representer& m_representer;
    std::shared_ptr<const TokenTable> m_table;
    std::shared_ptr<const CorpusWindows> m_corpus;
    Backend& m_backend;
    int m_filler;
};

nlohmann::json loopResultToJson(const LoopResult& r, const TokenTable& table);

}  // namespace ns
