#pragma once

// The texts the LLM backend sends and the answers of its explainer and refiner: prompt
// resources filled in, evidence written compactly, sizes estimated to fit a context.

#include "agents/backend.h"
#include "agents/llm/openai_client.h"

#include <QString>

#include <utility>
#include <vector>

namespace ns {

class TokenTable;

Expected<QString> readPrompt(const QString& dir, const char* name);
/// Replaces each {{KEY}} of `prompt` by its value.
QString fill(QString prompt, const std::vector<std::pair<const char*, QString>>& values);
/// Tokens a text is likely to take at `charsPerToken`, rounded up.
int estimateTokens(const QString& text, double charsPerToken);

/// One excerpt for the simulator: "Excerpt N: 0:"The" 1:" cat" ..." and a line break.
QString excerptLine(const TokenTable& table, const Sample& s, int number);
/// One mode for the explainer: up to `shown` places where it fires, strongest first (its
/// components, or for single-pass the strongest tokens of the evidence), each as the text
/// before, the token in [[ ]], the activation 1-10 and the context tokens that matter.
QString modeEvidence(const TokenTable& table, const ModeRequest& request, int number, int shown);
/// The refiner's prompt: each mode with its false positives, then the false negatives, up to
/// `shown` of each.
QString refinerPrompt(const QString& prompt, const TokenTable& table, const ReviseRequest& request, int shown);

/// {"modes": [{"label", "explanation"}]} with exactly `count` entries.
nlohmann::json modesSchema(int count);
/// The modes of an explainer's or refiner's answer, labels cut to kMaxLabelWords words.
Expected<std::vector<ModeExplanation>> parseModes(const QString& content, int count);
/// Answer tokens for `modes` labelled sentences, or the role's configured max_tokens.
int answerTokens(const LlmEndpoint& endpoint, int modes);

}  // namespace ns
