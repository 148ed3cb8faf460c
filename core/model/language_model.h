#pragma once

#include "model/model_config.h"
#include "model/tap.h"
#include "tokenizer/bpe_tokenizer.h"
#include "util/expected.h"

#include <QString>

#include <map>
#include <memory>
#include <vector>

namespace ns {

/// Leaves values uninitialised on resize: the forward pass writes every value it returns, and
/// zeroing them first (60 MB of logits for a batch of 32 x 64) would cost a pass over memory.
template <class T>
struct UninitialisedAllocator : std::allocator<T> {
    template <class U>
    struct rebind { using other = UninitialisedAllocator<U>; };
    template <class U>
    void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
    template <class U, class... Args>
    void construct(U* p, Args&&... args) { ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...); }
};

/// A batch is computed in chunks of this many rows, each on one core with single-threaded
/// kernels, the chunks spread over the compute threads. A row's values depend only on its
/// chunk's shape and rows, never on the number of threads: callers that must give the same bits
/// for any batch size (the miner) send whole chunks of one fixed shape.
inline constexpr int kForwardChunkRows = 8;

/// A dense float tensor handed across the torch-free API, row-major.
struct TensorData {
    std::vector<int64_t> shape;
    std::vector<float, UninitialisedAllocator<float>> values;
    float at(int64_t i, int64_t j, int64_t k) const {
        return values[static_cast<size_t>((i * shape[1] + j) * shape[2] + k)];
    }
};

struct ForwardResult {
    std::map<Tap, TensorData> taps;
    TensorData logits;  ///< [B, T, vocab] when asked for
    int layersRun = 0;  ///< blocks computed: the pass stops at the highest layer needed
};

/// Sets the threads the engine computes on (0 = number of cores). Torch starts with one thread.
void setComputeThreads(int threads = 0);
int computeThreads();

/// A GPT-2-family language model loaded from a Hugging Face directory: config.json,
/// model.safetensors and the tokenizer files. Thread-safe for concurrent forwards.
class LanguageModel {
public:
    static Expected<std::shared_ptr<LanguageModel>> load(const QString& dir);
    ~LanguageModel();

    const ModelConfig& config() const;
    const BpeTokenizer& tokenizer() const;
    const QString& directory() const;
    /// SHA-256 over config, weights and tokenizer files: the cache key of this model.
    const QString& fingerprint() const;

    /// Runs the rows of `batch` (equal lengths, at most n_positions) and returns the taps asked
    /// for, computing no layer above the highest one needed; logits run every layer.
    Expected<ForwardResult> forward(const std::vector<std::vector<int>>& batch,
                                    const std::vector<Tap>& taps, bool logits = false) const;

    /// The neuron activations (post-GELU MLP) of `layer` for each row: [B, T, d_mlp].
    Expected<TensorData> mlpActivations(const std::vector<std::vector<int>>& batch, int layer) const;
    /// The same, neuron-major: [d_mlp, B, T], so each neuron's tokens are contiguous.
    Expected<TensorData> mlpActivationsByNeuron(const std::vector<std::vector<int>>& batch, int layer) const;

    /// What a neuron writes, read through the unembedding: its output weights (W_out row) times
    /// the unembedding, one logit contribution per vocabulary token (LayerNorm left out).
    Expected<std::vector<float>> outputLogits(int layer, int neuron) const;

    /// Mean next-token cross-entropy in nats over `ids`, in windows of n_positions.
    struct Loss { int64_t tokens = 0; double meanNats = 0; };
    Expected<Loss> loss(const std::vector<int>& ids) const;

private:
    LanguageModel();
    Expected<ForwardResult> run(const std::vector<std::vector<int>>& batch, const std::vector<Tap>& taps,
                                bool logits, bool neuronMajor) const;
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace ns
