#include "agents/llm/openai_client.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrl>

#include <cstdlib>

namespace ns {

nlohmann::json LlmEndpoint::toJson() const {
    return {{"base_url", baseUrl.toStdString()}, {"model", model.toStdString()}, {"api_key_env", apiKeyEnv.toStdString()},
            {"temperature", temperature}, {"timeout_seconds", timeoutSeconds}, {"retries", retries},
            {"logprobs", logprobs}, {"structured", serverKindName(structured).toStdString()}, {"max_tokens", maxTokens},
            {"seed", seed}, {"context", contextTokens}};
}

QString serverBase(const LlmEndpoint& e) {
    QString base = e.baseUrl;
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    if (base.endsWith(QLatin1String("/v1"))) base.chop(3);
    return base;
}

namespace {

struct Attempt {
    bool retry = false;  // worth asking again
    QString error;
    ChatReply reply;
};

/// Waits `ms` while watching the cancel flag.
bool sleepUnlessCancelled(int ms, const std::atomic<bool>* cancel) {
    QEventLoop loop;
    QTimer done, poll;
    done.setSingleShot(true);
    QObject::connect(&done, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancel && cancel->load()) loop.quit();
    });
    done.start(ms);
    poll.start(50);
    loop.exec();
    return !(cancel && cancel->load());
}

QNetworkRequest makeRequest(const LlmEndpoint& e, const QString& path, int timeoutMs) {
    QNetworkRequest req(QUrl(serverBase(e) + path));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setTransferTimeout(timeoutMs);
    if (!e.apiKeyEnv.isEmpty()) {
        const QByteArray key = qgetenv(e.apiKeyEnv.toLocal8Bit().constData());
        if (!key.isEmpty()) req.setRawHeader("Authorization", "Bearer " + key);
    }
    return req;
}

/// Waits for a reply while watching the cancel flag.
void waitFor(QNetworkReply* reply, const std::atomic<bool>* cancel) {
    QEventLoop loop;
    QTimer poll;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancel && cancel->load()) reply->abort();
    });
    poll.start(50);
    if (!reply->isFinished()) loop.exec();
}

/// A chat answer's content, logprobs, finish reason and token counts, in OpenAI's shape or
/// Ollama's native one; false when the body is neither.
bool readAnswer(const nlohmann::json& j, ServerKind kind, ChatReply* reply, LlmUsage* usage) {
    if (!j.is_object()) return false;
    if (kind == ServerKind::Ollama) {
        if (!j.contains("message") || !j["message"].is_object() || !j["message"].contains("content") ||
            !j["message"]["content"].is_string())
            return false;
        reply->content = QString::fromStdString(j["message"]["content"].get<std::string>());
        if (j.contains("done_reason") && j["done_reason"].is_string())
            reply->finishReason = QString::fromStdString(j["done_reason"].get<std::string>());
        if (usage) {
            if (j.contains("prompt_eval_count") && j["prompt_eval_count"].is_number()) usage->promptTokens += j["prompt_eval_count"].get<int64_t>();
            if (j.contains("eval_count") && j["eval_count"].is_number()) usage->completionTokens += j["eval_count"].get<int64_t>();
        }
        return true;
    }
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object()) return false;
    const auto& choice = j["choices"][0];
    if (!choice.contains("message") || !choice["message"].is_object() || !choice["message"].contains("content") ||
        !choice["message"]["content"].is_string())
        return false;
    reply->content = QString::fromStdString(choice["message"]["content"].get<std::string>());
    if (choice.contains("logprobs") && choice["logprobs"].is_object() && choice["logprobs"].contains("content"))
        reply->logprobs = choice["logprobs"]["content"];
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
        reply->finishReason = QString::fromStdString(choice["finish_reason"].get<std::string>());
    if (usage && j.contains("usage") && j["usage"].is_object()) {
        const auto& u = j["usage"];
        if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number()) usage->promptTokens += u["prompt_tokens"].get<int64_t>();
        if (u.contains("completion_tokens") && u["completion_tokens"].is_number())
            usage->completionTokens += u["completion_tokens"].get<int64_t>();
    }
    return true;
}

Attempt post(const LlmEndpoint& e, ServerKind kind, const QByteArray& body, LlmUsage* usage, const std::atomic<bool>* cancel) {
    Attempt a;
    QNetworkAccessManager net;
    const QString path = kind == ServerKind::Ollama ? QStringLiteral("/api/chat") : QStringLiteral("/v1/chat/completions");
    QNetworkReply* reply = net.post(makeRequest(e, path, e.timeoutSeconds * 1000), body);
    if (usage) ++usage->requests;
    waitFor(reply, cancel);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = status != 0 && reply->isOpen() ? reply->readAll() : QByteArray();
    const auto netError = reply->error();
    const QString netText = reply->errorString();
    reply->deleteLater();
    if (cancel && cancel->load()) {
        a.error = QStringLiteral("cancelled");
        return a;
    }
    if (status == 0) {
        a.retry = netError == QNetworkReply::TimeoutError || netError == QNetworkReply::OperationCanceledError ||
                  netError == QNetworkReply::RemoteHostClosedError || netError == QNetworkReply::TemporaryNetworkFailureError;
        a.error = netError == QNetworkReply::OperationCanceledError || netError == QNetworkReply::TimeoutError
                      ? QStringLiteral("no answer within %1 s").arg(e.timeoutSeconds)
                      : QStringLiteral("cannot reach the server (%1)").arg(netText);
        return a;
    }
    if (status < 200 || status >= 300) {
        a.retry = status == 429 || status >= 500;
        a.error = QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(data.left(300)).simplified());
        if (status == 401 || status == 403)
            a.error += e.apiKeyEnv.isEmpty() ? QStringLiteral(" (no API key is configured)")
                                             : QStringLiteral(" (check the key in $%1)").arg(e.apiKeyEnv);
        return a;
    }
    const nlohmann::json j = nlohmann::json::parse(data.toStdString(), nullptr, false);
    if (!readAnswer(j, kind, &a.reply, usage)) {
        a.retry = true;
        a.error = QStringLiteral("the answer is not %1: %2")
                      .arg(kind == ServerKind::Ollama ? QStringLiteral("an Ollama chat answer") : QStringLiteral("an OpenAI chat completion"),
                           QString::fromUtf8(data.left(200)).simplified());
    }
    return a;
}

}  // namespace

namespace {

QByteArray requestBody(const LlmEndpoint& e, ServerKind kind, const ChatRequest& r, double temperature) {
    nlohmann::json body{{"model", e.model.toStdString()}, {"messages", r.messages}, {"stream", false}};
    if (kind == ServerKind::Ollama) {
        // The native API: the only one of Ollama's that sets the context (num_ctx).
        body["options"] = {{"temperature", temperature}, {"seed", e.seed}, {"num_predict", r.maxTokens}};
        if (r.contextTokens > 0) body["options"]["num_ctx"] = r.contextTokens;
    } else {
        body["temperature"] = temperature;
        body["max_tokens"] = r.maxTokens;
        body["seed"] = e.seed;
        if (e.logprobs) {
            // Enough alternatives that the digits the model weighs are among them.
            body["logprobs"] = true;
            body["top_logprobs"] = 20;
        }
    }
    if (!r.schema.is_null()) attachSchema(&body, kind, r.schemaName, r.schema);
    return QByteArray::fromStdString(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

Expected<ChatReply> chatCompletion(const LlmEndpoint& e, ServerKind kind, const QString& role, const ChatRequest& request,
                                   const ReplyCheck& check, LlmUsage* usage, const std::atomic<bool>* cancel) {
    QString last;
    int delay = e.backoffMs;
    const int attempts = 1 + std::max(0, e.retries);
    int made = 0;
    double temperature = e.temperature;
    for (int i = 0; i < attempts; ++i) {
        if (i > 0 && !sleepUnlessCancelled(delay, cancel)) return makeError(QStringLiteral("cancelled"));
        if (i > 0) delay *= 2;
        ++made;
        Attempt a = post(e, kind, requestBody(e, kind, request, temperature), usage, cancel);
        if (a.error == QLatin1String("cancelled")) return makeError(a.error);
        if (a.error.isEmpty()) {
            auto ok = check ? check(a.reply) : Expected<void>{};
            if (ok) return a.reply;
            a.retry = true;
            a.error = QStringLiteral("malformed answer: %1").arg(ok.error());
            if (a.reply.finishReason == QLatin1String("length"))
                a.error += QStringLiteral(" (the answer was cut at max_tokens = %1)").arg(request.maxTokens);
            // At temperature 0 the same prompt gives the same answer: ask again with some spread.
            temperature = std::max(temperature, 0.5);
        }
        last = a.error;
        if (!a.retry) break;
    }
    return makeError(QStringLiteral("LLM server %1 (%2, model %3): %4 (%5)")
                         .arg(e.baseUrl, role, e.model, last,
                              made == 1 ? QStringLiteral("1 attempt") : QStringLiteral("after %1 attempts").arg(made)));
}

HttpAnswer httpGet(const LlmEndpoint& e, const QString& path, int timeoutMs, const std::atomic<bool>* cancel) {
    HttpAnswer out;
    QNetworkAccessManager net;
    QNetworkReply* reply = net.get(makeRequest(e, path, timeoutMs));
    waitFor(reply, cancel);
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (out.status != 0 && reply->isOpen()) out.body = reply->readAll();
    if (reply->error() != QNetworkReply::NoError) out.error = reply->errorString();
    reply->deleteLater();
    return out;
}

Expected<nlohmann::json> extractJsonObject(const QString& text) {
    const std::string s = text.toStdString();
    for (size_t start = s.find('{'); start != std::string::npos; start = s.find('{', start + 1)) {
        int depth = 0;
        bool inString = false, escaped = false;
        for (size_t i = start; i < s.size(); ++i) {
            const char c = s[i];
            if (inString) {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c == '{') ++depth;
            else if (c == '}' && --depth == 0) {
                auto j = nlohmann::json::parse(s.substr(start, i - start + 1), nullptr, false);
                if (!j.is_discarded() && j.is_object()) return j;
                break;
            }
        }
    }
    return makeError(QStringLiteral("no JSON object in the answer \"%1\"").arg(text.left(120).simplified()));
}

}  // namespace ns
