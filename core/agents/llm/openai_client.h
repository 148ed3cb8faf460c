#pragma once

#include "agents/llm/structured_output.h"
#include "util/expected.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
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
    ServerKind structured = ServerKind::Auto;  ///< how the answer's schema is sent
    int maxTokens = 0;          ///< answer tokens at most; 0: the role sizes it per request
    int seed = 0;               ///< sent where the server takes one
    int contextTokens = 0;      ///< the server's context; 0: ask the server, else assume kAssumedContext

    /// Everything but the key's value, for the cache and reports.
    nlohmann::json toJson() const;
};

/// The context assumed when the server does not say and none is configured.
constexpr int kAssumedContext = 4096;

/// Requests and tokens the server reports, summed (retries count as requests).
struct LlmUsage {
    int64_t requests = 0;
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
};

struct ChatReply {
    QString content;
    nlohmann::json logprobs;  ///< choices[0].logprobs.content when the server sent it, else null
    QString finishReason;     ///< "stop", "length" (cut at max_tokens), ... when the server says
};

/// One request of a role: the messages, the schema its answer must follow (null: none) and
/// the answer's length.
struct ChatRequest {
    nlohmann::json messages;
    std::string schemaName;
    nlohmann::json schema;
    int maxTokens = 256;
    int contextTokens = 0;  ///< Ollama's num_ctx (its OpenAI endpoint cannot set it); 0: the server's
};

/// Validates an answer's content; an error makes the client ask again (a malformed answer).
using ReplyCheck = std::function<Expected<void>(const ChatReply&)>;

/// One chat completion with bounded retries and exponential backoff: POST
/// {base}/v1/chat/completions, or Ollama's native {base}/api/chat for ServerKind::Ollama.
/// The schema goes in the form `kind` takes (never Auto here). Blocks the calling thread
/// (which needs no event loop of its own); `cancel` aborts the request and the waiting.
Expected<ChatReply> chatCompletion(const LlmEndpoint& endpoint, ServerKind kind, const QString& role, const ChatRequest& request,
                                   const ReplyCheck& check, LlmUsage* usage = nullptr, const std::atomic<bool>* cancel = nullptr);

/// The base URL without trailing slashes or "/v1".
QString serverBase(const LlmEndpoint& endpoint);

/// GET {base}{path}, once: the HTTP status (0 when the server was not reached), the body, and
/// the network error in words.
struct HttpAnswer {
    int status = 0;
    QByteArray body;
    QString error;
};
HttpAnswer httpGet(const LlmEndpoint& endpoint, const QString& path, int timeoutMs, const std::atomic<bool>* cancel = nullptr);

/// The first balanced JSON object in a text (answers often wrap it in prose or code fences).
Expected<nlohmann::json> extractJsonObject(const QString& text);

}  // namespace ns
