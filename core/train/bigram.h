#pragma once

#include <vector>

namespace ns {

struct BigramResult {
    double loss = 0;         ///< mean next-token cross-entropy on the evaluation ids, nats
    double addK = 0;         ///< the smoothing constant that gave it
    long long trainTokens = 0;
    long long evalTokens = 0;
};

/// The bigram baseline a language model must beat: next-token counts from `train` with add-k
/// smoothing, k picked from a grid for the lowest loss on `eval` (an optimistic baseline).
BigramResult bigramLoss(const std::vector<int>& train, const std::vector<int>& eval, int vocabSize);

}  // namespace ns
