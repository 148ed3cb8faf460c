#include "agents/scores.h"

#include "agents/correlation.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace ns {

FlatSeries flatten(const std::vector<Sample>& samples, const Simulation& simulation) {
    FlatSeries f;
    for (size_t i = 0; i < samples.size() && i < simulation.size(); ++i) {
        const Sample& s = samples[i];
        for (size_t t = 0; t < s.acts.size() && t < simulation[i].size() && t < s.ids.size(); ++t) {
            f.truth.push_back(s.acts[t]);
            f.simulation.push_back(simulation[i][t]);
            f.ids.push_back(s.ids[t]);
        }
    }
    return f;
}

std::vector<char> activeTokens(const std::vector<double>& truth, double recordMax, double fraction) {
    std::vector<char> out(truth.size(), 0);
    if (!(recordMax > 0)) return out;
    for (size_t i = 0; i < truth.size(); ++i) out[i] = truth[i] > fraction * recordMax;
    return out;
}

std::optional<double> f1AtThreshold(const std::vector<double>& sim, const std::vector<char>& active, double threshold) {
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < sim.size() && i < active.size(); ++i) {
        const bool predicted = sim[i] >= threshold;
        if (predicted && active[i]) ++tp;
        else if (predicted) ++fp;
        else if (active[i]) ++fn;
    }
    if (tp + fn == 0) return std::nullopt;
    return tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn);
}

double bestF1Threshold(const std::vector<double>& sim, const std::vector<char>& active) {
    // Sweep the positive values from the largest down: each step admits one tie group.
    std::vector<size_t> order;
    for (size_t i = 0; i < sim.size() && i < active.size(); ++i)
        if (sim[i] > 0) order.push_back(i);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sim[a] > sim[b]; });
    const double positives = static_cast<double>(std::count(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(std::min(active.size(), sim.size())), 1));
    double best = std::numeric_limits<double>::infinity(), bestF1 = -1, tp = 0, predicted = 0;
    for (size_t k = 0; k < order.size();) {
        const double value = sim[order[k]];
        for (; k < order.size() && sim[order[k]] == value; ++k) tp += active[order[k]], predicted += 1;
        const double f1 = positives > 0 ? 2 * tp / (predicted + positives) : 0.0;
        if (f1 >= bestF1) bestF1 = f1, best = value;  // >=: the smaller threshold on ties
    }
    return best;
}

std::optional<double> averagePrecision(const std::vector<double>& sim, const std::vector<char>& active) {
    const size_t n = std::min(sim.size(), active.size());
    const double positives = static_cast<double>(std::count(active.begin(), active.begin() + static_cast<std::ptrdiff_t>(n), 1));
    if (positives == 0) return std::nullopt;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sim[a] > sim[b]; });
    double ap = 0, tp = 0, seen = 0, lastRecall = 0;
    for (size_t k = 0; k < n;) {
        const double value = sim[order[k]];
        for (; k < n && sim[order[k]] == value; ++k) tp += active[order[k]], seen += 1;
        const double recall = tp / positives;
        ap += (recall - lastRecall) * (tp / seen);
        lastRecall = recall;
    }
    return ap;
}

std::vector<char> novelPositions(const std::vector<int>& testIds, const std::vector<Sample>& train) {
    std::unordered_set<int> seen;
    for (const Sample& s : train) seen.insert(s.ids.begin(), s.ids.end());
    std::vector<char> out(testIds.size(), 0);
    for (size_t i = 0; i < testIds.size(); ++i) out[i] = !seen.count(testIds[i]);
    return out;
}

std::optional<double> novelTokenScore(const FlatSeries& test, const std::vector<char>& novel, const std::vector<char>& active,
                                      int minActive) {
    std::vector<double> x, y;
    int activeCount = 0;
    for (size_t i = 0; i < test.truth.size() && i < novel.size() && i < active.size(); ++i) {
        if (!novel[i]) continue;
        x.push_back(test.truth[i]);
        y.push_back(test.simulation[i]);
        activeCount += active[i];
    }
    if (activeCount < minActive) return std::nullopt;
    return pearson(x, y);
}

}  // namespace ns
