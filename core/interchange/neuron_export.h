#pragma once

#include "interchange/interchange.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

namespace ns {

class ExplainSession;

/// Fills `n`'s explanation, score, explainer and test simulation from a stored loop result and
/// the decisions about that run (see decidedModes). Modes with patterns are written as exact
/// sentences and re-simulated on the run's stored test split, so the score is the one NeuronScope
/// shows for the explanation as it stands; text-only modes are written as their text, with the
/// whole score kept for the explanation as decided (decidedWholeScore: none for a text edit the
/// LLM simulator did not score) and no per-token simulation.
Expected<void> describeExplanation(ExplainSession& session, const StoredExplanation& run, const std::vector<Review>& reviews,
                                   NeuronExport& n);

}  // namespace ns
