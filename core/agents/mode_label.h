#pragma once

#include "agents/pattern.h"

#include <QString>

namespace ns {

class TokenTable;

/// The built-in explainer's label for a mode (at most five words, never empty): the class's
/// label ("weekday names", "first pieces of month names"), with its context when it fits
/// ("tokens after month names"); for a list of tokens, the class most of them share ("mostly
/// prepositions"), else the tokens themselves ("the token 'of'", "tokens like 'of', 'in'").
QString patternLabel(const ModePattern& p, const TokenTable& table);

struct ModeExplanation;
/// A pattern as a mode: its sentence (renderPattern), the pattern, its label.
ModeExplanation patternExplanation(const ModePattern& p, const TokenTable& table);

}  // namespace ns
