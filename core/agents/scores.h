#pragma once

#include "agents/activity.h"
#include "agents/sample.h"

#include <optional>
#include <vector>

namespace ns {

/// The scores beside Pearson (DESIGN.md, "Score"), on flat series: one value per token of a
/// split, every exemplar's tokens in order. They follow NeuronEval (arXiv 2506.05774): a
/// token is "active" when its activation exceeds a fraction of the neuron's maximum over the
/// record, and the simulation is judged as a classifier of active tokens.
struct FlatSeries {
    std::vector<double> truth, simulation;
    std::vector<int> ids;
};
FlatSeries flatten(const std::vector<Sample>& samples, const Simulation& simulation);

/// Active tokens: truth > fraction * recordMax (fraction 0.25 by default).
std::vector<char> activeTokens(const std::vector<double>& truth, double recordMax, double fraction = kActiveFraction);

/// F1 of "simulation >= threshold" against `active`; null when no token is active.
std::optional<double> f1AtThreshold(const std::vector<double>& simulation, const std::vector<char>& active, double threshold);

/// The threshold that maximises F1 (choose it on valid, apply it on test). Candidates are the
/// distinct positive simulated values: a simulation of 0 says "does not fire", so predicting
/// every token active is never a candidate. +infinity (nothing predicted) when the
/// simulation is never positive; the smallest maximiser on ties.
double bestF1Threshold(const std::vector<double>& simulation, const std::vector<char>& active);

/// Average precision (area under the precision-recall curve, step-wise; tied simulated values
/// form one step); null when no token is active.
std::optional<double> averagePrecision(const std::vector<double>& simulation, const std::vector<char>& active);

/// Test positions whose token never occurs in any train window.
std::vector<char> novelPositions(const std::vector<int>& testIds, const std::vector<Sample>& train);

/// Pearson over the novel positions; null when fewer than `minActive` of them are active (a
/// list of train tokens cannot predict them, a class can).
std::optional<double> novelTokenScore(const FlatSeries& test, const std::vector<char>& novel, const std::vector<char>& active,
                                      int minActive = 5);

}  // namespace ns
