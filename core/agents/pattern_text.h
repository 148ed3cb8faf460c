#pragma once

#include "agents/pattern.h"
#include "util/expected.h"

#include <QString>

#include <vector>

namespace ns {

/// How a pattern's weights are written: two decimals for people, or the shortest decimal that
/// gives back the same single-precision weight the simulator runs (for files other tools carry,
/// so that parsing the sentence scores exactly as the pattern did).
enum class WeightDigits { Readable, Exact };

/// The sentence that states the whole pattern: every literal with its weight, the class, every
/// condition. It is also a notation: parsePatternText() reads it back, so an explanation that
/// travels as plain text through another tool can still be run by the offline simulator.
QString renderPattern(const ModePattern& p, WeightDigits digits = WeightDigits::Readable);

/// Several modes' sentences, one per line.
QString renderPatterns(const std::vector<ModePattern>& modes, WeightDigits digits);

/// The patterns stated by one or more sentences in renderPattern's notation, separated by white
/// space. An error (with the character where reading stopped) for any other text, such as a
/// free-prose explanation, which only an LLM simulator can run.
Expected<std::vector<ModePattern>> parsePatternText(const QString& text);

}  // namespace ns
