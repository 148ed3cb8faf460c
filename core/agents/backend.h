#pragma once

#include "agents/components.h"
#include "agents/explanation.h"
#include "agents/sample.h"
#include "util/expected.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace ns {

class CacheDb;
class TokenTable;

/// What a backend that talks to a server has sent: requests (retries included) and the
/// tokens the server counted.
struct BackendUsage {
    int64_t requests = 0;
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
};

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
    /// True for a backend that explains the modes of a clustering together (one call to
    /// explainModes, without the other modes' simulations in ModeRequest::others).
    virtual bool explainsModesTogether() const { return false; }
    /// All modes of a clustering; by default one explain() after another.
    virtual Expected<std::vector<ModeExplanation>> explainModes(const std::vector<ModeRequest>& requests) {
        std::vector<ModeExplanation> out;
        for (const ModeRequest& r : requests) {
            auto e = explain(r);
            if (!e) return Error{e.error()};
            out.push_back(std::move(*e));
        }
        return out;
    }
    virtual Expected<Simulation> simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) = 0;
    virtual Expected<std::vector<Revision>> revise(const ReviseRequest& request) = 0;
    /// Requests and tokens so far, for a backend that talks to a server; nullopt otherwise.
    virtual std::optional<BackendUsage> usage() const { return std::nullopt; }
    /// The cache a backend may keep its work in across runs (null: none). Use on the cache's thread.
    virtual void attachCache(CacheDb* db) { (void)db; }
    /// Asked to stop: a backend waiting on a server should give up promptly.
    void setCancelFlag(const std::atomic<bool>* cancel) { m_cancel = cancel; }

protected:
    bool cancelled() const { return m_cancel && m_cancel->load(); }
    const std::atomic<bool>* m_cancel = nullptr;
};

}  // namespace ns
