#pragma once

#include "agents/llm/openai_client.h"

#include <QStringList>

#include <functional>

namespace ns {

/// What a server says about itself.
struct ServerInfo {
    ServerKind kind = ServerKind::OpenAi;  ///< never Auto
    QString software;                       ///< "llama.cpp", "Ollama 0.5.7", "vLLM", or "an OpenAI-compatible server"
    int contextTokens = 0;                  ///< 0 when the server does not tell
    QStringList models;                     ///< what /v1/models lists, when it answers
};

/// Asks the server which kind it is (for ServerKind::Auto; the first that answers of
/// llama.cpp's /props, Ollama's /api/version, and /v1/models, whose owner names vLLM and
/// llama.cpp) and what it serves. A server that lists several models and not the configured
/// one is an error naming what it has; one that lists a single model under another name is a
/// warning (llama.cpp answers for any name with the model it has). An unreachable server is
/// an error naming the URL.
Expected<ServerInfo> probeServer(const LlmEndpoint& endpoint, const QString& role, const std::function<void(const QString&)>& warn,
                                 const std::atomic<bool>* cancel = nullptr);

/// Whether `listed` (a server's model id) names `wanted`: equal, Ollama's implicit ":latest",
/// or llama.cpp's file path ending in it.
bool modelNames(const QString& listed, const QString& wanted);

}  // namespace ns
