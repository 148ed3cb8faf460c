#pragma once

#include "interchange/interchange.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace ns {

class Backend;
class CacheDb;
class ExplainSession;
struct MiningProgress;

/// Mining a neuron's layer when the cache lacks it reports here; returning false cancels.
using ImportMiningProgress = std::function<bool(const MiningProgress&)>;

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
                                    Backend* textSimulator, const ImportMiningProgress& mining = {});

/// One row as the command prints it and the explorer lists it.
nlohmann::json importScoreToJson(const ImportScore& score);

/// "openai" for a directory or a file of NeuronSimulationResults, else "neuronpedia".
QString detectImportFormat(const QString& path);

struct ImportRun {
    QString format;
    std::vector<ImportScore> rows;
    bool stopped = false;  ///< the progress callback asked to stop; rows holds what was done
};
/// Called after each explanation (done of total); returning false stops the import.
using ImportProgress = std::function<bool(int done, int total, const ImportScore& last)>;

/// Reads `path` in `format` (empty: detected), scores every explanation (only those of
/// `onlyLayer` when ≥ 0) and stores each that names a neuron of the model in the cache, where
/// the explorer shows it next to NeuronScope's own.
Expected<ImportRun> importExplanations(ExplainSession& session, CacheDb& db, const QString& path, QString format, Backend* textSimulator,
                                       int onlyLayer = -1, const ImportProgress& progress = {},
                                       const ImportMiningProgress& mining = {});

}  // namespace ns
