#pragma once

#include "agents/sample.h"
#include "util/expected.h"

#include <nlohmann/json_fwd.hpp>

#include <vector>

namespace ns {

class ActivationSource;
class TokenTable;

/// A context token whose ablation lowered the activation at the trigger.
struct ContextToken {
    int offset = 1;   ///< 1 = the token right before the trigger
    int id = 0;
    float drop = 0;   ///< fraction of the activation lost when this token is replaced
};

/// One reason the neuron fired at one token: the trigger and the context tokens that matter.
struct AtomicComponent {
    int sample = 0;       ///< index into the train split
    int64_t window = -1;  ///< the corpus window it comes from
    int position = 0;
    int trigger = 0;      ///< token id
    float activation = 0;
    float alone = 0;      ///< fraction of the activation left with no context at all
    std::vector<ContextToken> context;  ///< largest drop first
    std::vector<float> representation;  ///< response profile and residual stream (for the clusterer)
    int mode = -1;
    float mapX = 0, mapY = 0;           ///< position on the cluster map (principal plane)
};

struct DecomposeOptions {
    int maxComponents = 64;
    int perSample = 3;
    int perTrigger = 4;       ///< so that rarer triggers are decomposed too
    int lookback = 6;         ///< context tokens ablated one at a time
    double threshold = 0.3;   ///< of the largest train activation
    double mattersAt = 0.25;  ///< a context token matters when its ablation loses this fraction
};

/// Breaks the strongest activations of the train split into atomic components by ablation:
/// every one of the previous `lookback` tokens is replaced by a neutral token, and the whole
/// context is removed, all in one batch through the activation source.
Expected<std::vector<AtomicComponent>> decompose(const std::vector<Sample>& train, const ActivationSource& source,
                                                 int fillerToken, const DecomposeOptions& options = {});

nlohmann::json componentToJson(const AtomicComponent& c, const TokenTable& table);

}  // namespace ns
