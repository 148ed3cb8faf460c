#pragma once

#include "agents/pattern.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace ns {

/// One mode's explanation: text for people and, from the built-in backend or a person who
/// wrote one, an executable pattern.
struct ModeExplanation {
    QString text;
    std::optional<ModePattern> pattern;
    /// A name of at most kMaxLabelWords words ("weekday names") shown above the sentence;
    /// empty when the explainer gave none (displayLabel() then derives one from the text).
    QString label;
    /// Stable identity of the content (text and pattern), for memoising simulations.
    std::string identity() const;
};

constexpr int kMaxLabelWords = 5;

/// The mode's label, never empty: its own, cut to kMaxLabelWords words, else the first words
/// of its text, else "unnamed mode".
QString displayLabel(const ModeExplanation& m);
/// `text` cut to at most kMaxLabelWords words (whitespace-separated), simplified.
QString clipLabel(const QString& text);

/// A token the current explanation gets wrong on valid, with its context, for the refiner.
struct Miss {
    int sample = 0;
    int position = 0;
    int token = 0;
    float actual = 0;
    float predicted = 0;
    int mode = -1;  ///< the mode that predicted it (false positives)
};

/// A candidate revision of the whole explanation, with the reason the refiner gives.
struct Revision {
    QString change;
    std::vector<ModeExplanation> modes;
    /// For each mode, the index of the mode it revises, or -1 for a new one. Empty means the
    /// modes keep their places.
    std::vector<int> origin;
};

}  // namespace ns
