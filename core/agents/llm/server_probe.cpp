#include "agents/llm/server_probe.h"

#include <QFileInfo>

#include <algorithm>

namespace ns {
namespace {

nlohmann::json parseObject(const HttpAnswer& a) {
    if (a.status != 200) return nullptr;
    auto j = nlohmann::json::parse(a.body.toStdString(), nullptr, false);
    return j.is_object() ? j : nlohmann::json();
}

int positiveInt(const nlohmann::json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_number_integer() && j[key].get<int64_t>() > 0
               ? static_cast<int>(std::min<int64_t>(j[key].get<int64_t>(), 1 << 24))
               : 0;
}

}  // namespace

bool modelNames(const QString& listed, const QString& wanted) {
    if (listed == wanted || listed == wanted + QStringLiteral(":latest")) return true;
    // llama.cpp lists its model by file path unless given an alias.
    const QString file = QFileInfo(listed).fileName();
    return file == wanted || QFileInfo(listed).completeBaseName() == wanted;
}

Expected<ServerInfo> probeServer(const LlmEndpoint& e, const QString& role, const std::function<void(const QString&)>& warn,
                                 const std::atomic<bool>* cancel) {
    const int timeoutMs = std::min(e.timeoutSeconds, 10) * 1000;
    const auto unreachable = [&](const QString& path, const HttpAnswer& a) {
        return makeError(QStringLiteral("LLM server %1 (%2, model %3): cannot reach the server (%4 at %5)")
                             .arg(e.baseUrl, role, e.model, a.error.isEmpty() ? QStringLiteral("no answer") : a.error, path));
    };
    ServerInfo info;
    info.kind = e.structured;
    bool known = e.structured != ServerKind::Auto;
    if (e.structured == ServerKind::Auto || e.structured == ServerKind::LlamaCpp) {
        const HttpAnswer props = httpGet(e, QStringLiteral("/props"), timeoutMs, cancel);
        if (props.status == 0) return unreachable(QStringLiteral("/props"), props);
        const nlohmann::json j = parseObject(props);
        if (j.is_object() && j.contains("default_generation_settings")) {
            if (!known) info.kind = ServerKind::LlamaCpp, known = true;
            info.software = QStringLiteral("llama.cpp");
            info.contextTokens = positiveInt(j["default_generation_settings"], "n_ctx");
        }
    }
    if (!known) {
        const HttpAnswer version = httpGet(e, QStringLiteral("/api/version"), timeoutMs, cancel);
        if (version.status == 0) return unreachable(QStringLiteral("/api/version"), version);
        const nlohmann::json j = parseObject(version);
        if (j.is_object() && j.contains("version") && j["version"].is_string()) {
            info.kind = ServerKind::Ollama, known = true;
            info.software = QStringLiteral("Ollama %1").arg(QString::fromStdString(j["version"].get<std::string>()));
        }
    }
    const HttpAnswer models = httpGet(e, QStringLiteral("/v1/models"), timeoutMs, cancel);
    if (models.status == 0) return unreachable(QStringLiteral("/v1/models"), models);
    const nlohmann::json list = parseObject(models);
    QString owner;
    int listedContext = 0;
    if (list.is_object() && list.contains("data") && list["data"].is_array()) {
        for (const auto& m : list["data"]) {
            if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) continue;
            const QString id = QString::fromStdString(m["id"].get<std::string>());
            info.models << id;
            if (m.contains("owned_by") && m["owned_by"].is_string()) owner = QString::fromStdString(m["owned_by"].get<std::string>());
            if (modelNames(id, e.model)) listedContext = positiveInt(m, "max_model_len");  // vLLM's context
        }
    }
    if (!known) {
        if (owner == QLatin1String("vllm")) info.kind = ServerKind::Vllm, info.software = QStringLiteral("vLLM");
        else if (owner == QLatin1String("llamacpp")) info.kind = ServerKind::LlamaCpp, info.software = QStringLiteral("llama.cpp");
        else info.kind = ServerKind::OpenAi, info.software = QStringLiteral("an OpenAI-compatible server");
        if (models.status != 200 && warn)
            warn(QStringLiteral("LLM server %1 (%2): it answers none of /props, /api/version and /v1/models (HTTP %3); "
                                "asking for answers in OpenAI's response_format (set --llm structured=... if it takes another form)")
                     .arg(e.baseUrl, role).arg(models.status));
    }
    if (info.software.isEmpty()) info.software = QStringLiteral("a %1 server").arg(serverKindName(info.kind));
    if (info.contextTokens == 0 && listedContext > 0) info.contextTokens = listedContext;
    if (info.contextTokens == 0 && info.kind == ServerKind::OpenAi) {
        // LM Studio tells the loaded context in its own listing.
        const nlohmann::json lm = parseObject(httpGet(e, QStringLiteral("/api/v0/models"), timeoutMs, cancel));
        if (lm.is_object() && lm.contains("data") && lm["data"].is_array())
            for (const auto& m : lm["data"])
                if (m.is_object() && m.contains("id") && m["id"].is_string() &&
                    modelNames(QString::fromStdString(m["id"].get<std::string>()), e.model)) {
                    info.contextTokens = positiveInt(m, "loaded_context_length");
                    if (info.contextTokens == 0) info.contextTokens = positiveInt(m, "max_context_length");
                    info.software = QStringLiteral("LM Studio");
                }
    }
    if (!info.models.isEmpty() &&
        std::none_of(info.models.begin(), info.models.end(), [&](const QString& m) { return modelNames(m, e.model); })) {
        if (info.models.size() > 1)
            return makeError(QStringLiteral("LLM server %1 (%2): the server has no model '%3'; it has: %4")
                                 .arg(e.baseUrl, role, e.model, info.models.join(QStringLiteral(", "))));
        if (warn)
            warn(QStringLiteral("LLM server %1 (%2): the server serves one model, '%3', and answers for '%4' with it")
                     .arg(e.baseUrl, role, info.models.first(), e.model));
    }
    return info;
}

}  // namespace ns
