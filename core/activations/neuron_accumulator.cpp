#include "activations/neuron_accumulator.h"

#include "activations/miner.h"
#include "model/half_float.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace ns {
namespace {

constexpr double kHistLow = -0.25;  // below GELU's minimum (about -0.17); lower values land in bin 0
constexpr int kFinePerCoarse = 4;
// Top windows kept while mining per top exemplar of the record (see finish).
constexpr int kTopCandidatesPerExemplar = 3;

// The key top windows rank on: the window's maximum as the record stores its activations (half
// precision). Other CPUs' kernels round the last bits (about 1e-7 of the value) differently;
// ranked on this key, ties broken by window id, that changes which windows a record holds or
// their order only where it crosses a half step. (Bins use the exact maximum: calibration
// neurons plant values such as 0.8 on a bin edge, and the rounded value would move them.)
float rankKey(float max) { return halfToFloat(floatToHalf(max)); }

// "a ranks below b".
bool topLess(const StoredExemplar& a, const StoredExemplar& b) {
    const float ka = rankKey(a.max), kb = rankKey(b.max);
    return ka != kb ? ka < kb : a.window->id > b.window->id;
}
bool heapCmp(const StoredExemplar& a, const StoredExemplar& b) { return topLess(b, a); }

void keepSmallestKeys(std::vector<StoredExemplar>* v, size_t n) {
    if (v->size() <= n) return;
    std::nth_element(v->begin(), v->begin() + n, v->end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    v->resize(n);
}

struct WindowMoments {
    float max, min;
    double sum, sumSq;
    int64_t positive;
};

WindowMoments momentsOf(const float* acts, int length) {
    WindowMoments m{acts[0], acts[0], 0, 0, 0};
    for (int t = 0; t < length; ++t) {
        const float a = acts[t];
        m.max = std::max(m.max, a);
        m.min = std::min(m.min, a);
        m.sum += a;
        m.sumSq += double(a) * a;
        m.positive += a > 0;
    }
    return m;
}

// Bins start at kHistLow; values below land in bin 0, values above the range (none, once it has
// grown) in the last.
void binTokens(const float* acts, int length, double binsPerUnit, int64_t* counts, size_t bins) {
    for (int t = 0; t < length; ++t) {
        const double pos = (acts[t] - kHistLow) * binsPerUnit;
        ++counts[pos <= 0 ? 0 : std::min(static_cast<size_t>(pos), bins - 1)];
    }
}

std::vector<StoredExemplar>::iterator largestKey(std::vector<StoredExemplar>& bin) {
    return std::max_element(bin.begin(), bin.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
}

Exemplar expand(const StoredExemplar& s) {
    Exemplar e;
    e.window = s.window;
    e.activations.resize(s.activations.size());
    for (size_t i = 0; i < s.activations.size(); ++i) e.activations[i] = halfToFloat(s.activations[i]);
    e.max = s.max;
    e.maxIndex = static_cast<int>(std::max_element(e.activations.begin(), e.activations.end()) - e.activations.begin());
    return e;
}

}  // namespace

NeuronAccumulator::NeuronAccumulator(const MineOptions& o)
    : m_topK(o.topK), m_topCandidates(kTopCandidatesPerExemplar * o.topK), m_perBin(o.perBin),
      m_levels(static_cast<size_t>(o.quantileBins * kFinePerCoarse)),
      m_levelCounts(static_cast<size_t>(o.quantileBins * kFinePerCoarse), 0),
      m_levelLargestKey(static_cast<size_t>(o.quantileBins * kFinePerCoarse), 0),
      m_histWidth(1.0 / o.histogramBins), m_hist(static_cast<size_t>(o.histogramBins), 0) {}

void NeuronAccumulator::growLevelRange(double value) {
    if (!std::isfinite(value)) return;  // as for the histogram
    if (m_levelTop == 0) {
        m_levelTop = std::exp2(std::ceil(std::log2(value)));
        return;
    }
    const size_t F = m_levels.size();
    while (value > m_levelTop) {
        for (size_t j = 0; j < F / 2; ++j) {
            auto merged = std::move(m_levels[2 * j]);
            for (auto& e : m_levels[2 * j + 1]) merged.push_back(std::move(e));
            keepSmallestKeys(&merged, static_cast<size_t>(m_perBin));
            m_levels[j] = std::move(merged);
            if (static_cast<int>(m_levels[j].size()) == m_perBin) m_levelLargestKey[j] = largestKey(m_levels[j])->key;
            m_levelCounts[j] = m_levelCounts[2 * j] + m_levelCounts[2 * j + 1];
        }
        for (size_t j = F / 2; j < F; ++j) {
            m_levels[j].clear();
            m_levelCounts[j] = 0;
        }
        m_levelTop *= 2;
    }
}

void NeuronAccumulator::growHistogramRange(double value) {
    if (!std::isfinite(value)) return;  // doubling never reaches inf; the miner rejects such activations first
    const size_t N = m_hist.size();
    while (value >= kHistLow + m_histWidth * N) {
        for (size_t i = 0; i < N / 2; ++i) m_hist[i] = m_hist[2 * i] + m_hist[2 * i + 1];
        std::fill(m_hist.begin() + N / 2, m_hist.end(), 0);
        m_histWidth *= 2;
    }
}

void NeuronAccumulator::add(const std::shared_ptr<const TokenWindow>& window, const float* acts, int length,
                            uint64_t key) {
    // These loops run for every neuron at every token, so they keep to locals: the histogram's
    // stores could alias members and would keep every running sum in memory. Growing the
    // histogram's range once for the window's maximum, before binning, gives the same counts as
    // growing it token by token: its bins double from a fixed origin and merge exactly.
    const WindowMoments w = momentsOf(acts, length);
    if (w.max >= kHistLow + m_histWidth * m_hist.size()) growHistogramRange(w.max);
    binTokens(acts, length, 1.0 / m_histWidth, m_hist.data(), m_hist.size());
    if (m_tokens == 0) m_min = w.min, m_max = w.max;
    m_min = std::min<double>(m_min, w.min);
    m_max = std::max<double>(m_max, w.max);
    m_sum += w.sum;
    m_sumSq += w.sumSq;
    m_positive += w.positive;
    const float wmax = w.max;
    m_tokens += length;
    auto store = [&]() {
        StoredExemplar s;
        s.window = window;
        s.activations.resize(static_cast<size_t>(length));
        for (int t = 0; t < length; ++t) s.activations[t] = floatToHalf(acts[t]);
        s.max = wmax;
        s.key = key;
        return s;
    };
    // Top candidates by window maximum (finish picks the top-k among them).
    if (static_cast<int>(m_top.size()) < m_topCandidates) {
        m_top.push_back(store());
        std::push_heap(m_top.begin(), m_top.end(), heapCmp);
    } else if (m_topCandidates > 0 && rankKey(wmax) > rankKey(m_top.front().max)) {  // a later window loses a tie
        std::pop_heap(m_top.begin(), m_top.end(), heapCmp);
        m_top.back() = store();
        std::push_heap(m_top.begin(), m_top.end(), heapCmp);
    }
    // Level bins of positive window maxima.
    if (wmax <= 0 || m_levels.empty()) return;
    if (wmax > m_levelTop) growLevelRange(wmax);
    const double width = m_levelTop / m_levels.size();
    const auto j = static_cast<size_t>(std::clamp<int64_t>(static_cast<int64_t>(std::ceil(wmax / width)) - 1, 0,
                                                           static_cast<int64_t>(m_levels.size()) - 1));
    ++m_levelCounts[j];
    auto& bin = m_levels[j];
    if (static_cast<int>(bin.size()) < m_perBin) {
        bin.push_back(store());
        if (static_cast<int>(bin.size()) == m_perBin) m_levelLargestKey[j] = largestKey(bin)->key;
    } else if (key < m_levelLargestKey[j]) {  // a full bin: the comparison touches no exemplar
        *largestKey(bin) = store();
        m_levelLargestKey[j] = largestKey(bin)->key;
    }
}

NeuronRecord NeuronAccumulator::finish(int layer, int neuron, const MineOptions& o) const {
    NeuronRecord r;
    r.layer = layer;
    r.neuron = neuron;
    auto candidates = m_top;
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return topLess(b, a); });
    // Greedy in rank order: a window whose peak lies within one window length of a kept window's
    // peak in the same document shows the same passage again, so it is passed over. Windows are
    // consecutive and do not overlap, so only a neighbour can conflict and each kept window
    // passes over at most two: 3k candidates always hold the k windows this rule keeps.
    std::vector<int64_t> topIds;  // every candidate looked at, kept or passed over
    std::vector<StoredExemplar> top;
    for (const auto& s : candidates) {
        if (static_cast<int>(r.top.size()) == m_topK) break;
        topIds.push_back(s.window->id);
        Exemplar e = expand(s);
        const int64_t peak = e.window->offset + e.maxIndex;
        const bool samePassage = std::any_of(r.top.begin(), r.top.end(), [&](const Exemplar& kept) {
            return kept.window->document == e.window->document &&
                   std::abs(kept.window->offset + kept.maxIndex - peak) < o.windowTokens;
        });
        if (samePassage) continue;
        r.top.push_back(std::move(e));
        top.push_back(s);
    }

    double M = 0;  // the largest window maximum (the first top window's, up to a half step)
    for (const auto& t : top) M = std::max<double>(M, t.max);
    if (M > 0 && m_levelTop > 0) {
        const int B = o.quantileBins;
        const double fine = m_levelTop / m_levels.size();
        std::vector<QuantileBin> bins(static_cast<size_t>(B));
        std::vector<std::vector<StoredExemplar>> pools(static_cast<size_t>(B));
        std::vector<bool> used(static_cast<size_t>(B), false);
        for (size_t j = 0; j < m_levels.size(); ++j) {
            const double lo = j * fine, hi = (j + 1) * fine;
            if (lo >= M) break;
            const int b = std::min(B - 1, static_cast<int>(((lo + hi) / 2) / (M / B)));
            auto& bin = bins[static_cast<size_t>(b)];
            if (!used[static_cast<size_t>(b)]) bin.low = lo;
            used[static_cast<size_t>(b)] = true;
            bin.high = std::min(hi, M);
            bin.population += m_levelCounts[j];
            for (const auto& s : m_levels[j])
                if (std::find(topIds.begin(), topIds.end(), s.window->id) == topIds.end()) pools[b].push_back(s);
        }
        for (int b = 0; b < B; ++b) {
            if (!used[static_cast<size_t>(b)]) continue;
            auto pool = pools[static_cast<size_t>(b)];
            keepSmallestKeys(&pool, static_cast<size_t>(o.perBin));
            std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& c) { return a.window->id < c.window->id; });
            for (const auto& s : pool) bins[static_cast<size_t>(b)].exemplars.push_back(expand(s));
            r.quantiles.push_back(std::move(bins[static_cast<size_t>(b)]));
        }
    }

    for (size_t i = 0; i <= m_hist.size(); ++i) r.histogram.edges.push_back(kHistLow + m_histWidth * i);
    r.histogram.counts = m_hist;
    r.stats.tokens = m_tokens;
    if (m_tokens > 0) {
        r.stats.mean = m_sum / m_tokens;
        r.stats.std = std::sqrt(std::max(0.0, m_sumSq / m_tokens - r.stats.mean * r.stats.mean));
        r.stats.min = m_min;
        r.stats.max = m_max;
        r.stats.firingRate = double(m_positive) / m_tokens;
    }
    return r;
}

}  // namespace ns
