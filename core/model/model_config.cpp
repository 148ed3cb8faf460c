#include "model/model_config.h"

#include <QFile>

#include <nlohmann/json.hpp>

namespace ns {

Expected<ModelConfig> ModelConfig::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    return parse(f.readAll().toStdString(), path);
}

Expected<ModelConfig> ModelConfig::parse(const std::string& text, const QString& source) {
    ModelConfig c;
    try {
        const auto j = nlohmann::json::parse(text);
        auto getInt = [&](const char* key, int* out, bool required) {
            if (j.contains(key) && j[key].is_number_integer()) {
                *out = j[key].get<int>();
            } else if (required) {
                throw std::runtime_error(std::string("missing integer \"") + key + "\"");
            }
        };
        getInt("vocab_size", &c.vocabSize, true);
        getInt("n_positions", &c.nPositions, true);
        getInt("n_embd", &c.nEmbd, true);
        getInt("n_layer", &c.nLayer, true);
        getInt("n_head", &c.nHead, true);
        c.nInner = 4 * c.nEmbd;
        getInt("n_inner", &c.nInner, false);
        if (j.contains("layer_norm_epsilon") && j["layer_norm_epsilon"].is_number())
            c.layerNormEps = j["layer_norm_epsilon"].get<double>();
        if (j.contains("activation_function") && j["activation_function"].is_string())
            c.activation = j["activation_function"].get<std::string>();
        if (j.contains("tie_word_embeddings") && j["tie_word_embeddings"].is_boolean())
            c.tieWordEmbeddings = j["tie_word_embeddings"].get<bool>();
    } catch (const std::exception& e) {
        return makeError(QStringLiteral("%1: not a GPT-2 config: %2").arg(source, QString::fromUtf8(e.what())));
    }
    if (const QString problem = c.validate(); !problem.isEmpty())
        return makeError(QStringLiteral("%1: %2").arg(source, problem));
    return c;
}

QString ModelConfig::validate() const {
    if (vocabSize <= 0 || nPositions <= 0 || nEmbd <= 0 || nLayer <= 0 || nHead <= 0 || nInner <= 0)
        return QStringLiteral("sizes must be positive");
    if (nEmbd % nHead != 0) return QStringLiteral("n_embd %1 is not divisible by n_head %2").arg(nEmbd).arg(nHead);
    if (activation != "gelu_new" && activation != "gelu_pytorch_tanh" && activation != "gelu")
        return QStringLiteral("activation_function \"%1\" is not supported (gelu_new, gelu_pytorch_tanh, gelu)")
            .arg(QString::fromStdString(activation));
    return {};
}

std::string ModelConfig::toJson() const {
    nlohmann::ordered_json j;
    j["architectures"] = {"GPT2LMHeadModel"};
    j["model_type"] = "gpt2";
    j["vocab_size"] = vocabSize;
    j["n_positions"] = nPositions;
    j["n_ctx"] = nPositions;
    j["n_embd"] = nEmbd;
    j["n_layer"] = nLayer;
    j["n_head"] = nHead;
    j["n_inner"] = nInner;
    j["activation_function"] = activation;
    j["layer_norm_epsilon"] = layerNormEps;
    j["tie_word_embeddings"] = tieWordEmbeddings;
    j["bos_token_id"] = vocabSize - 1;
    j["eos_token_id"] = vocabSize - 1;
    return j.dump(2);
}

}  // namespace ns
