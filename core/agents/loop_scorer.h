#pragma once

#include "agents/loop_types.h"
#include "agents/activity.h"
#include "agents/splits.h"

namespace ns {

/// The scorer's final figures for one explanation (the loop's or single-pass) from its
/// simulations on valid and test: pooled r on test and on its random exemplars alone, the
/// novel-token r, and F1 (threshold chosen on valid) and AUPRC against the tokens above
/// `activeFraction` of `recordMax` (scores.h). A pure function of its inputs.
TestScores testScores(const ExemplarSplits& splits, const Simulation& valid, const Simulation& test, double recordMax,
                      int length, double activeFraction = kActiveFraction, int minNovelActive = 5);

/// The largest activation of the record's exemplars, which "active" is a fraction of.
double recordMaximum(const ExemplarSplits& splits, double statsMax);

}  // namespace ns
