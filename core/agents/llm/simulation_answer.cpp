#include "agents/llm/simulation_answer.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ns {

nlohmann::json simulationSchema(int excerpts, int maxLength, int maxItems) {
    using namespace schema;
    return object({{"active", array(object({{"excerpt", integer(1, std::max(1, excerpts))},
                                            {"token", integer(0, std::max(0, maxLength - 1))},
                                            {"activation", integer(1, 10)}}),
                                    0, maxItems)}});
}

namespace {

/// Integer value of a token that is a number 0-10 (spaces aside), or -1.
int numberToken(const std::string& t) {
    std::string s;
    for (char c : t)
        if (c != ' ') s += c;
    if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
    const int v = std::stoi(s);
    return v <= 10 ? v : -1;
}

/// Where each "activation" value starts in the answer text, in order, with its digits.
std::vector<std::pair<size_t, std::string>> activationValues(const std::string& text) {
    std::vector<std::pair<size_t, std::string>> out;
    const std::string key = "\"activation\"";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + key.size())) {
        size_t i = at + key.size();
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == ':')) ++i;
        size_t j = i;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
        out.push_back({i, text.substr(i, j - i)});
    }
    return out;
}

/// The expected value at one written number from the logprobs of the token it starts in, or
/// nullopt when that token is not the whole number or no alternative is a number.
std::optional<float> expectedValue(const nlohmann::json& token, const std::string& written) {
    if (!token.contains("token") || !token["token"].is_string()) return std::nullopt;
    const std::string chosen = token["token"].get<std::string>();
    if (numberToken(chosen) < 0 || std::to_string(numberToken(chosen)) != written) return std::nullopt;
    std::map<int, double> p;  // value -> probability, each counted once
    if (token.contains("top_logprobs") && token["top_logprobs"].is_array())
        for (const auto& alt : token["top_logprobs"]) {
            if (!alt.is_object() || !alt.contains("token") || !alt["token"].is_string() || !alt.contains("logprob") ||
                !alt["logprob"].is_number())
                continue;
            const int v = numberToken(alt["token"].get<std::string>());
            if (v >= 0) p[v] = std::max(p[v], std::exp(alt["logprob"].get<double>()));
        }
    // The written digit may be outside the top alternatives: its own logprob counts too.
    if (token.contains("logprob") && token["logprob"].is_number()) {
        const int v = numberToken(chosen);
        p[v] = std::max(p[v], std::exp(token["logprob"].get<double>()));
    }
    double total = 0, sum = 0;
    for (const auto& [v, q] : p) total += q, sum += q * v;
    if (!(total > 0)) return std::nullopt;
    return static_cast<float>(sum / total);
}

}  // namespace

Expected<std::vector<std::vector<float>>> parseSparseSimulation(const ChatReply& reply, const std::vector<int>& lengths) {
    auto j = extractJsonObject(reply.content);
    if (!j) return Error{j.error()};
    if (!j->contains("active") || !(*j)["active"].is_array()) return makeError(QStringLiteral("the answer has no \"active\" list"));
    std::vector<std::vector<float>> out(lengths.size());
    for (size_t i = 0; i < lengths.size(); ++i) out[i].assign(static_cast<size_t>(std::max(0, lengths[i])), 0.f);
    // The logprobs, when their tokens spell the answer, give each written number's distribution.
    std::vector<std::optional<float>> fromLogprobs;
    if (reply.logprobs.is_array()) {
        const std::string text = reply.content.toStdString();
        std::string spelled;
        std::vector<size_t> starts;
        for (const auto& t : reply.logprobs) {
            starts.push_back(spelled.size());
            if (t.is_object() && t.contains("token") && t["token"].is_string()) spelled += t["token"].get<std::string>();
        }
        if (spelled == text)
            for (const auto& [at, digits] : activationValues(text)) {
                const size_t k = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), at) - starts.begin()) - 1;
                fromLogprobs.push_back(k < reply.logprobs.size() && starts[k] == at ? expectedValue(reply.logprobs[k], digits)
                                                                                    : std::nullopt);
            }
    }
    size_t n = 0;
    for (const auto& item : (*j)["active"]) {
        const size_t index = n++;
        if (!item.is_object()) return makeError(QStringLiteral("an entry of \"active\" is not an object"));
        for (const char* key : {"excerpt", "token", "activation"})
            if (!item.contains(key) || !item[key].is_number())
                return makeError(QStringLiteral("an entry of \"active\" has no number \"%1\"").arg(QLatin1String(key)));
        const double e = item["excerpt"].get<double>(), t = item["token"].get<double>(), a = item["activation"].get<double>();
        if (!std::isfinite(a) || e != std::floor(e) || t != std::floor(t))
            return makeError(QStringLiteral("an entry of \"active\" has a number that is not whole"));
        if (e < 1 || e > static_cast<double>(lengths.size()))
            return makeError(QStringLiteral("the answer names excerpt %1 of %2").arg(e).arg(lengths.size()));
        const size_t ex = static_cast<size_t>(e) - 1;
        if (t < 0 || t >= lengths[ex])
            return makeError(QStringLiteral("the answer names token %1 of excerpt %2, which has %3").arg(t).arg(e).arg(lengths[ex]));
        float v = static_cast<float>(std::clamp(a, 0.0, 10.0));
        if (index < fromLogprobs.size() && fromLogprobs[index]) v = *fromLogprobs[index];
        float& slot = out[ex][static_cast<size_t>(t)];
        slot = std::max(slot, v);
    }
    return out;
}

}  // namespace ns
