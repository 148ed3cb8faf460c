#pragma once

#include "agents/loop_run.h"

#include <vector>

namespace ns {

/// The refiner: each iteration finds the worst misses on valid, runs probes, collects the
/// backend's revisions with merges and drops, and keeps the one the acceptance rule
/// (acceptance_rule.h) prefers, if any.
struct RefinementStep {
    bool kept = false;
    QString change;  ///< the revision kept, or why none was
};
Expected<RefinementStep> refineOnce(LoopRun& run, std::vector<ModeExplanation>& modes, double& current, int iteration);

/// Dropping each mode in turn (none when there is only one).
std::vector<Revision> modeDrops(const std::vector<ModeExplanation>& modes);

/// Components follow their modes after a kept revision: those of a dropped mode go to the
/// nearest mode left, a new mode claims the components whose trigger it names.
void reassignComponents(LoopRun& run, const Revision& revision);

}  // namespace ns
