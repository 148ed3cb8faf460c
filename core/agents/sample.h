#pragma once

#include <cstdint>
#include <vector>

namespace ns {

enum class SampleKind { Top, Quantile, Random, Probe };

/// A token sequence with the neuron's true activation at every token: an exemplar of one split,
/// or a probe the agents ran through the activation source.
struct Sample {
    std::vector<int> ids;
    std::vector<float> acts;
    SampleKind kind = SampleKind::Top;
    int64_t document = -1;
    int64_t windowId = -1;
};

/// One predicted activation per token of each sample.
using Simulation = std::vector<std::vector<float>>;

}  // namespace ns
