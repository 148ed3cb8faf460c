#include "agents/activity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ns {

double recordPeak(const NeuronRecord& r) {
    double peak = r.stats.max;
    for (const auto* list : {&r.top, &r.random})
        for (const Exemplar& e : *list) peak = std::max(peak, static_cast<double>(e.max));
    for (const QuantileBin& b : r.quantiles)
        for (const Exemplar& e : b.exemplars) peak = std::max(peak, static_cast<double>(e.max));
    return peak;
}

double activeThreshold(const NeuronRecord& r) {
    const double peak = recordPeak(r);
    return peak > 0 ? kActiveFraction * peak : std::numeric_limits<double>::infinity();
}

double shareAbove(const Histogram& h, double threshold) {
    double total = 0, above = 0;
    for (size_t i = 0; i < h.counts.size() && i + 1 < h.edges.size(); ++i) {
        const double n = static_cast<double>(h.counts[i]), low = h.edges[i], high = h.edges[i + 1];
        total += n;
        if (low >= threshold) above += n;
        else if (high > threshold && high > low) above += n * (high - threshold) / (high - low);
    }
    return total > 0 ? above / total : 0;
}

}  // namespace ns
