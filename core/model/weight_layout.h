#pragma once

#include "model/model_config.h"
#include "util/expected.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ns {

class SafetensorsFile;

/// A block's tensor name, "h.<layer>.<rest>" (after an optional "transformer." prefix).
struct LayerTensorName {
    int64_t layer = 0;  ///< kLayerTooLarge when the digits do not fit
    std::string_view rest;
    static constexpr int64_t kLayerTooLarge = -1;
};

/// The name without "transformer.", as Gpt2Net names its weights.
std::string_view withoutTransformerPrefix(std::string_view name);
/// Parses a tensor name by hand (names come from untrusted files and may be megabytes long):
/// nothing when it is not a block's tensor.
std::optional<LayerTensorName> parseLayerTensorName(std::string_view name);

/// Checks every tensor the configuration implies (names and shapes) against the file, and that
/// no block tensor lies beyond n_layer, before anything is allocated: a config.json that claims
/// more than model.safetensors holds is an error here, not an allocation of its claimed size.
Expected<void> checkWeightLayout(const SafetensorsFile& file, const ModelConfig& config);

}  // namespace ns
