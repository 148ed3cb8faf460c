#pragma once

#include "agents/explanation.h"
#include "agents/pattern.h"

#include <vector>

namespace ns {

/// What an explanation costs to read (DESIGN.md, "Description length"): each literal token,
/// each token class, each exception to a class, each context condition, and each token or
/// class inside a condition counts 1; a class of fewer than 5 words counts its words
/// (classLength). Weights and the piece of the word are free: they say how strongly and where,
/// not what.
int patternLength(const ModePattern& pattern);

/// One mode: its pattern's length; a mode with text only (an LLM's or a person's sentence)
/// counts 1 for the sentence plus 1 for every quoted token it lists.
int modeLength(const ModeExplanation& mode);

/// The whole explanation, all modes together: the figure the one budget bounds.
int explanationLength(const std::vector<ModeExplanation>& modes);

}  // namespace ns
