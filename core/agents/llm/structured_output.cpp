#include "agents/llm/structured_output.h"

#include <map>
#include <string>

namespace ns {

QString serverKindName(ServerKind kind) {
    switch (kind) {
    case ServerKind::Auto: return QStringLiteral("auto");
    case ServerKind::OpenAi: return QStringLiteral("openai");
    case ServerKind::LlamaCpp: return QStringLiteral("llamacpp");
    case ServerKind::Ollama: return QStringLiteral("ollama");
    case ServerKind::Vllm: return QStringLiteral("vllm");
    case ServerKind::None: return QStringLiteral("none");
    }
    return {};
}

std::optional<ServerKind> parseServerKind(const QString& name) {
    for (ServerKind k : {ServerKind::Auto, ServerKind::OpenAi, ServerKind::LlamaCpp, ServerKind::Ollama, ServerKind::Vllm, ServerKind::None})
        if (serverKindName(k) == name) return k;
    return std::nullopt;
}

namespace schema {

// The property order lives in "required" (nlohmann's objects sort their keys): the grammar
// writes properties in that order.
nlohmann::json object(const std::vector<std::pair<std::string, nlohmann::json>>& properties) {
    nlohmann::json props = nlohmann::json::object(), required = nlohmann::json::array();
    for (const auto& [name, s] : properties) {
        props[name] = s;
        required.push_back(name);
    }
    return {{"type", "object"}, {"properties", props}, {"required", required}, {"additionalProperties", false}};
}

nlohmann::json array(const nlohmann::json& items, int minItems, int maxItems) {
    return {{"type", "array"}, {"items", items}, {"minItems", minItems}, {"maxItems", maxItems}};
}

nlohmann::json string(int minLength, int maxLength) {
    return {{"type", "string"}, {"minLength", minLength}, {"maxLength", maxLength}};
}

nlohmann::json integer(int minimum, int maximum) {
    return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

}  // namespace schema

namespace {

/// A GBNF string literal for `text` (which holds only printable ASCII here).
std::string literal(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

/// `element`, repeated from `lo` to `hi` times (hi >= lo >= 0), in GBNF.
std::string repeat(const std::string& element, int lo, int hi) {
    if (hi <= 0) return {};
    if (lo == hi) return "(" + element + "){" + std::to_string(lo) + "}";
    return "(" + element + "){" + std::to_string(lo) + "," + std::to_string(hi) + "}";
}

class GrammarWriter {
public:
    std::string rule(const nlohmann::json& s) {
        const std::string type = s.value("type", std::string());
        std::string body;
        if (type == "object") {
            body = "\"{\"";
            bool first = true;
            for (const auto& name : s.at("required")) {
                const std::string key = name.get<std::string>();
                if (!first) body += " \",\"";
                first = false;
                body += " " + literal("\"" + key + "\":") + " " + rule(s.at("properties").at(key));
            }
            body += " \"}\"";
        } else if (type == "array") {
            const int lo = s.value("minItems", 0), hi = s.value("maxItems", 64);
            const std::string item = rule(s.at("items"));
            if (hi <= 0) body = "\"[\" \"]\"";
            else if (lo <= 0) body = "\"[\" (" + item + (hi > 1 ? " " + repeat("\",\" " + item, 0, hi - 1) : std::string()) + ")? \"]\"";
            else body = "\"[\" " + item + (hi > 1 ? " " + repeat("\",\" " + item, lo - 1, hi - 1) : std::string()) + " \"]\"";
        } else if (type == "string") {
            const int lo = s.value("minLength", 0), hi = s.value("maxLength", 200);
            body = "\"\\\"\" " + repeat("char", lo, hi) + " \"\\\"\"";
            m_needsChar = true;
        } else if (type == "integer") {
            const int lo = s.value("minimum", 0), hi = s.value("maximum", 1000);
            // Small ranges as the list of their numbers: exact, and no leading zeros.
            for (int v = lo; v <= hi; ++v) body += (v > lo ? " | " : "") + literal(std::to_string(v));
            if (body.empty()) body = "\"0\"";
        }
        const std::string name = "r" + std::to_string(m_rules.size());
        m_rules.emplace_back(name, body);
        return name;
    }
    std::string text(const std::string& root) const {
        std::string out = "root ::= " + root + "\n";
        for (const auto& [name, body] : m_rules) out += name + " ::= " + body + "\n";
        if (m_needsChar) out += "char ::= [^\"\\\\\\x7F\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | \"u\" [0-9a-fA-F]{4})\n";
        return out;
    }

private:
    std::vector<std::pair<std::string, std::string>> m_rules;
    bool m_needsChar = false;
};

}  // namespace

QString schemaToGrammar(const nlohmann::json& schema) {
    GrammarWriter w;
    const std::string root = w.rule(schema);
    return QString::fromStdString(w.text(root));
}

void attachSchema(nlohmann::json* body, ServerKind kind, const std::string& name, const nlohmann::json& schema) {
    switch (kind) {
    case ServerKind::OpenAi:
        (*body)["response_format"] = {{"type", "json_schema"}, {"json_schema", {{"name", name}, {"strict", true}, {"schema", schema}}}};
        break;
    case ServerKind::LlamaCpp:
        // Not llama.cpp's own schema conversion: it allows free whitespace, which a small
        // model fills with tabs until max_tokens.
        (*body)["grammar"] = schemaToGrammar(schema).toStdString();
        break;
    case ServerKind::Vllm: (*body)["guided_json"] = schema; break;
    case ServerKind::Ollama: (*body)["format"] = schema; break;
    case ServerKind::Auto:
    case ServerKind::None: break;
    }
}

}  // namespace ns
