#include "agents/llm/llm_backend.h"

#include "agents/llm/llm_prompts.h"
#include "agents/llm/simulation_answer.h"
#include "agents/token_table.h"
#include "store/cache_db.h"

#include <QCryptographicHash>
#include <QDebug>

#include <algorithm>
#include <cmath>

namespace ns {
namespace {

std::string sha256(const std::string& s) {
    return QCryptographicHash::hash(QByteArray::fromStdString(s), QCryptographicHash::Sha256).toHex().toStdString();
}

nlohmann::json userMessage(const QString& text) {
    return nlohmann::json::array({{{"role", "user"}, {"content", text.toStdString()}}});
}

/// Room left for the answer and for what the estimate misses.
constexpr int kPromptMargin = 64;

}  // namespace

Expected<std::unique_ptr<LlmBackend>> LlmBackend::create(const LlmConfig& config, std::shared_ptr<const TokenTable> table) {
    std::unique_ptr<LlmBackend> b(new LlmBackend(config, std::move(table)));
    auto e = readPrompt(config.promptDir, "explainer.md");
    if (!e) return Error{e.error()};
    auto s = readPrompt(config.promptDir, "simulator.md");
    if (!s) return Error{s.error()};
    auto r = readPrompt(config.promptDir, "refiner.md");
    if (!r) return Error{r.error()};
    b->m_explainerPrompt = *e;
    b->m_simulatorPrompt = *s;
    b->m_refinerPrompt = *r;
    nlohmann::json sim = config.simulator.toJson();
    sim.erase("timeout_seconds"), sim.erase("retries"), sim.erase("api_key_env");  // change no answer
    b->m_simulatorIdentity = sha256(sim.dump() + '\x1f' + s->toStdString() + "\x1fsparse-1");
    return b;
}

nlohmann::json LlmBackend::parameters() const {
    return {{"explainer", m_config.explainer.toJson()}, {"simulator", m_config.simulator.toJson()},
            {"refiner", m_config.refiner.toJson()}, {"exemplars_shown", m_config.exemplarsShown},
            {"simulator_answer", "sparse-1"},
            {"prompts_sha256", sha256(QString(m_explainerPrompt + m_simulatorPrompt + m_refinerPrompt).toStdString())}};
}

std::optional<BackendUsage> LlmBackend::usage() const {
    return BackendUsage{m_usage.requests, m_usage.promptTokens, m_usage.completionTokens};
}

void LlmBackend::warn(const QString& message) const {
    if (m_config.warn) m_config.warn(message);
    else qWarning().noquote() << message;
}

Expected<ServerInfo> LlmBackend::server(const LlmEndpoint& e, const QString& roleName) {
    const QString key = e.baseUrl + QLatin1Char('\n') + e.model + QLatin1Char('\n') + serverKindName(e.structured);
    if (auto it = m_servers.find(key); it != m_servers.end()) return it->second;
    auto info = probeServer(e, roleName, [this](const QString& w) { warn(w); }, m_cancel);
    if (!info) return Error{info.error()};
    m_servers[key] = *info;
    return *info;
}

Expected<LlmBackend::Role> LlmBackend::role(const LlmEndpoint& e, const QString& roleName) {
    const QString key = e.baseUrl + QLatin1Char('\n') + e.model + QLatin1Char('\n') + serverKindName(e.structured);
    const bool first = m_servers.find(key) == m_servers.end();
    auto info = server(e, roleName);
    if (!info) return Error{info.error()};
    Role r{&e, roleName, e.structured == ServerKind::Auto ? info->kind : e.structured, e.contextTokens};
    if (r.context <= 0) r.context = info->contextTokens;
    if (r.context <= 0 && r.kind == ServerKind::Ollama) r.context = kOllamaContext;  // we set num_ctx ourselves
    if (r.context <= 0) {
        r.context = kAssumedContext;
        if (first)
            warn(QStringLiteral("LLM server %1 (%2): %3 does not tell its context length; prompts are sized for %4 tokens "
                                "(set --llm context=N if it has more or less)")
                     .arg(e.baseUrl, roleName, info->software).arg(kAssumedContext));
    }
    return r;
}

Expected<ModeExplanation> LlmBackend::explain(const ModeRequest& request) {
    auto modes = explainModes({request});
    if (!modes) return Error{modes.error()};
    return modes->front();
}

Expected<std::vector<ModeExplanation>> LlmBackend::explainModes(const std::vector<ModeRequest>& requests) {
    if (requests.empty()) return std::vector<ModeExplanation>{};
    auto r = role(m_config.explainer, QStringLiteral("explainer"));
    if (!r) return Error{r.error()};
    const int k = static_cast<int>(requests.size());
    const int maxTokens = answerTokens(m_config.explainer, k);
    // As many firing places per mode as fit the context, the strongest first.
    QString prompt;
    for (int shown = 2 * std::max(1, m_config.exemplarsShown); shown >= 1; shown = shown > 1 ? shown * 2 / 3 : 0) {
        QString modes;
        for (int i = 0; i < k; ++i) modes += modeEvidence(*m_table, requests[static_cast<size_t>(i)], i + 1, shown);
        prompt = fill(m_explainerPrompt, {{"MODE_COUNT", QString::number(k)}, {"MODES", modes}});
        if (estimateTokens(prompt, m_charsPerToken) + maxTokens + kPromptMargin <= r->context) break;
        if (shown == 1)
            return makeError(QStringLiteral("LLM server %1 (explainer): the explainer's prompt for %2 modes needs about %3 tokens "
                                            "with one firing place per mode, more than the context of %4")
                                 .arg(m_config.explainer.baseUrl).arg(k).arg(estimateTokens(prompt, m_charsPerToken))
                                 .arg(r->context));
    }
    return askForModes(*r, prompt, k, maxTokens);
}

Expected<std::vector<ModeExplanation>> LlmBackend::askForModes(const Role& r, const QString& prompt, int count, int maxTokens) {
    const std::string memoKey = sha256(r.name.toStdString() + '\x1f' + r.endpoint->toJson().dump() + '\x1f' + prompt.toStdString());
    if (auto it = m_modeAnswers.find(memoKey); it != m_modeAnswers.end()) return it->second;
    ChatRequest request;
    request.messages = userMessage(prompt);
    request.schemaName = "modes";
    request.schema = modesSchema(count);
    request.maxTokens = maxTokens;
    request.contextTokens = r.context;
    auto check = [count](const ChatReply& reply) -> Expected<void> {
        auto m = parseModes(reply.content, count);
        if (!m) return Error{m.error()};
        return {};
    };
    auto reply = send(r, request, check);
    if (!reply) return Error{reply.error()};
    auto modes = parseModes(reply->content, count);
    m_modeAnswers[memoKey] = *modes;
    return *modes;
}

Expected<ChatReply> LlmBackend::send(const Role& r, const ChatRequest& request, const ReplyCheck& check) {
    const int64_t before = m_usage.promptTokens;
    auto reply = chatCompletion(*r.endpoint, r.kind, r.name, request, check, &m_usage, m_cancel);
    // The server's own count teaches the estimate its tokenizer's characters per token.
    const int64_t counted = m_usage.promptTokens - before;
    const int chars = static_cast<int>(request.messages.dump().size());
    if (reply && counted > 0) m_charsPerToken = std::clamp(0.9 * chars / static_cast<double>(counted), 1.5, 4.5);
    return reply;
}

std::string LlmBackend::simulationKey(const ModeExplanation& mode, const Sample& s) const {
    std::string ids;
    for (int id : s.ids) ids += std::to_string(id) + ',';
    return sha256(m_simulatorIdentity + '\x1f' + mode.text.toStdString() + '\x1f' + ids);
}

Expected<Simulation> LlmBackend::simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) {
    Simulation out(samples.size());
    std::vector<size_t> missing;
    std::vector<std::string> keys(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
        keys[i] = simulationKey(mode, samples[i]);
        if (auto it = m_simulations.find(keys[i]); it != m_simulations.end()) out[i] = it->second;
        else missing.push_back(i);
    }
    if (m_db && !missing.empty()) {
        std::vector<QString> wanted;
        for (size_t i : missing) wanted.push_back(QString::fromStdString(keys[i]));
        auto stored = m_db->findSimulations(wanted);
        if (!stored) return Error{stored.error()};
        std::vector<size_t> still;
        for (size_t i : missing) {
            auto it = stored->find(QString::fromStdString(keys[i]));
            if (it != stored->end() && it->second.size() == samples[i].ids.size()) out[i] = m_simulations[keys[i]] = it->second;
            else still.push_back(i);
        }
        missing = std::move(still);
    }
    if (missing.empty()) return out;
    auto r = role(m_config.simulator, QStringLiteral("simulator"));
    if (!r) return Error{r.error()};
    // Batches of excerpts that fit the context with room for their answers.
    const int header = estimateTokens(fill(m_simulatorPrompt, {{"EXPLANATION", mode.text}, {"EXCERPT_COUNT", QStringLiteral("99")},
                                                               {"EXCERPTS", QString()}}),
                                      m_charsPerToken);
    const int perAnswer = kActivePerExcerpt * kTokensPerActive;
    size_t next = 0;
    while (next < missing.size()) {
        if (cancelled()) return makeError(QStringLiteral("cancelled"));
        std::vector<const Sample*> batch;
        int used = header + kPromptMargin + 32;
        while (next + batch.size() < missing.size()) {
            const Sample& s = samples[missing[next + batch.size()]];
            const int cost = estimateTokens(excerptLine(*m_table, s, static_cast<int>(batch.size()) + 1), m_charsPerToken) + perAnswer;
            const bool answerFits = m_config.simulator.maxTokens <= 0 ||
                                    32 + perAnswer * static_cast<int>(batch.size() + 1) <= m_config.simulator.maxTokens;
            if (!batch.empty() && (used + cost > r->context || !answerFits)) break;
            if (batch.empty() && used + cost > r->context)
                return makeError(QStringLiteral("LLM server %1 (simulator): one excerpt of %2 tokens needs a prompt of about %3 "
                                                "tokens, more than the context of %4")
                                     .arg(m_config.simulator.baseUrl).arg(s.ids.size()).arg(used + cost).arg(r->context));
            used += cost;
            batch.push_back(&s);
        }
        auto predicted = simulateBatch(*r, mode, batch);
        if (!predicted) return Error{predicted.error()};
        std::vector<std::pair<QString, std::vector<float>>> toStore;
        for (size_t b = 0; b < batch.size(); ++b) {
            const size_t i = missing[next + b];
            out[i] = m_simulations[keys[i]] = (*predicted)[b];
            toStore.push_back({QString::fromStdString(keys[i]), out[i]});
        }
        if (m_db && !m_db->readOnly())
            if (auto stored = m_db->storeSimulations(toStore); !stored) return Error{stored.error()};
        next += batch.size();
    }
    return out;
}

Expected<std::vector<std::vector<float>>> LlmBackend::simulateBatch(const Role& r, const ModeExplanation& mode,
                                                                    const std::vector<const Sample*>& batch) {
    QString excerpts;
    std::vector<int> lengths;
    int longest = 1;
    for (size_t b = 0; b < batch.size(); ++b) {
        excerpts += excerptLine(*m_table, *batch[b], static_cast<int>(b) + 1);
        lengths.push_back(static_cast<int>(batch[b]->ids.size()));
        longest = std::max(longest, lengths.back());
    }
    const QString prompt = fill(m_simulatorPrompt, {{"EXPLANATION", mode.text},
                                                    {"EXCERPT_COUNT", QString::number(batch.size())},
                                                    {"EXCERPTS", excerpts}});
    const int maxItems = kActivePerExcerpt * static_cast<int>(batch.size());
    ChatRequest request;
    request.messages = userMessage(prompt);
    request.schemaName = "simulation";
    request.schema = simulationSchema(static_cast<int>(batch.size()), longest, maxItems);
    request.maxTokens = 32 + maxItems * kTokensPerActive;
    if (m_config.simulator.maxTokens > 0) request.maxTokens = std::min(request.maxTokens, m_config.simulator.maxTokens);
    request.contextTokens = r.context;
    auto check = [&lengths](const ChatReply& reply) -> Expected<void> {
        auto v = parseSparseSimulation(reply, lengths);
        if (!v) return Error{v.error()};
        return {};
    };
    auto reply = send(r, request, check);
    if (!reply) return Error{reply.error()};
    return parseSparseSimulation(*reply, lengths);
}

Expected<std::vector<Revision>> LlmBackend::revise(const ReviseRequest& request) {
    const auto& modes = *request.modes;
    if (modes.empty()) return std::vector<Revision>{};
    auto r = role(m_config.refiner, QStringLiteral("refiner"));
    if (!r) return Error{r.error()};
    const int k = static_cast<int>(modes.size());
    const int maxTokens = answerTokens(m_config.refiner, k);
    QString prompt;
    for (int shown = 6; shown >= 1; shown = shown > 1 ? shown / 2 : 0) {
        prompt = refinerPrompt(m_refinerPrompt, *m_table, request, shown);
        if (estimateTokens(prompt, m_charsPerToken) + maxTokens + kPromptMargin <= r->context) break;
        if (shown == 1)
            return makeError(QStringLiteral("LLM server %1 (refiner): the refiner's prompt for %2 modes needs about %3 tokens "
                                            "with one miss each, more than the context of %4")
                                 .arg(m_config.refiner.baseUrl).arg(k).arg(estimateTokens(prompt, m_charsPerToken)).arg(r->context));
    }
    auto rewritten = askForModes(*r, prompt, k, maxTokens);
    if (!rewritten) return Error{rewritten.error()};
    std::vector<Revision> out;
    auto all = modes;
    int changed = 0;
    for (int i = 0; i < k; ++i) {
        const ModeExplanation& next = (*rewritten)[static_cast<size_t>(i)];
        if (next.text == modes[static_cast<size_t>(i)].text) continue;
        auto one = modes;
        one[static_cast<size_t>(i)] = next;
        all[static_cast<size_t>(i)] = next;
        ++changed;
        out.push_back({QStringLiteral("rewrite mode %1 from its misses on valid").arg(i + 1), one, {}});
    }
    // Every rewrite together costs no simulation of its own: each mode's is kept.
    if (changed > 1) out.push_back({QStringLiteral("rewrite every mode from its misses on valid"), all, {}});
    return out;
}

}  // namespace ns
