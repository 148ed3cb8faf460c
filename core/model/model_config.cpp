#include "model/model_config.h"

#include "util/bounded_read.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace ns {

Expected<ModelConfig> ModelConfig::load(const QString& path) {
    auto bytes = readBoundedFile(path, kMaxConfigBytes);
    if (!bytes) return Error{bytes.error()};
    return parse(bytes->toStdString(), path);
}

namespace {

constexpr int64_t kMaxSize = std::numeric_limits<int>::max();

/// A size key as a 64-bit value, so that nothing above 2^31 is truncated before it is checked.
void readSize(const nlohmann::json& j, const char* key, int* out, bool required) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) throw std::runtime_error(std::string("missing integer \"") + key + "\"");
        return;
    }
    if (!it->is_number_integer()) throw std::runtime_error(std::string("\"") + key + "\" must be an integer, not " + it->dump());
    const bool tooLarge = it->is_number_unsigned() ? it->get<uint64_t>() > uint64_t(kMaxSize) : it->get<int64_t>() > kMaxSize;
    if (tooLarge || it->get<int64_t>() < 1)
        throw std::runtime_error(std::string("\"") + key + "\" = " + it->dump() + " is out of range (1 to " +
                                 std::to_string(kMaxSize) + ")");
    *out = static_cast<int>(it->get<int64_t>());
}

}  // namespace

Expected<ModelConfig> ModelConfig::parse(const std::string& text, const QString& source) {
    ModelConfig c;
    try {
        const auto j = nlohmann::json::parse(text);
        if (!j.is_object()) throw std::runtime_error("the file is not a JSON object");
        readSize(j, "vocab_size", &c.vocabSize, true);
        readSize(j, "n_positions", &c.nPositions, true);
        readSize(j, "n_embd", &c.nEmbd, true);
        readSize(j, "n_layer", &c.nLayer, true);
        readSize(j, "n_head", &c.nHead, true);
        if (j.contains("n_inner") && !j["n_inner"].is_null()) {
            readSize(j, "n_inner", &c.nInner, true);
        } else {
            if (4 * int64_t(c.nEmbd) > kMaxSize)
                throw std::runtime_error("n_inner is null and 4 * n_embd = " + std::to_string(4 * int64_t(c.nEmbd)) +
                                         " is out of range (1 to " + std::to_string(kMaxSize) + ")");
            c.nInner = 4 * c.nEmbd;
        }
        if (const auto it = j.find("layer_norm_epsilon"); it != j.end() && !it->is_null()) {
            if (!it->is_number()) throw std::runtime_error("\"layer_norm_epsilon\" must be a number, not " + it->dump());
            c.layerNormEps = it->get<double>();
        }
        if (const auto it = j.find("activation_function"); it != j.end() && !it->is_null()) {
            if (!it->is_string()) throw std::runtime_error("\"activation_function\" must be a string, not " + it->dump());
            c.activation = it->get<std::string>();
        }
        if (const auto it = j.find("tie_word_embeddings"); it != j.end() && !it->is_null()) {
            if (!it->is_boolean()) throw std::runtime_error("\"tie_word_embeddings\" must be true or false, not " + it->dump());
            c.tieWordEmbeddings = it->get<bool>();
        }
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
    // LayerNorm divides by sqrt(variance + epsilon): a negative or huge epsilon gives NaN or flat activations.
    if (!std::isfinite(layerNormEps) || layerNormEps <= 0 || layerNormEps > 1)
        return QStringLiteral("layer_norm_epsilon %1 is out of range (greater than 0, at most 1)").arg(layerNormEps);
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
