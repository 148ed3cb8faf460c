#include "cli_common.h"
#include "commands.h"

#include "model/language_model.h"
#include "train/bigram.h"
#include "util/resource_paths.h"

#include <QFile>

#include <cmath>

namespace ns::cli {
namespace {

nlohmann::json tokenTexts(const BpeTokenizer& tok, const std::vector<int>& ids) {
    nlohmann::json out = nlohmann::json::array();
    for (int id : ids) out.push_back(tok.tokenText(id).toStdString());
    return out;
}

}  // namespace

int runInfo(const QStringList& args) {
    Command c(QStringLiteral("Prints the model's configuration."));
    addModelOption(c);
    if (int rc = c.parse(args); rc >= 0) return rc;
    auto m = loadModel(c);
    if (!m) return fail(m.error());
    const ModelConfig& cfg = (*m)->config();
    printJson({{"directory", (*m)->directory().toStdString()},
               {"fingerprint", (*m)->fingerprint().toStdString()},
               {"vocab_size", cfg.vocabSize},
               {"n_positions", cfg.nPositions},
               {"n_embd", cfg.nEmbd},
               {"n_layer", cfg.nLayer},
               {"n_head", cfg.nHead},
               {"d_mlp", cfg.nInner},
               {"activation_function", cfg.activation},
               {"layer_norm_epsilon", cfg.layerNormEps},
               {"tie_word_embeddings", cfg.tieWordEmbeddings},
               {"neuron_tap", "blocks.L.mlp.hook_post"}});
    return 0;
}

int runTokenize(const QStringList& args) {
    Command c(QStringLiteral("Tokenizes a text: {\"ids\": [...], \"tokens\": [...]}."));
    addModelOption(c);
    addTextOptions(c);
    c.addFlag(QStringLiteral("special"), QStringLiteral("Recognise special tokens such as <|endoftext|>."));
    if (int rc = c.parse(args); rc >= 0) return rc;
    auto text = readTextOption(c);
    if (!text) return fail(text.error());
    auto m = loadModel(c);
    if (!m) return fail(m.error());
    const auto ids = (*m)->tokenizer().encode(*text, c.isSet(QStringLiteral("special")));
    printJson({{"ids", ids}, {"tokens", tokenTexts((*m)->tokenizer(), ids)}});
    return 0;
}

int runActivations(const QStringList& args) {
    Command c(QStringLiteral("MLP neuron activations (post-GELU, blocks.L.mlp.hook_post) of a layer on a text."));
    addModelOption(c);
    addTextOptions(c);
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("neuron"), QStringLiteral("Neuron (0-based); all neurons of the layer when absent."), QStringLiteral("N"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    auto text = readTextOption(c);
    if (!text) return fail(text.error());
    auto m = loadModel(c);
    if (!m) return fail(m.error());
    const auto& model = **m;
    auto layer = c.intValue(QStringLiteral("layer"), 0, model.config().nLayer - 1);
    if (!layer) return fail(layer.error());
    int neuron = -1;
    if (c.isSet(QStringLiteral("neuron"))) {
        auto n = c.intValue(QStringLiteral("neuron"), 0, model.config().nInner - 1);
        if (!n) return fail(n.error());
        neuron = *n;
    }
    const auto ids = model.tokenizer().encode(*text);
    if (ids.empty()) return fail(QStringLiteral("the text has no tokens"));
    nlohmann::json acts = nlohmann::json::array();
    const size_t ctx = static_cast<size_t>(model.config().nPositions);
    // Longer texts run in consecutive context-sized windows.
    for (size_t start = 0; start < ids.size(); start += ctx) {
        std::vector<int> window(ids.begin() + start, ids.begin() + std::min(ids.size(), start + ctx));
        auto a = model.mlpActivations({window}, *layer);
        if (!a) return fail(a.error());
        const int64_t d = a->shape[2];
        for (size_t t = 0; t < window.size(); ++t) {
            for (int64_t n = 0; n < d; ++n)  // JSON has no inf or NaN: nulls would read as a result
                if (!std::isfinite(a->at(0, static_cast<int64_t>(t), n)))
                    return fail(QStringLiteral("%1: layer %2, neuron %3 has a non-finite activation (%4) at token %5; "
                                               "the model's weights overflow float")
                                    .arg(model.directory()).arg(*layer).arg(n)
                                    .arg(QString::number(a->at(0, static_cast<int64_t>(t), n))).arg(start + t));
            if (neuron >= 0) {
                acts.push_back(a->at(0, t, neuron));
            } else {
                const float* row = a->values.data() + t * d;
                acts.push_back(std::vector<float>(row, row + d));
            }
        }
    }
    printJson({{"layer", *layer}, {"tokens", tokenTexts(model.tokenizer(), ids)}, {"activations", acts}});
    return 0;
}

int runEval(const QStringList& args) {
    Command c(QStringLiteral("Mean next-token cross-entropy (nats) on a text file."));
    addModelOption(c);
    c.addValue(QStringLiteral("file"), QStringLiteral("UTF-8 text file."), QStringLiteral("F"));
    c.addFlag(QStringLiteral("special"), QStringLiteral("Recognise <|endoftext|> as the document separator."));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("file"))) return fail(QStringLiteral("--file is required"));
    auto text = readFileBytes(c.value(QStringLiteral("file")));
    if (!text) return fail(text.error());
    auto m = loadModel(c);
    if (!m) return fail(m.error());
    const auto ids = (*m)->tokenizer().encode(*text, c.isSet(QStringLiteral("special")));
    auto l = (*m)->loss(ids);
    if (!l) return fail(l.error());
    printJson({{"tokens", l->tokens}, {"loss", l->meanNats}});
    return 0;
}

int runBigram(const QStringList& args) {
    Command c(QStringLiteral("The bigram baseline: add-k bigram counts from --train, mean cross-entropy on --file (nats)."));
    addModelOption(c);
    c.addValue(QStringLiteral("train"), QStringLiteral("Text to count bigrams on."), QStringLiteral("F"));
    c.addValue(QStringLiteral("file"), QStringLiteral("Text to evaluate on."), QStringLiteral("F"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("train")) || !c.isSet(QStringLiteral("file"))) return fail(QStringLiteral("--train and --file are required"));
    auto m = loadModel(c);
    if (!m) return fail(m.error());
    auto trainText = readFileBytes(c.value(QStringLiteral("train")));
    if (!trainText) return fail(trainText.error());
    auto evalText = readFileBytes(c.value(QStringLiteral("file")));
    if (!evalText) return fail(evalText.error());
    const auto& tok = (*m)->tokenizer();
    const auto r = bigramLoss(tok.encode(*trainText, true), tok.encode(*evalText, true), tok.vocabSize());
    printJson({{"loss", r.loss}, {"add_k", r.addK}, {"train_tokens", r.trainTokens}, {"tokens", r.evalTokens}});
    return 0;
}

}  // namespace ns::cli
