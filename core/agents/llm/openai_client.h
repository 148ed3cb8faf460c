#pragma once

#include "util/expected.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>

namespace ns {

/// Where one role of the LLM backend sends its requests. The API key itself is never kept:
/// only the name of the environment variable that holds it, read when a request is sent.
struct LlmEndpoint {
    QString baseUrl = QStringLiteral("http://127.0.0.1:11434");  ///< Ollama's default
    QString model = QStringLiteral("llama3.1");
    QString apiKeyEnv;          ///< e.g. OPENAI_API_KEY; empty for servers without keys
    double temperature = 0.0;
    int timeoutSeconds = 120;
    int retries = 3;            ///< further attempts after timeouts, 429, 5xx and malformed answers
    int backoffMs = 500;        ///< doubles after each attempt
    bool logprobs = false;      ///< ask for token logprobs (the simulator uses them)

    /// Everything but the key's value, for the cache and reports.
    nlohmann::json toJson() const;
};

struct ChatReply {
    QString content;
    nlohmann::json logprobs;  ///< choices[0].logprobs.content when the server sent it, else null
};

/// Validates an answer's content; an error makes the client ask again (a malformed answer).
using ReplyCheck = std::function<Expected<void>(const ChatReply&)>;

/// One OpenAI-compatible chat completion (POST {base}/v1/chat/completions) with bounded
/// retries and exponential backoff. Blocks the calling thread (which needs no event loop of
/// its own); `cancel` aborts the request and the waiting.
Expected<ChatReply> chatCompletion(const LlmEndpoint& endpoint, const QString& role, const nlohmann::json& messages,
                                   const ReplyCheck& check, const std::atomic<bool>* cancel = nullptr);

/// The first balanced JSON object in a text (answers often wrap it in prose or code fences).
Expected<nlohmann::json> extractJsonObject(const QString& text);

}  // namespace ns
