#pragma once

#include "agents/components.h"
#include "agents/pattern.h"
#include "agents/sample.h"

#include <vector>

namespace ns {

class TokenTable;

/// What the built-in explainer fits one mode to.
struct FitInput {
    const std::vector<Sample>* evidence = nullptr;  ///< train exemplars (and probes) with true activations
    const Simulation* others = nullptr;             ///< the other modes' simulation on the evidence, or null
    std::vector<int> triggerKeys;                   ///< candidate trigger keys, most important first
    std::vector<ContextToken> context;              ///< context tokens the ablations found (may be empty)
};

/// The built-in explainer: greedily picks the literals (or the one class) and up to two context
/// conditions that most raise the pooled correlation of the whole simulation (this mode on top
/// of the others) with the true activations on the evidence, within the budget. Weights are the
/// mean true activation of each literal where the conditions hold.
ModePattern fitMode(const TokenTable& table, const FitInput& input, const PatternBudget& budget = {});

/// Recomputes every weight of `p` from the evidence (mean activation where the trigger and the
/// conditions hold); literals never seen in the evidence keep their weight.
ModePattern refitWeights(const TokenTable& table, ModePattern p, const std::vector<Sample>& evidence);

/// Keys of the tokens that activate at least `fraction` of the largest activation in the
/// samples, by total activation, most first.
std::vector<int> firingKeys(const TokenTable& table, const std::vector<Sample>& samples, double fraction, int limit);

}  // namespace ns
