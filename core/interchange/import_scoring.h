#pragma once

#include "interchange/interchange.h"
#include "util/expected.h"

#include <optional>

namespace ns {

class Backend;
class CacheDb;
class ExplainSession;

/// An explanation from another tool next to NeuronScope's own, both scored by NeuronScope's
/// simulator on the same test split (the split of NeuronScope's latest run for the neuron, or
/// seed 0 when it has none).
struct ImportScore {
    ForeignExplanation imported;
    uint64_t seed = 0;
    QString simulatedBy;              ///< "pattern", "llm", or empty when not scored
    std::optional<double> score;      ///< the imported explanation's test correlation
    QString note;                     ///< why it was not scored
    QString ownExplanation;           ///< NeuronScope's explanation as it stands, if any
    std::optional<double> ownScore;
};

/// Text in pattern notation (parsePatternText) runs offline; other text needs `textSimulator`
/// (an LLM backend), and without one it is reported as not scored. A neuron the model does not
/// have, or a simulator that fails, is a note on that explanation, not an error of the whole.
Expected<ImportScore> scoreImported(ExplainSession& session, CacheDb& db, const ForeignExplanation& imported,
                                    Backend* textSimulator);

}  // namespace ns
