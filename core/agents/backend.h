#pragma once

#include "agents/components.h"
#include "agents/explanation.h"
#include "agents/sample.h"
#include "util/expected.h"

#include <atomic>
#include <vector>

namespace ns {

class TokenTable;

/// What an explainer is asked: explain one mode of a neuron from its evidence.
struct ModeRequest {
    const std::vector<Sample>* evidence = nullptr;       ///< train exemplars and probes
    const Simulation* others = nullptr;                  ///< the other modes on the evidence (may be null)
    std::vector<AtomicComponent> components;             ///< this mode's components (empty for single-pass)
    std::vector<int> triggerKeys;                        ///< candidate trigger keys, most important first
    bool singlePass = false;
    int maxLength = 16;       ///< the description length this mode may use (description_length.h)
    int maxLiterals = 64;     ///< a per-mode cap on literal tokens (only the former single-pass sets one)
    double unitGain = 1e-4;   ///< the train gain each unit of length must buy
};

/// What a refiner is given: the explanation, its misses on valid, all evidence so far.
struct ReviseRequest {
    const std::vector<ModeExplanation>* modes = nullptr;
    const std::vector<Sample>* evidence = nullptr;
    const std::vector<Sample>* valid = nullptr;
    std::vector<Miss> falseNegatives, falsePositives;  ///< worst first
    std::vector<std::vector<AtomicComponent>> components;  ///< per mode
    /// Keys the vocabulary probe found firing on their own and frequent in the corpus, which
    /// no mode names yet; strongest first.
    std::vector<int> strongKeys;
    int maxModes = 6;
    int lengthBudget = 16;    ///< the whole explanation's description length at most
    double unitGain = 1e-4;   ///< as in ModeRequest
};

/// The roles a backend plays: explainer, simulator and refiner. Decomposition and clustering
/// are measurements against the model and are the same for every backend.
class Backend {
public:
    virtual ~Backend() = default;
    virtual QString name() const = 0;
    /// Parameters that change results (stored with them; never an API key).
    virtual nlohmann::json parameters() const = 0;
    virtual Expected<ModeExplanation> explain(const ModeRequest& request) = 0;
    virtual Expected<Simulation> simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) = 0;
    virtual Expected<std::vector<Revision>> revise(const ReviseRequest& request) = 0;
    /// Asked to stop: a backend waiting on a server should give up promptly.
    void setCancelFlag(const std::atomic<bool>* cancel) { m_cancel = cancel; }

protected:
    bool cancelled() const { return m_cancel && m_cancel->load(); }
    const std::atomic<bool>* m_cancel = nullptr;
};

}  // namespace ns
