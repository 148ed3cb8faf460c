#pragma once

#include "interchange/interchange.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

namespace ns {

// OpenAI automated-interpretability (neuron-explainer): a NeuronRecord per neuron in
// neurons/<layer>/<neuron>.json and a NeuronSimulationResults per neuron in
// explanations/<layer>/<neuron>.jsonl (one line). Every object carries "dataclass_name", as
// its fast_dataclasses serialiser writes, so its loaders rebuild the dataclasses.

/// NeuronRecord: top windows as most_positive_activation_records, the bin samples as
/// random_sample_by_quantile (quantile_boundaries are the bin edges), random windows, moments.
nlohmann::json openAiNeuronRecord(const NeuronExport& n, const TokenText& text);
/// NeuronSimulationResults with one ScoredExplanation: the explanation, its test correlation as
/// ev_correlation_score and, when simulated, a ScoredSequenceSimulation per test exemplar.
nlohmann::json openAiSimulationResults(const NeuronExport& n, const TokenText& text);

/// Writes both files of every neuron under `directory`; returns the number of files written.
Expected<int> writeOpenAiLayout(const QString& directory, const std::vector<NeuronExport>& neurons, const TokenText& text);

/// Every scored explanation in a NeuronSimulationResults file (.jsonl or .json), or in every
/// <layer>/<neuron>.jsonl under a directory (or its explanations/ folder).
Expected<std::vector<ForeignExplanation>> readOpenAiExplanations(const QString& path);

}  // namespace ns
