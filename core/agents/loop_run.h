#pragma once

// The state of one run of the agent loop and the steps that work on it, shared by the parts
// of the loop (orchestrator.cpp sequences them): loop_run.cpp (simulation, scores, the
// explanation of a clustering), prober.cpp (vocabulary scan, response profiles, misses,
// probes), refiner.cpp (revisions and their acceptance), mode_selection.cpp (the number of
// modes). Internal to core/agents.

#include "agents/backend.h"
#include "agents/loop_types.h"
#include "agents/splits.h"

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ns {

class ActivationSource;
class Representer;
class TokenTable;
struct CorpusWindows;

int argmax(const std::vector<float>& v);
/// At each token the maximum of the simulations.
Simulation maxOf(const std::vector<const Simulation*>& sims, const std::vector<Sample>& samples);
/// Up to 8 tokens before `position` and the token itself in [[ ]], for the transcript.
QString snippet(const TokenTable& table, const std::vector<int>& ids, int position);

struct LoopRun {
    LoopRun(const ActivationSource& s, const Representer& r, const TokenTable& t, const CorpusWindows* c, Backend& b, int f,
            const LoopOptions& opt, const std::function<void(const LoopEvent&)>& l, const std::atomic<bool>* x)
        : source(s), representer(r), table(t), corpus(c), backend(b), filler(f), o(opt), listener(l), cancel(x) {}
    const ActivationSource& source;
    const Representer& representer;
    const TokenTable& table;
    const CorpusWindows* corpus;
    Backend& backend;
    int filler;
    const LoopOptions& o;
    const std::function<void(const LoopEvent&)>& listener;
    const std::atomic<bool>* cancel;

    ExemplarSplits splits;
    std::vector<Sample> evidence;  // train + probes
    std::vector<AtomicComponent> components;
    std::vector<std::vector<float>> validReps, testReps;  // at each sample's maximum
    struct Firing {
        int key = 0;
        float act = 0;
        std::vector<float> rep;
    };
    std::vector<Firing> firing;      // strongly activating train tokens beyond the components
    size_t profileDims = 0;          // leading dimensions of a representation: the response profile
    std::map<int, float> alone;      // key -> activation of its strongest spelling after the neutral token
    std::map<int, int> corpusCount;  // key -> occurrences in the corpus held for probes
    std::set<int64_t> probedWindows;
    nlohmann::json transcript = nlohmann::json::array();
    std::map<std::string, Simulation> validMemo, testMemo;

    bool stopped() const { return cancel && cancel->load(); }
    void emit(const LoopEvent& e) const;
    /// Tells the listener that progress step `step` (LoopProgress) begins, doing `stage`.
    void advance(int step, const QString& stage) const;
    /// A step for the transcript and the listener.
    void note(const char* role, const QString& step, nlohmann::json details = nlohmann::json::object());

    // Simulation and scores (loop_run.cpp).
    Expected<const Simulation*> simulate(const ModeExplanation& m, const std::vector<Sample>& samples,
                                         std::map<std::string, Simulation>& memo);
    /// The whole explanation's simulation on a split: at each token the maximum over modes.
    Expected<Simulation> simulation(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                                    std::map<std::string, Simulation>& memo);
    /// Whole-explanation score on a split.
    Expected<double> score(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                           std::map<std::string, Simulation>& memo);
    /// Per-mode scores: each mode on the non-random exemplars the clusterer assigns to it plus
    /// every random exemplar; `counts` receives how many were assigned to each.
    Expected<std::vector<double>> modeScores(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                                             const std::vector<std::vector<float>>& reps,
                                             std::map<std::string, Simulation>& memo, std::vector<int>* counts = nullptr);
    /// Centroids of the modes from the labelled train components.
    std::vector<std::vector<float>> centroids(size_t modes) const;
    /// Explains the modes of one clustering in turn, each on top of the ones before, sharing
    /// the one length budget.
    Expected<std::vector<ModeExplanation>> explainClusters(const std::vector<int>& labels, int k);
    /// The components' representations (response profile, then the residual stream) and those
    /// of valid and test exemplars at their maximum and of the strong train tokens.
    Expected<void> represent();

    // The prober (prober.cpp).
    /// Keys that fire on their own and occur in the corpus, which no mode names; strongest
    /// expected contribution (activation times the root of the frequency) first.
    std::vector<int> strongKeys(const std::vector<ModeExplanation>& modes, size_t limit) const;
    /// Every frequent vocabulary token on its own after the neutral token: which tokens fire
    /// without any context (one cheap batch of two-token rows).
    Expected<void> scanVocabulary();
    /// How the neuron responds to each token placed at the firing position of a few top train
    /// exemplars (their preceding tokens kept), relative to the train peak.
    Expected<std::vector<std::vector<float>>> responseProfiles(const std::vector<std::vector<int>>& rows,
                                                               const std::vector<int>& pos, float peak);
    /// The worst misses of the explanation on valid.
    void misses(const std::vector<ModeExplanation>& modes, std::vector<Miss>* fn, std::vector<Miss>* fp);
    /// Probes: corpus windows where the explanation's tokens or the missed tokens occur (never
    /// from valid or test documents), and top train exemplars with the trigger swapped.
    Expected<void> probe(const std::vector<ModeExplanation>& modes, const std::vector<Miss>& fn, const std::vector<Miss>& fp,
                         int iteration);

    // The refiner (refiner.cpp).
    /// Merging two modes whose components are as close to each other as to their own modes,
    /// when one pattern can state both.
    std::vector<Revision> merges(const std::vector<ModeExplanation>& modes) const;
};

}  // namespace ns
