#pragma once

#include "interchange/neuronpedia_format.h"
#include "util/expected.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <vector>

namespace ns {

class CacheDb;
class ExplainSession;

enum class ExportFormat {
    Csv,          ///< one row per neuron: id, max activation, firing rate, modes, scores, status, explanation
    Json,         ///< NeuronScope's own schema ("neuronscope-export", docs/interchange.md)
    OpenAi,       ///< OpenAI automated-interpretability's directory layout
    Neuronpedia,  ///< Neuronpedia explanation uploads, one per line
};
/// "csv", "json", "openai" or "neuronpedia".
Expected<ExportFormat> exportFormatNamed(const QString& name);

struct LayerExportRequest {
    int layer = 0;
    std::vector<int> neurons;    ///< which (a neuron, a selection); empty: the whole layer
    ExportFormat format = ExportFormat::Csv;
    NeuronpediaIds neuronpedia;  ///< empty model id: the model directory's name
};

/// Called after each neuron; returning false stops the export (an error "stopped").
using ExportProgress = std::function<bool(int done, int total)>;

/// A mined layer's neurons as the cache has them (records, explanations as decided, imports).
/// OpenAi writes into `directory` and returns a one-line summary; the other formats return the
/// file's bytes. The layer must be mined for the session's model, corpus and options.
Expected<QByteArray> exportLayer(ExplainSession& session, CacheDb& db, const LayerExportRequest& request, const QString& directory = {},
                                 const ExportProgress& progress = {});

}  // namespace ns
