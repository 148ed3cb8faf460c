#pragma once

#include "agents/acceptance_rule.h"
#include "agents/backend.h"
#include "agents/components.h"
#include "agents/explanation.h"
#include "util/expected.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace ns {

class TokenTable;

/// Everything that changes what the loop finds. All of it enters the cache key (toJson).
struct LoopOptions {
    int maxIterations = 12;
    int maxModes = 8;           ///< clusterings tried (k = 1..maxModes); the budget decides
    uint64_t seed = 0;
    // Description length (description_length.h) and the acceptance rule (acceptance_rule.h).
    int lengthBudget = 16;      ///< the whole explanation, all modes; the single-pass baseline too
    double lengthPenalty = 0.002;  // tuned on seed 1 (README, "Measured")
    double modeGain = 0.01;
    double minGain = 1e-3;
    double evidenceSlack = 0.01;
    double fitUnitGain = 1e-4;  ///< the fitter's price per unit of length on train (loop and single-pass alike)
    // Mode selection: one mode unless a clustering within modeTolerance of the best merit is
    // more clearly structured (silhouette) than oneModeSilhouette.
    double oneModeSilhouette = 0.25;
    double modeTolerance = 0.01;
    // Misses and probes; fractions are of the peak activation (or prediction).
    double missFraction = 0.3;      ///< a token this strong that the prediction misses by half is a miss
    double strongFraction = 0.3;    ///< a token that fires alone this strongly is worth a probe
    int vocabularyProbes = 6000;    ///< most frequent corpus tokens run alone once
    int probeWindows = 48;          ///< corpus windows probed per iteration
    int probesPerKey = 2;           ///< corpus windows per probed token per iteration
    int swapSamples = 3;            ///< top train exemplars whose trigger is swapped per iteration
    int perModeBudgetLiterals = 12; ///< the former single-pass (one mode of 12 tokens), reported beside
    DecomposeOptions decompose;

    AcceptanceRule acceptance() const;
    /// The options that change results, as JSON (stored with them, and part of the cache key).
    nlohmann::json toJson() const;
    /// Reads toJson(); a missing key keeps its default, a wrong type is an error naming it.
    static Expected<LoopOptions> fromJson(const nlohmann::json& j);
};

/// Where a run is, for a progress bar: the steps are the splits, the components, the
/// single-pass baseline, choosing the modes, each refinement iteration the options allow, and
/// the test scores, in that order. A refinement that stops early jumps to the test step.
struct LoopProgress {
    int step = 0;    ///< steps done before the one running now
    int steps = 0;   ///< all of them (loopSteps)
    QString stage;   ///< what runs now: "iteration 3 of 12", "choosing modes: 2 of 5 clusterings"
    int percent() const { return steps > 0 ? 100 * step / steps : 0; }
};
/// The number of progress steps of a run with `o`: four before refinement, one per iteration, test.
int loopSteps(const LoopOptions& o);

/// What the loop reports as it goes; the desktop UI draws its live chart from these.
struct LoopEvent {
    enum class Kind { Step, Iteration, Progress };
    Kind kind = Kind::Step;
    QString role;       ///< decomposer, clusterer, explainer, simulator, scorer, prober, refiner
    QString message;
    int iteration = -1;
    double validScore = 0;
    std::vector<double> modeScores;
    double baselineValidScore = 0;
    bool kept = false;
    LoopProgress progress;  ///< Kind::Progress
};

/// Test scores of one explanation (the loop's or single-pass), DESIGN.md "Score".
struct TestScores {
    double score = 0;                   ///< pooled Pearson on test
    double randomScore = 0;             ///< on the random test exemplars alone
    std::optional<double> novelScore;   ///< on test tokens never seen in train (null: < 5 active)
    std::optional<double> f1;           ///< threshold chosen on valid
    std::optional<double> auprc;
    int length = 0;
};

struct ModeResult {
    ModeExplanation explanation;
    std::optional<double> score;  ///< test: this mode on its test exemplars plus the random ones; null when none is assigned
    double validScore = 0;
    int exemplarCount = 0;        ///< test exemplars the train-fitted clusterer assigns to it
    int componentCount = 0;
    int length = 0;
};

struct IterationResult {
    int index = 0;
    double validScore = 0;
    std::vector<double> modeScores;
    QString change;          ///< the revision kept, or why none was
    bool kept = false;
    std::vector<ModeExplanation> modes;  ///< the explanation after this iteration
    int length = 0;
};

/// A component as the cache keeps it for people: token texts where the loop holds ids, and no
/// representation (the cluster map, its tooltips and the exemplar marks need no more).
struct ComponentPoint {
    struct Context {
        int offset = 1;
        QString token;
        double drop = 0;
    };
    int64_t window = -1;
    int position = 0;
    QString trigger;
    double activation = 0;
    double alone = 0;
    std::vector<Context> context;
    int mode = -1;
    bool mapped = false;  ///< false: no position on the cluster map
    double mapX = 0, mapY = 0;
};

struct LoopResult {
    int64_t runId = 0;  ///< the stored run's id (0: not stored, e.g. a run cut short)
    QString neuron;
    QString backend;
    nlohmann::json parameters;
    uint64_t seed = 0;
    TestScores loop;                 ///< the whole explanation (max over modes): the headline
    TestScores baseline;             ///< single-pass at the same total length
    double baselineValidScore = 0;
    double baselinePerModeBudgetScore = 0;  ///< test, the former single-pass (one mode of 12 tokens)
    std::vector<ModeResult> modes;
    ModeExplanation baselineExplanation;
    ModeExplanation perModeBudgetExplanation;
    std::vector<IterationResult> iterations;
    std::vector<AtomicComponent> components;  ///< with their modes; written by the loop, not read back
    std::vector<ComponentPoint> points;       ///< the components as stored (loopResultFromJson)
    nlohmann::json splits;
    nlohmann::json transcript;
    double seconds = 0;
    QString stopped;  ///< why the run was cut short (a backend error), else empty: a partial result
    bool testScored = true;  ///< false when the test simulations failed: every test score is then null
    std::optional<BackendUsage> usage;  ///< requests and tokens of a backend that talks to a server
};

/// JSON null for no value.
nlohmann::json jsonOrNull(const std::optional<double>& v);
std::optional<double> optionalNumber(const nlohmann::json& j, const char* key);

nlohmann::json modeExplanationToJson(const ModeExplanation& m);
nlohmann::json loopResultToJson(const LoopResult& r, const TokenTable& table);
Expected<ModeExplanation> modeExplanationFromJson(const nlohmann::json& j);
/// Reads loopResultToJson (a stored run's "result"): `components` stay empty, `points` hold
/// them; runId, splits and transcript come from the stored row, not from this JSON. A missing
/// key keeps its default; a wrong type or a broken pattern is an error naming it.
Expected<LoopResult> loopResultFromJson(const nlohmann::json& j);

}  // namespace ns
