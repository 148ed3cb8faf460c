#include "agents/mode_clusterer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace ns {
namespace {

double squared(const std::vector<float>& a, const std::vector<float>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const double d = static_cast<double>(a[i]) - b[i];
        s += d * d;
    }
    return s;
}

std::vector<int> clusterOnce(const std::vector<std::vector<float>>& x, const std::vector<float>& w, int k, uint64_t seed) {
    const size_t n = x.size();
    std::mt19937_64 rng(seed);
    // k-means++: each next centre drawn with probability proportional to its weighted distance.
    std::vector<std::vector<float>> c;
    c.push_back(x[std::uniform_int_distribution<size_t>(0, n - 1)(rng)]);
    std::vector<double> d(n);
    while (static_cast<int>(c.size()) < k) {
        double total = 0;
        for (size_t i = 0; i < n; ++i) {
            double best = std::numeric_limits<double>::max();
            for (const auto& cc : c) best = std::min(best, squared(x[i], cc));
            d[i] = best * std::max(1e-6f, w[i]);
            total += d[i];
        }
        if (total <= 0) break;
        double r = std::uniform_real_distribution<double>(0, total)(rng);
        size_t pick = n - 1;
        for (size_t i = 0; i < n; ++i)
            if ((r -= d[i]) <= 0) {
                pick = i;
                break;
            }
        c.push_back(x[pick]);
    }
    std::vector<int> label(n, 0);
    for (int iter = 0; iter < 50; ++iter) {
        bool changed = false;
        for (size_t i = 0; i < n; ++i) {
            const int best = nearestCentroid(c, x[i]);
            if (best != label[i]) label[i] = best, changed = true;
        }
        const auto next = clusterCentroids(x, w, label);
        for (size_t j = 0; j < c.size() && j < next.size(); ++j)
            if (!next[j].empty()) c[j] = next[j];
        if (!changed && iter > 0) break;
    }
    // Renumber by first appearance so labels are dense and stable.
    std::vector<int> remap(c.size(), -1);
    int next = 0;
    for (int& l : label) {
        if (remap[static_cast<size_t>(l)] < 0) remap[static_cast<size_t>(l)] = next++;
        l = remap[static_cast<size_t>(l)];
    }
    return label;
}

}  // namespace

void centreAndNormalise(std::vector<std::vector<float>>* vectors) {
    if (vectors->empty()) return;
    std::vector<double> mean((*vectors)[0].size(), 0.0);
    for (const auto& v : *vectors)
        for (size_t i = 0; i < v.size() && i < mean.size(); ++i) mean[i] += v[i];
    for (double& m : mean) m /= static_cast<double>(vectors->size());
    for (auto& v : *vectors) {
        double norm = 0;
        for (size_t i = 0; i < v.size() && i < mean.size(); ++i) {
            v[i] = static_cast<float>(v[i] - mean[i]);
            norm += static_cast<double>(v[i]) * v[i];
        }
        norm = std::sqrt(norm);
        if (norm > 0)
            for (float& x : v) x = static_cast<float>(x / norm);
    }
}

std::vector<int> clusterVectors(const std::vector<std::vector<float>>& x, const std::vector<float>& w, int k, uint64_t seed) {
    if (x.empty() || k <= 1) return std::vector<int>(x.size(), 0);
    k = std::min<int>(k, static_cast<int>(x.size()));
    std::vector<int> best;
    double bestSpread = std::numeric_limits<double>::max();
    for (uint64_t start = 0; start < 6; ++start) {
        auto labels = clusterOnce(x, w, k, seed * 1000003ull + start);
        const auto c = clusterCentroids(x, w, labels);
        double spread = 0;
        for (size_t i = 0; i < x.size(); ++i) spread += w[i] * squared(x[i], c[static_cast<size_t>(labels[i])]);
        if (spread < bestSpread - 1e-12) bestSpread = spread, best = std::move(labels);
    }
    return best;
}

std::vector<std::vector<float>> clusterCentroids(const std::vector<std::vector<float>>& x, const std::vector<float>& w,
                                                 const std::vector<int>& labels) {
    int k = 0;
    for (int l : labels) k = std::max(k, l + 1);
    std::vector<std::vector<float>> c(static_cast<size_t>(k));
    std::vector<double> total(static_cast<size_t>(k), 0.0);
    for (size_t i = 0; i < x.size(); ++i) {
        if (labels[i] < 0) continue;
        auto& v = c[static_cast<size_t>(labels[i])];
        if (v.empty()) v.assign(x[i].size(), 0.f);
        const double wi = std::max(1e-6f, w[i]);
        for (size_t j = 0; j < v.size(); ++j) v[j] += static_cast<float>(wi * x[i][j]);
        total[static_cast<size_t>(labels[i])] += wi;
    }
    for (size_t j = 0; j < c.size(); ++j)
        for (float& v : c[j]) v = static_cast<float>(v / total[j]);
    return c;
}

double silhouette(const std::vector<std::vector<float>>& x, const std::vector<int>& labels) {
    int k = 0;
    for (int l : labels) k = std::max(k, l + 1);
    if (k < 2 || x.size() < 3) return 0;
    double total = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        std::vector<double> sum(static_cast<size_t>(k), 0.0), count(static_cast<size_t>(k), 0.0);
        for (size_t j = 0; j < x.size(); ++j) {
            if (i == j) continue;
            sum[static_cast<size_t>(labels[j])] += std::sqrt(squared(x[i], x[j]));
            count[static_cast<size_t>(labels[j])] += 1;
        }
        const size_t own = static_cast<size_t>(labels[i]);
        if (count[own] == 0) continue;  // a singleton counts 0
        const double a = sum[own] / count[own];
        double b = std::numeric_limits<double>::max();
        for (size_t c = 0; c < sum.size(); ++c)
            if (c != own && count[c] > 0) b = std::min(b, sum[c] / count[c]);
        if (b == std::numeric_limits<double>::max()) continue;
        const double m = std::max(a, b);
        total += m > 0 ? (b - a) / m : 0.0;
    }
    return total / static_cast<double>(x.size());
}

std::vector<std::pair<float, float>> principalPlane(const std::vector<std::vector<float>>& x) {
    std::vector<std::pair<float, float>> out(x.size(), {0.f, 0.f});
    if (x.size() < 2) return out;
    const size_t d = x[0].size();
    std::vector<double> mean(d, 0.0);
    for (const auto& v : x)
        for (size_t j = 0; j < d && j < v.size(); ++j) mean[j] += v[j] / static_cast<double>(x.size());
    std::vector<std::vector<double>> c(x.size(), std::vector<double>(d, 0.0));
    for (size_t i = 0; i < x.size(); ++i)
        for (size_t j = 0; j < d && j < x[i].size(); ++j) c[i][j] = x[i][j] - mean[j];
    std::vector<std::vector<double>> axes;
    for (int axis = 0; axis < 2; ++axis) {
        std::vector<double> v(d);
        for (size_t j = 0; j < d; ++j) v[j] = 1.0 + 0.01 * static_cast<double>((j * 7919 + axis * 104729) % 97);
        for (int iter = 0; iter < 60; ++iter) {
            std::vector<double> next(d, 0.0);
            for (const auto& row : c) {
                double p = 0;
                for (size_t j = 0; j < d; ++j) p += row[j] * v[j];
                for (size_t j = 0; j < d; ++j) next[j] += p * row[j];
            }
            for (const auto& a : axes) {  // deflate: stay orthogonal to the axes found
                double p = 0;
                for (size_t j = 0; j < d; ++j) p += next[j] * a[j];
                for (size_t j = 0; j < d; ++j) next[j] -= p * a[j];
            }
            double n = 0;
            for (double t : next) n += t * t;
            n = std::sqrt(n);
            if (n <= 1e-12) break;
            for (size_t j = 0; j < d; ++j) v[j] = next[j] / n;
        }
        axes.push_back(v);
    }
    for (size_t i = 0; i < c.size(); ++i) {
        double p0 = 0, p1 = 0;
        for (size_t j = 0; j < d; ++j) p0 += c[i][j] * axes[0][j], p1 += c[i][j] * axes[1][j];
        out[i] = {static_cast<float>(p0), static_cast<float>(p1)};
    }
    return out;
}

double distance(const std::vector<float>& a, const std::vector<float>& b) { return std::sqrt(squared(a, b)); }

int nearestCentroid(const std::vector<std::vector<float>>& centroids, const std::vector<float>& v) {
    int best = -1;
    double bestD = std::numeric_limits<double>::max();
    for (size_t j = 0; j < centroids.size(); ++j) {
        if (centroids[j].empty()) continue;
        const double d = squared(centroids[j], v);
        if (d < bestD) bestD = d, best = static_cast<int>(j);
    }
    return best;
}

}  // namespace ns
