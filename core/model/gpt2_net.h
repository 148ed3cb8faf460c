#pragma once

// Private to core: the only header that pulls in torch. Include it from few .cpp files.
#include <torch/torch.h>

#include "model/model_config.h"
#include "model/tap.h"

#include <map>
#include <string>
#include <vector>

namespace ns {

/// GPT-2 in libtorch: learned positions, pre-LayerNorm blocks, tanh GELU, tied unembedding.
/// Weights keep Hugging Face's Conv1D layout ([in, out]), so checkpoints load without transposes.
class Gpt2Net : public torch::nn::Module {
public:
    explicit Gpt2Net(const ModelConfig& config);

    /// Hugging Face names (without "transformer.") and the tensors behind them.
    std::vector<std::pair<std::string, torch::Tensor>> namedWeights() const;
    /// The unembedding [vocab, n_embd]: lm_head when the checkpoint has one, else wte.
    torch::Tensor unembedding() const { return m_lmHead.defined() ? m_lmHead : m_wte; }
    void setLmHead(const torch::Tensor& w);
    /// A neuron's output weights: row `neuron` of block `layer`'s MLP projection [n_embd].
    torch::Tensor outputWeights(int layer, int neuron) const { return m_blocks.at(static_cast<size_t>(layer)).projW[neuron]; }

    /// GPT-2's initialisation (normal 0.02, residual projections scaled by 1/sqrt(2 n_layer)).
    void initialise(uint64_t seed);

    /// Runs blocks 0..lastLayer (all when -1) and fills `taps` with the requested activations.
    /// Returns the logits [B, T, vocab] when lastLayer is -1, else an undefined tensor; when
    /// `logitsOut` is given the logits are written into it (no extra copy for the caller).
    torch::Tensor forward(const torch::Tensor& ids, const std::vector<Tap>& wanted,
                          std::map<Tap, torch::Tensor>* taps, int lastLayer = -1,
                          int* blocksRun = nullptr, torch::Tensor logitsOut = {});

    const ModelConfig& config() const { return m_config; }

private:
    struct Block {
        torch::Tensor ln1w, ln1b, attnW, attnB, attnProjW, attnProjB;
        torch::Tensor ln2w, ln2b, fcW, fcB, projW, projB;
    };
    torch::Tensor add(const std::string& hfName, std::vector<int64_t> shape);

    ModelConfig m_config;
    torch::Tensor m_wte, m_wpe, m_lnfW, m_lnfB, m_lmHead;
    std::vector<Block> m_blocks;
    std::vector<std::pair<std::string, torch::Tensor>> m_named;
};

}  // namespace ns
