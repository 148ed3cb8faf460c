#pragma once

#include "agents/backend.h"
#include "agents/llm/openai_client.h"

#include <QString>

#include <memory>

namespace ns {

class TokenTable;

/// Endpoints and prompts of the three roles an LLM plays.
struct LlmConfig {
    LlmEndpoint explainer, simulator, refiner;
    QString promptDir;  ///< explainer.md, simulator.md and refiner.md (editable resources)
    int exemplarsShown = 8;
};

/// The OpenAI-compatible chat backend: the explainer and the refiner write one sentence per
/// mode; the simulator predicts 0-10 per token (Bills et al. 2023), as the expected value over
/// the returned logprobs where the server gives them, else as the number written.
class LlmBackend : public Backend {
public:
    static Expected<std::unique_ptr<LlmBackend>> create(const LlmConfig& config, std::shared_ptr<const TokenTable> table);

    QString name() const override { return QStringLiteral("openai"); }
    nlohmann::json parameters() const override;
    Expected<ModeExplanation> explain(const ModeRequest& request) override;
    Expected<Simulation> simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) override;
    Expected<std::vector<Revision>> revise(const ReviseRequest& request) override;

private:
    LlmBackend(LlmConfig config, std::shared_ptr<const TokenTable> table) : m_config(std::move(config)), m_table(std::move(table)) {}
    Expected<QString> askForExplanation(const LlmEndpoint& endpoint, const QString& role, const QString& prompt);
    QString tokenJson(int id) const;

    LlmConfig m_config;
    std::shared_ptr<const TokenTable> m_table;
    QString m_explainerPrompt, m_simulatorPrompt, m_refinerPrompt;
};

/// Values 0-10 for `count` tokens from a simulator's answer: from the logprobs of the numbers
/// inside the "activations" array when present and complete, else the numbers themselves.
Expected<std::vector<float>> parseSimulation(const ChatReply& reply, size_t count);

}  // namespace ns
