#pragma once

// Answers in a shape: every role's answer has a JSON schema, sent in the form the server
// understands. The schemas use a small subset (objects whose properties are all required,
// arrays with item bounds, strings with a length bound, integers with a range), which each
// server's form can carry and which converts to a grammar without free whitespace.

#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace ns {

/// How a server takes a schema. Auto asks the server which kind it is (server_probe.h).
enum class ServerKind { Auto, OpenAi, LlamaCpp, Ollama, Vllm, None };

QString serverKindName(ServerKind kind);
/// "auto", "openai", "llamacpp", "ollama", "vllm", "none"; nullopt for anything else.
std::optional<ServerKind> parseServerKind(const QString& name);

namespace schema {
nlohmann::json object(const std::vector<std::pair<std::string, nlohmann::json>>& properties);
nlohmann::json array(const nlohmann::json& items, int minItems, int maxItems);
nlohmann::json string(int minLength, int maxLength);
nlohmann::json integer(int minimum, int maximum);
}  // namespace schema

/// A GBNF grammar (llama.cpp) for a schema of the subset: compact JSON, no whitespace at all,
/// so a small model cannot fill its tokens with tabs, and properties in the schema's order.
QString schemaToGrammar(const nlohmann::json& schema);

/// Adds the schema to a chat request body in the form `kind` expects: OpenAI's strict
/// response_format json_schema, llama.cpp's top-level grammar, vLLM's guided_json, Ollama's
/// format (its native /api/chat); nothing for None (the prompt alone asks for JSON).
void attachSchema(nlohmann::json* body, ServerKind kind, const std::string& name, const nlohmann::json& schema);

}  // namespace ns
