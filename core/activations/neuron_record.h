#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace ns {

/// A window of corpus tokens; shared by the exemplars of many neurons.
struct TokenWindow {
    int64_t id = 0;        ///< index of the window in the corpus pass
    int64_t document = 0;  ///< 0-based document of the corpus
    int64_t offset = 0;    ///< token offset of the window inside its document
    std::vector<int> tokens;
};

/// One window with one neuron's activation at every token.
struct Exemplar {
    std::shared_ptr<const TokenWindow> window;
    std::vector<float> activations;
    float max = 0;
    int maxIndex = 0;
};

/// Windows whose maximum lies in (low, high], sampled uniformly; `population` counts them all.
struct QuantileBin {
    double low = 0;
    double high = 0;
    int64_t population = 0;
    std::vector<Exemplar> exemplars;
};

struct Histogram {
    std::vector<double> edges;  ///< counts.size() + 1 edges
    std::vector<int64_t> counts;
};

struct NeuronStats {
    int64_t tokens = 0;
    double mean = 0;
    double std = 0;
    double min = 0;
    double max = 0;
    double firingRate = 0;  ///< fraction of tokens with activation > 0
};

/// Everything the miner keeps of one neuron: top windows by their maximum, samples from bins of
/// the window maxima over (0, max], random windows, a histogram of token activations, moments.
struct NeuronRecord {
    int layer = 0;
    int neuron = 0;
    std::vector<Exemplar> top;
    std::vector<QuantileBin> quantiles;
    std::vector<Exemplar> random;
    Histogram histogram;
    NeuronStats stats;
};

}  // namespace ns
