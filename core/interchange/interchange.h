#pragma once

#include "activations/neuron_record.h"
#include "agents/sample.h"

#include <QString>

#include <functional>
#include <optional>
#include <vector>

namespace ns {

/// A token id's text as the other tools show it (" the").
using TokenText = std::function<QString(int)>;

/// What NeuronScope writes about one neuron in another tool's format.
struct NeuronExport {
    int layer = 0;
    int neuron = 0;
    const NeuronRecord* record = nullptr;
    QString explanation;       ///< the modes' sentences, one per line (exact weights when patterns)
    std::optional<double> score;  ///< the whole explanation's test correlation, when known
    QString explainer;         ///< who wrote it: "neuronscope:builtin", "neuronscope:openai:<model>"
    /// The test exemplars with the explanation's prediction at every token; empty when the
    /// explanation cannot be simulated offline (a text-only mode).
    std::vector<Sample> test;
    Simulation predicted;
};

/// An explanation read from another tool's file.
struct ForeignExplanation {
    int layer = -1;
    int neuron = -1;
    QString text;
    std::optional<double> score;  ///< the score the file reports (that tool's simulator)
    QString explainer;            ///< the model or person the file names, if any
    QString origin;               ///< file and line, for messages
};

/// Pearson correlation within one sequence, or no value when either side is constant (the field
/// is then written as null, as the other tools do for NaN).
std::optional<double> sequenceCorrelation(const std::vector<float>& actual, const std::vector<float>& predicted);

}  // namespace ns
