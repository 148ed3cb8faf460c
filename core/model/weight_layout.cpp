#include "model/weight_layout.h"

#include "model/safetensors.h"
#include "text/utf8.h"

#include <QStringList>

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <vector>

namespace ns {
namespace {

QString shapeText(const std::vector<int64_t>& s) {
    QStringList parts;
    for (auto v : s) parts << QString::number(v);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

bool isLegacyMaskBuffer(std::string_view rest) { return rest == "attn.bias" || rest == "attn.masked_bias"; }

}  // namespace

std::string_view withoutTransformerPrefix(std::string_view name) {
    constexpr std::string_view prefix = "transformer.";
    return name.substr(0, prefix.size()) == prefix ? name.substr(prefix.size()) : name;
}

std::optional<LayerTensorName> parseLayerTensorName(std::string_view name) {
    name = withoutTransformerPrefix(name);
    if (name.size() < 4 || name.substr(0, 2) != "h.") return std::nullopt;
    size_t i = 2;
    int64_t layer = 0;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') {
        if (layer != LayerTensorName::kLayerTooLarge) {
            layer = layer * 10 + (name[i] - '0');
            if (layer > std::numeric_limits<int>::max()) layer = LayerTensorName::kLayerTooLarge;
        }
        ++i;
    }
    if (i == 2 || i >= name.size() || name[i] != '.') return std::nullopt;
    return LayerTensorName{layer, name.substr(i + 1)};
}

Expected<void> checkWeightLayout(const SafetensorsFile& file, const ModelConfig& c) {
    std::unordered_map<std::string_view, const TensorInfo*> byName;
    std::vector<int64_t> layers;
    for (const auto& t : file.tensors()) {
        const std::string_view name = withoutTransformerPrefix(t.name);
        if (const auto parsed = parseLayerTensorName(name)) {
            if (isLegacyMaskBuffer(parsed->rest)) continue;
            if (parsed->layer == LayerTensorName::kLayerTooLarge || parsed->layer >= c.nLayer)
                return makeError(QStringLiteral("%1: tensor '%2' belongs to a layer beyond config.json's n_layer = %3")
                                     .arg(file.path(), toDisplayText(t.name)).arg(c.nLayer));
            layers.push_back(parsed->layer);
        }
        byName[name] = &t;
    }
    // Every layer below n_layer must have tensors; this bounds the loop below by the file's size.
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    if (static_cast<int64_t>(layers.size()) < c.nLayer) {
        int64_t missing = 0;
        while (missing < static_cast<int64_t>(layers.size()) && layers[static_cast<size_t>(missing)] == missing) ++missing;
        return makeError(QStringLiteral("%1: config.json says n_layer = %2, but the file has no tensors for layer %3")
                             .arg(file.path()).arg(c.nLayer).arg(missing));
    }
    auto expect = [&](const std::string& name, std::vector<int64_t> shape) -> Expected<void> {
        const auto it = byName.find(name);
        if (it == byName.end())
            return makeError(QStringLiteral("%1: tensor '%2' is missing (looked for it with and without the 'transformer.' prefix)")
                                 .arg(file.path(), QString::fromStdString(name)));
        if (it->second->shape != shape)
            return makeError(QStringLiteral("%1: tensor '%2' has shape %3, but config.json implies %4")
                                 .arg(file.path(), toDisplayText(it->second->name), shapeText(it->second->shape), shapeText(shape)));
        return {};
    };
    const int64_t V = c.vocabSize, P = c.nPositions, E = c.nEmbd, I = c.nInner;
    if (auto r = expect("wte.weight", {V, E}); !r) return r;
    if (auto r = expect("wpe.weight", {P, E}); !r) return r;
    for (int l = 0; l < c.nLayer; ++l) {
        const std::string p = "h." + std::to_string(l) + ".";
        const std::pair<const char*, std::vector<int64_t>> block[] = {
            {"ln_1.weight", {E}}, {"ln_1.bias", {E}}, {"attn.c_attn.weight", {E, 3 * E}}, {"attn.c_attn.bias", {3 * E}},
            {"attn.c_proj.weight", {E, E}}, {"attn.c_proj.bias", {E}}, {"ln_2.weight", {E}}, {"ln_2.bias", {E}},
            {"mlp.c_fc.weight", {E, I}}, {"mlp.c_fc.bias", {I}}, {"mlp.c_proj.weight", {I, E}}, {"mlp.c_proj.bias", {E}}};
        for (const auto& [rest, shape] : block)
            if (auto r = expect(p + rest, shape); !r) return r;
    }
    if (auto r = expect("ln_f.weight", {E}); !r) return r;
    if (auto r = expect("ln_f.bias", {E}); !r) return r;
    if (byName.count("lm_head.weight"))
        if (auto r = expect("lm_head.weight", {V, E}); !r) return r;
    return {};
}

}  // namespace ns
