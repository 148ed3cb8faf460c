#pragma once

#include "agents/backend.h"
#include "agents/llm/openai_client.h"
#include "agents/llm/server_probe.h"

#include <QString>

#include <functional>
#include <map>
#include <memory>

namespace ns {

class TokenTable;

/// Endpoints and prompts of the three roles an LLM plays.
struct LlmConfig {
    LlmEndpoint explainer, simulator, refiner;
    QString promptDir;  ///< explainer.md, simulator.md and refiner.md (editable resources)
    int exemplarsShown = 8;  ///< firing places shown per mode to the explainer (fewer when the context is short)
    /// Where warnings go (a server serving another model, a context it does not tell); qWarning when unset.
    std::function<void(const QString&)> warn;
};

/// The OpenAI-compatible chat backend. The explainer writes a label and a sentence per mode,
/// all modes of a clustering in one request; the refiner rewrites every mode in one request;
/// the simulator predicts many excerpts per request, sparse (Bills et al.'s all-at-once
/// simulator), as the expected value over the returned logprobs where the server gives them.
/// Each answer has a schema, sent in the form the server takes (structured_output.h). Each
/// simulation of an excerpt is kept by (explanation, excerpt) for the run and, with a cache
/// attached, across runs.
class LlmBackend : public Backend {
public:
    static Expected<std::unique_ptr<LlmBackend>> create(const LlmConfig& config, std::shared_ptr<const TokenTable> table);

    QString name() const override { return QStringLiteral("openai"); }
    nlohmann::json parameters() const override;
    Expected<ModeExplanation> explain(const ModeRequest& request) override;
    bool explainsModesTogether() const override { return true; }
    Expected<std::vector<ModeExplanation>> explainModes(const std::vector<ModeRequest>& requests) override;
    Expected<Simulation> simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) override;
    Expected<std::vector<Revision>> revise(const ReviseRequest& request) override;
    std::optional<BackendUsage> usage() const override;
    void attachCache(CacheDb* db) override { m_db = db; }

    /// What the server of a role told about itself (asked once per URL and session).
    Expected<ServerInfo> server(const LlmEndpoint& endpoint, const QString& role);

private:
    LlmBackend(LlmConfig config, std::shared_ptr<const TokenTable> table) : m_config(std::move(config)), m_table(std::move(table)) {}
    struct Role {
        const LlmEndpoint* endpoint;
        QString name;
        ServerKind kind;
        int context;  ///< tokens
    };
    Expected<Role> role(const LlmEndpoint& endpoint, const QString& name);
    /// Labels and sentences for `count` modes from a filled prompt (explainer or refiner);
    /// the same prompt asked again is answered from memory.
    Expected<std::vector<ModeExplanation>> askForModes(const Role& r, const QString& prompt, int count, int maxTokens);
    /// Simulates one batch of excerpts of one explanation in one request.
    Expected<std::vector<std::vector<float>>> simulateBatch(const Role& r, const ModeExplanation& mode,
                                                            const std::vector<const Sample*>& batch);
    Expected<ChatReply> send(const Role& r, const ChatRequest& request, const ReplyCheck& check);
    std::string simulationKey(const ModeExplanation& mode, const Sample& s) const;
    void warn(const QString& message) const;

    LlmConfig m_config;
    std::shared_ptr<const TokenTable> m_table;
    QString m_explainerPrompt, m_simulatorPrompt, m_refinerPrompt;
    std::string m_simulatorIdentity;  ///< what besides explanation and excerpt decides a simulation
    std::map<QString, ServerInfo> m_servers;  ///< by base URL
    std::map<std::string, std::vector<ModeExplanation>> m_modeAnswers;  ///< by prompt: asking twice gives the same answer
    std::map<std::string, std::vector<float>> m_simulations;           ///< by simulationKey
    LlmUsage m_usage;
    double m_charsPerToken = 2.5;  ///< for sizing prompts; learnt from the prompt tokens the server counts
    CacheDb* m_db = nullptr;
};

/// The context Ollama is asked for (num_ctx) unless --llm context=N says otherwise.
constexpr int kOllamaContext = 8192;

}  // namespace ns
