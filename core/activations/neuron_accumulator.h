#pragma once

#include "activations/neuron_record.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace ns {

struct MineOptions;

/// Activations kept compactly (IEEE half) while mining; memory is what bounds the miner.
struct StoredExemplar {
    std::shared_ptr<const TokenWindow> window;
    std::vector<uint16_t> activations;
    float max = 0;
    uint64_t key = 0;  ///< sampling priority: smaller is kept
};

/// The streaming state of one neuron. Memory is bounded by the options (k, bins, samples),
/// never by the corpus: top-k is a heap of 3k candidates, from which no two windows are kept
/// whose peaks are within one window length in one document; each fine bin of window maxima keeps the s windows of
/// smallest priority (a uniform sample that merges exactly when the bin range doubles); the
/// token histogram doubles its range by merging neighbouring bins, also exactly.
class NeuronAccumulator {
public:
    explicit NeuronAccumulator(const MineOptions& options);

    /// One window's activations (length = window length) with its per-neuron sampling key.
    void add(const std::shared_ptr<const TokenWindow>& window, const float* acts, int length, uint64_t key);
    NeuronRecord finish(int layer, int neuron, const MineOptions& options) const;

private:
    void growLevelRange(double value);
    void growHistogramRange(double value);

    int m_topK, m_topCandidates, m_perBin;
    std::vector<StoredExemplar> m_top;  // min-heap on max, m_topCandidates of them
    // Fine bins over (0, m_levelTop]; windows with max <= 0 are not binned.
    double m_levelTop = 0;
    std::vector<std::vector<StoredExemplar>> m_levels;
    std::vector<int64_t> m_levelCounts;
    std::vector<uint64_t> m_levelLargestKey;  // of a full bin, so most windows never touch its exemplars
    // Token histogram over [kHistLow, kHistLow + width * bins).
    double m_histWidth;
    std::vector<int64_t> m_hist;
    // Moments (Welford would be overkill: doubles over a few million tokens are exact enough).
    double m_sum = 0, m_sumSq = 0, m_min = 0, m_max = 0;
    int64_t m_tokens = 0, m_positive = 0;
};

}  // namespace ns
