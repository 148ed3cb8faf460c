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
            {"logprobs", logprobs}};
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

Attempt post(const LlmEndpoint& e, const QByteArray& body, const std::atomic<bool>* cancel) {
    Attempt a;
    QNetworkAccessManager net;
    QString base = e.baseUrl;
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    if (base.endsWith(QLatin1String("/v1"))) base.chop(3);
    QNetworkRequest req(QUrl(base + QStringLiteral("/v1/chat/completions")));
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setTransferTimeout(e.timeoutSeconds * 1000);
    if (!e.apiKeyEnv.isEmpty()) {
        const QByteArray key = qgetenv(e.apiKeyEnv.toLocal8Bit().constData());
        if (!key.isEmpty()) req.setRawHeader("Authorization", "Bearer " + key);
    }
    QNetworkReply* reply = net.post(req, body);
    QEventLoop loop;
    QTimer poll;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancel && cancel->load()) reply->abort();
    });
    poll.start(50);
    loop.exec();
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
    const nlohmann::json* content = nullptr;
    if (j.is_object() && j.contains("choices") && j["choices"].is_array() && !j["choices"].empty() && j["choices"][0].is_object()) {
        const auto& choice = j["choices"][0];
        if (choice.contains("message") && choice["message"].is_object() && choice["message"].contains("content") &&
            choice["message"]["content"].is_string())
            content = &choice["message"]["content"];
        if (choice.contains("logprobs") && choice["logprobs"].is_object() && choice["logprobs"].contains("content"))
            a.reply.logprobs = choice["logprobs"]["content"];
    }
    if (!content) {
        a.retry = true;
        a.error = QStringLiteral("the answer is not an OpenAI chat completion: %1").arg(QString::fromUtf8(data.left(200)).simplified());
        return a;
    }
    a.reply.content = QString::fromStdString(content->get<std::string>());
    return a;
}

}  // namespace

Expected<ChatReply> chatCompletion(const LlmEndpoint& e, const QString& role, const nlohmann::json& messages,
                                   const ReplyCheck& check, const std::atomic<bool>* cancel) {
    nlohmann::json body{{"model", e.model.toStdString()}, {"messages", messages}, {"temperature", e.temperature},
                        {"stream", false}};
    if (e.logprobs) {
        body["logprobs"] = true;
        body["top_logprobs"] = 5;
    }
    const QByteArray bytes = QByteArray::fromStdString(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    QString last;
    int delay = e.backoffMs;
    const int attempts = 1 + std::max(0, e.retries);
    for (int i = 0; i < attempts; ++i) {
        if (i > 0 && !sleepUnlessCancelled(delay, cancel)) return makeError(QStringLiteral("cancelled"));
        if (i > 0) delay *= 2;
        Attempt a = post(e, bytes, cancel);
        if (a.error == QLatin1String("cancelled")) return makeError(a.error);
        if (a.error.isEmpty()) {
            auto ok = check ? check(a.reply) : Expected<void>{};
            if (ok) return a.reply;
            a.retry = true;
            a.error = QStringLiteral("malformed answer: %1").arg(ok.error());
        }
        last = a.error;
        if (!a.retry) break;
    }
    return makeError(QStringLiteral("LLM server %1 (%2, model %3): %4%5")
                         .arg(e.baseUrl, role, e.model, last,
                              attempts > 1 ? QStringLiteral(" (after up to %1 attempts)").arg(attempts) : QString()));
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
