#include "agents/mode_selection.h"

#include <limits>

namespace ns {

int selectModeOption(const AcceptanceRule& rule, const std::vector<ModeOption>& options, double tolerance) {
    double best = -std::numeric_limits<double>::infinity();
    for (const ModeOption& o : options)
        if (o.length <= rule.budget) best = std::max(best, merit(rule, o.valid, o.length, o.modes));
    int pick = -1;
    for (size_t i = 0; i < options.size(); ++i) {
        const ModeOption& o = options[i];
        if (o.length > rule.budget || merit(rule, o.valid, o.length, o.modes) < best - tolerance) continue;
        const ModeOption* p = pick < 0 ? nullptr : &options[static_cast<size_t>(pick)];
        if (!p || o.silhouette > p->silhouette + 1e-9 || (o.silhouette > p->silhouette - 1e-9 && o.modes < p->modes))
            pick = static_cast<int>(i);
    }
    return pick;
}

}  // namespace ns
