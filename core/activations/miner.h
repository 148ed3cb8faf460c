#pragma once

#include "activations/neuron_record.h"
#include "util/expected.h"

#include <QString>

#include <functional>
#include <memory>

namespace ns {

class BpeTokenizer;
class LanguageModel;
struct TensorData;

struct MineOptions {
    int layer = 0;
    int windowTokens = 64;   ///< exemplar length; documents are cut into windows of this size
                             ///< (a short document is one window; a tail under 8 tokens is left out)
    int batchSize = 32;      ///< windows gathered per forward call, rounded up to whole chunks of
                             ///< kForwardChunkRows; it never changes the records (see mineNeurons)
    int topK = 40;           ///< top windows by maximum, no two of them peaking within one window
                             ///< length of each other in one document (the same passage twice)
    int quantileBins = 5;    ///< bins of the window maxima over (0, max]
    int perBin = 8;          ///< windows sampled per bin
    int randomCount = 40;    ///< random windows, the same for every neuron
    int histogramBins = 64;
    uint64_t seed = 0;
    bool accumulate = true;  ///< false runs the same reading, tokenizing and forward passes only
                             ///< (the benchmark's plain-forward baseline); no records result
    /// The options that change results, as a stable text (part of the cache key).
    QString key() const;
};

struct MiningProgress {
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    int64_t tokens = 0;
    int64_t windows = 0;
};

struct LayerRecords {
    int layer = 0;
    int64_t tokens = 0;
    int64_t windows = 0;
    int64_t documents = 0;
    double seconds = 0;
    std::vector<NeuronRecord> neurons;
};

/// Records every neuron of one layer in a single pass over the corpus (batched forward passes
/// that stop at the layer, no gradients). `progress` may return false to cancel; the result is
/// deterministic for a seed.
Expected<LayerRecords> mineLayer(const LanguageModel& model, const QString& corpusPath,
                                 const MineOptions& options,
                                 const std::function<bool(const MiningProgress&)>& progress = {});

/// Activations of N neurons for a batch of equally long rows, neuron-major: [N, B, T].
using BatchActivations = std::function<Expected<TensorData>(const std::vector<std::vector<int>>&)>;

/// The same single pass for any neurons. Every window is computed in a chunk of kForwardChunkRows
/// windows of windowTokens tokens (short windows and the last chunk padded), the chunks fixed by
/// window order: the batch size and the number of threads change no bit of a record.
/// `activationsOf` answers each batch (a synthetic neuron evaluates its rules; a model runs a
/// forward pass). Records are numbered 0..N-1 and carry `options.layer`.
Expected<LayerRecords> mineNeurons(const BpeTokenizer& tokenizer, const QString& corpusPath, const MineOptions& options,
                                   int neuronCount, const BatchActivations& activationsOf,
                                   const std::function<bool(const MiningProgress&)>& progress = {});

}  // namespace ns
