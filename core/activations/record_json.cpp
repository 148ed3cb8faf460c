#include "activations/record_json.h"

#include "tokenizer/bpe_tokenizer.h"

#include <cmath>

namespace ns {
namespace {
// JSON has no NaN or infinity; a non-finite number (never expected) is written as 0.
double finite(double x) { return std::isfinite(x) ? x : 0.0; }

nlohmann::json exemplars(const std::vector<Exemplar>& v, const BpeTokenizer& tok, size_t limit = SIZE_MAX) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < v.size() && i < limit; ++i) out.push_back(exemplarToJson(v[i], tok));
    return out;
}
}  // namespace

nlohmann::json exemplarToJson(const Exemplar& e, const BpeTokenizer& tok) {
    nlohmann::json tokens = nlohmann::json::array(), acts = nlohmann::json::array();
    for (int id : e.window->tokens) tokens.push_back(tok.tokenText(id).toStdString());
    for (float a : e.activations) acts.push_back(finite(a));
    return {{"tokens", tokens},
            {"ids", e.window->tokens},
            {"activations", acts},
            {"max", finite(e.max)},
            {"max_index", e.maxIndex},
            {"document", e.window->document},
            {"offset", e.window->offset}};
}

nlohmann::json recordToJson(const NeuronRecord& r, const BpeTokenizer& tok, int topK) {
    nlohmann::json quantiles = nlohmann::json::array();
    for (const auto& q : r.quantiles)
        quantiles.push_back({{"low", finite(q.low)}, {"high", finite(q.high)}, {"population", q.population},
                             {"exemplars", exemplars(q.exemplars, tok)}});
    nlohmann::json edges = nlohmann::json::array();
    for (double e : r.histogram.edges) edges.push_back(finite(e));
    return {{"layer", r.layer},
            {"neuron", r.neuron},
            {"exemplars", exemplars(r.top, tok, topK < 0 ? SIZE_MAX : static_cast<size_t>(topK))},
            {"quantiles", quantiles},
            {"random", exemplars(r.random, tok)},
            {"histogram", {{"edges", edges}, {"counts", r.histogram.counts}}},
            {"stats",
             {{"tokens", r.stats.tokens}, {"mean", finite(r.stats.mean)}, {"std", finite(r.stats.std)},
              {"min", finite(r.stats.min)}, {"max", finite(r.stats.max)}, {"firing_rate", finite(r.stats.firingRate)}}}};
}

}  // namespace ns
