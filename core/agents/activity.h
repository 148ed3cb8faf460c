#pragma once

#include "activations/neuron_record.h"

namespace ns {

/// What "active" means for a neuron, in one place for the scores and the explorer: a token is
/// active when its activation exceeds kActiveFraction of the largest activation in the record
/// (NeuronEval, arXiv 2506.05774). F1 and AUPRC judge the simulation as a classifier of these
/// tokens (scores.h); the explorer frames an exemplar's peak only when it is active, and its
/// "active share" is the share of all mined tokens that are active.
constexpr double kActiveFraction = 0.25;

/// The largest activation of the record: its stats' maximum or any exemplar's, whichever is larger.
double recordPeak(const NeuronRecord& record);

/// kActiveFraction x recordPeak; +infinity when the record never goes above 0 (nothing is active).
double activeThreshold(const NeuronRecord& record);

/// The share of the histogram's tokens whose activation exceeds `threshold`. Bins wholly above
/// count in full; the bin holding the threshold counts in proportion to the part above it (the
/// histogram keeps no finer detail, so the share is exact to within that one bin). 0 for an
/// empty histogram.
double shareAbove(const Histogram& histogram, double threshold);

}  // namespace ns
