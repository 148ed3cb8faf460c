#include "model/tap.h"

#include <regex>

namespace ns {

std::string Tap::name() const {
    const std::string prefix = "blocks." + std::to_string(layer) + ".";
    switch (kind) {
    case Kind::ResidPre: return prefix + "hook_resid_pre";
    case Kind::MlpPre: return prefix + "mlp.hook_pre";
    case Kind::MlpPost: return prefix + "mlp.hook_post";
    }
    return {};
}

std::optional<Tap> Tap::parse(const std::string& name) {
    static const std::regex re(R"(blocks\.(\d+)\.(hook_resid_pre|mlp\.hook_pre|mlp\.hook_post))");
    std::smatch m;
    if (!std::regex_match(name, m, re)) return std::nullopt;
    Tap t;
    t.layer = std::stoi(m[1].str());
    t.kind = m[2] == "hook_resid_pre" ? Kind::ResidPre : m[2] == "mlp.hook_pre" ? Kind::MlpPre : Kind::MlpPost;
    return t;
}

}  // namespace ns
