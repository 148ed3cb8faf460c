#pragma once

#include "interchange/interchange.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

namespace ns {

// Neuronpedia's explanation upload: one feature object per explanation, as the body of
// POST /api/explanation/new ({"feature": ...}) and as SAELens saves them to disk, one per line:
// modelId, layer ("<layer>-<source>"), index, explanation, explanationModel, explanationScore,
// and the scoring data simulationModel, simulationScore, simulationActivations and activations.

struct NeuronpediaIds {
    QString modelId;   ///< the model's id on Neuronpedia
    QString source;    ///< the source (set) id after the layer: layer "3-<source>"
};

nlohmann::json neuronpediaFeature(const NeuronExport& n, const NeuronpediaIds& ids, const TokenText& text);

/// Explanations from a .jsonl (one feature per line, bare or wrapped as {"feature": ...}) or a
/// .json array. Also reads Neuronpedia's explanation exports, whose text field is "description"
/// and whose model field is "explanationModelName".
Expected<std::vector<ForeignExplanation>> readNeuronpediaExplanations(const QString& path);

}  // namespace ns
