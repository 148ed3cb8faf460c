#pragma once

// The all-at-once simulator's answer (Bills et al. 2023): one request predicts many excerpts.
// Chat APIs give no prompt logprobs, so the prediction is generated, sparse: only the tokens
// the explanation predicts above zero, each with its excerpt, position and activation 1-10.

#include "agents/llm/openai_client.h"

#include <vector>

namespace ns {

/// Answer items reserved per excerpt, and answer tokens reserved per item.
constexpr int kActivePerExcerpt = 4;
constexpr int kTokensPerActive = 20;

/// The schema of an answer for `excerpts` excerpts of at most `maxLength` tokens:
/// {"active": [{"excerpt": 1.., "token": 0.., "activation": 1..10}]}, at most `maxItems`.
nlohmann::json simulationSchema(int excerpts, int maxLength, int maxItems);

/// Predictions 0-10 for excerpts of the given lengths: 0 where the answer lists nothing;
/// where it lists a token, the expected value under the server's logprobs of the written
/// number when they are there (the chosen token's own probability included), else the number
/// written. An entry outside the excerpts is an error (a malformed answer).
Expected<std::vector<std::vector<float>>> parseSparseSimulation(const ChatReply& reply, const std::vector<int>& lengths);

}  // namespace ns
