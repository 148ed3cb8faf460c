#pragma once

#include <optional>
#include <string>

namespace ns {

/// A named activation inside the transformer, spelled as TransformerLens spells it.
struct Tap {
    enum class Kind { ResidPre, MlpPre, MlpPost };
    int layer = 0;
    Kind kind = Kind::MlpPost;

    /// "blocks.L.hook_resid_pre", "blocks.L.mlp.hook_pre" or "blocks.L.mlp.hook_post".
    std::string name() const;
    static std::optional<Tap> parse(const std::string& name);
    bool operator<(const Tap& o) const { return layer != o.layer ? layer < o.layer : kind < o.kind; }
    bool operator==(const Tap& o) const { return layer == o.layer && kind == o.kind; }
};

inline Tap neuronTap(int layer) { return Tap{layer, Tap::Kind::MlpPost}; }

}  // namespace ns
