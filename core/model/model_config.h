#pragma once

#include "util/expected.h"

#include <QString>

#include <string>

namespace ns {

/// A GPT-2-family configuration, as Hugging Face's config.json spells it.
struct ModelConfig {
    int vocabSize = 0;
    int nPositions = 0;
    int nEmbd = 0;
    int nLayer = 0;
    int nHead = 0;
    int nInner = 0;  ///< the MLP width (d_mlp); 4 * nEmbd when config.json says null
    double layerNormEps = 1e-5;
    std::string activation = "gelu_new";  ///< gelu_new / gelu_pytorch_tanh (tanh) or gelu (erf)
    bool tieWordEmbeddings = true;

    static Expected<ModelConfig> load(const QString& configJsonPath);
    static Expected<ModelConfig> parse(const std::string& json, const QString& sourceName);
    std::string toJson() const;
    /// Empty when the configuration is usable, else what is wrong.
    QString validate() const;
    bool tanhGelu() const { return activation != "gelu"; }
};

}  // namespace ns
