#include "model/gpt2_net.h"

#include <algorithm>
#include <cmath>

namespace ns {

torch::Tensor Gpt2Net::add(const std::string& hfName, std::vector<int64_t> shape) {
    std::string key = hfName;
    std::replace(key.begin(), key.end(), '.', '_');  // module parameter names cannot hold dots
    auto t = register_parameter(key, torch::zeros(shape));
    m_named.emplace_back(hfName, t);
    return t;
}

Gpt2Net::Gpt2Net(const ModelConfig& c) : m_config(c) {
    const int64_t E = c.nEmbd, I = c.nInner;
    m_wte = add("wte.weight", {c.vocabSize, E});
    m_wpe = add("wpe.weight", {c.nPositions, E});
    for (int l = 0; l < c.nLayer; ++l) {
        const std::string p = "h." + std::to_string(l) + ".";
        Block b;
        b.ln1w = add(p + "ln_1.weight", {E});
        b.ln1b = add(p + "ln_1.bias", {E});
        b.attnW = add(p + "attn.c_attn.weight", {E, 3 * E});
        b.attnB = add(p + "attn.c_attn.bias", {3 * E});
        b.attnProjW = add(p + "attn.c_proj.weight", {E, E});
        b.attnProjB = add(p + "attn.c_proj.bias", {E});
        b.ln2w = add(p + "ln_2.weight", {E});
        b.ln2b = add(p + "ln_2.bias", {E});
        b.fcW = add(p + "mlp.c_fc.weight", {E, I});
        b.fcB = add(p + "mlp.c_fc.bias", {I});
        b.projW = add(p + "mlp.c_proj.weight", {I, E});
        b.projB = add(p + "mlp.c_proj.bias", {E});
        m_blocks.push_back(b);
    }
    m_lnfW = add("ln_f.weight", {E});
    m_lnfB = add("ln_f.bias", {E});
}

std::vector<std::pair<std::string, torch::Tensor>> Gpt2Net::namedWeights() const {
    auto out = m_named;
    if (m_lmHead.defined()) out.emplace_back("lm_head.weight", m_lmHead);
    return out;
}

void Gpt2Net::setLmHead(const torch::Tensor& w) { m_lmHead = register_parameter("lm_head_weight", w); }

void Gpt2Net::initialise(uint64_t seed) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(seed);
    const double residualStd = 0.02 / std::sqrt(2.0 * m_config.nLayer);
    for (auto& [name, t] : m_named) {
        const bool isBias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        const bool isLn = name.find("ln_") != std::string::npos;
        if (isLn && !isBias) t.fill_(1.0);
        else if (isBias) t.zero_();
        else if (name.find("c_proj.weight") != std::string::npos) t.normal_(0.0, residualStd);
        else t.normal_(0.0, 0.02);
    }
}

torch::Tensor Gpt2Net::forward(const torch::Tensor& ids, const std::vector<Tap>& wanted,
                               std::map<Tap, torch::Tensor>* taps, int lastLayer, int* blocksRun,
                               torch::Tensor logitsOut) {
    namespace F = torch::nn::functional;
    const auto& c = m_config;
    const int64_t B = ids.size(0), T = ids.size(1), E = c.nEmbd, H = c.nHead, D = E / H;
    auto want = [&](int layer, Tap::Kind k) {
        return taps && std::find(wanted.begin(), wanted.end(), Tap{layer, k}) != wanted.end();
    };
    const int stop = lastLayer < 0 ? c.nLayer - 1 : std::min(lastLayer, c.nLayer - 1);

    auto x = m_wte.index_select(0, ids.reshape({-1})).view({B, T, E}) +
             m_wpe.slice(0, 0, T).unsqueeze(0);
    const auto mask = torch::ones({T, T}, torch::kBool).triu(1);
    const auto ln = [&](const torch::Tensor& v, const torch::Tensor& w, const torch::Tensor& b) {
        return torch::layer_norm(v, {E}, w, b, c.layerNormEps);
    };
    for (int l = 0; l <= stop; ++l) {
        const Block& b = m_blocks[l];
        if (blocksRun) *blocksRun = l + 1;
        if (want(l, Tap::Kind::ResidPre)) (*taps)[Tap{l, Tap::Kind::ResidPre}] = x;
        auto qkv = torch::addmm(b.attnB, ln(x, b.ln1w, b.ln1b).view({B * T, E}), b.attnW).view({B, T, 3, H, D});
        auto q = qkv.select(2, 0).transpose(1, 2);  // [B, H, T, D]
        auto k = qkv.select(2, 1).transpose(1, 2);
        auto v = qkv.select(2, 2).transpose(1, 2);
        auto att = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(D)));
        att = torch::softmax(att.masked_fill(mask, -std::numeric_limits<float>::infinity()), -1);
        auto y = torch::matmul(att, v).transpose(1, 2).reshape({B * T, E});
        x = x + torch::addmm(b.attnProjB, y, b.attnProjW).view({B, T, E});

        const bool needMlpOnlyForTap = (l == stop && lastLayer >= 0);
        auto pre = torch::addmm(b.fcB, ln(x, b.ln2w, b.ln2b).view({B * T, E}), b.fcW);
        auto post = torch::gelu(pre, c.tanhGelu() ? "tanh" : "none");
        if (want(l, Tap::Kind::MlpPre)) (*taps)[Tap{l, Tap::Kind::MlpPre}] = pre.view({B, T, -1});
        if (want(l, Tap::Kind::MlpPost)) (*taps)[Tap{l, Tap::Kind::MlpPost}] = post.view({B, T, -1});
        if (needMlpOnlyForTap) return {};  // the caller asked for nothing above this layer
        x = x + torch::addmm(b.projB, post, b.projW).view({B, T, E});
    }
    if (lastLayer >= 0) return {};
    x = ln(x, m_lnfW, m_lnfB);
    if (logitsOut.defined()) return torch::matmul_out(logitsOut, x, unembedding().t());
    return torch::matmul(x, unembedding().t());
}

}  // namespace ns
