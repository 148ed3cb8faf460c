#pragma once

#include "agents/acceptance_rule.h"
#include "agents/explanation.h"
#include "util/expected.h"

#include <vector>

namespace ns {

/// One clustering of the components into k modes, explained and scored on valid.
struct ModeOption {
    int modes = 1;
    double valid = 0;
    int length = 0;
    double silhouette = 0;  ///< of the clustering (for k = 1, the silhouette one mode stands for)
};

/// The number of modes follows from the acceptance rule: among the clusterings within the
/// budget, those whose merit (acceptance_rule.h) is within `tolerance` of the best compete,
/// and the most clearly structured one (silhouette) wins, the fewer modes on ties. The index of
/// the chosen option, or -1 when none fits the budget.
int selectModeOption(const AcceptanceRule& rule, const std::vector<ModeOption>& options, double tolerance);

struct LoopRun;
/// The clusterer's stage of the loop: clusters the components for k = 1..K (K at most
/// maxModes, the budget and a third of the components), explains each clustering within the
/// one budget and keeps the one selectModeOption chooses.
struct ChosenModes {
    std::vector<ModeExplanation> modes;
    std::vector<int> labels;  ///< each component's cluster
    double valid = 0;
    QString stopped;  ///< why fewer clusterings were tried (a backend error), else empty
};
Expected<ChosenModes> chooseModes(LoopRun& run);

}  // namespace ns
