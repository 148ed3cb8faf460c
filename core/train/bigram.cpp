#include "train/bigram.h"

#include <cmath>
#include <unordered_map>

namespace ns {

BigramResult bigramLoss(const std::vector<int>& train, const std::vector<int>& eval, int vocabSize) {
    std::unordered_map<long long, long long> pair;
    std::vector<long long> context(static_cast<size_t>(vocabSize), 0);
    for (size_t i = 0; i + 1 < train.size(); ++i) {
        ++pair[static_cast<long long>(train[i]) * vocabSize + train[i + 1]];
        ++context[static_cast<size_t>(train[i])];
    }
    BigramResult best;
    best.loss = INFINITY;
    for (double k : {1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001}) {
        double sum = 0;
        for (size_t i = 0; i + 1 < eval.size(); ++i) {
            const auto it = pair.find(static_cast<long long>(eval[i]) * vocabSize + eval[i + 1]);
            const double c = it == pair.end() ? 0.0 : static_cast<double>(it->second);
            const double p = (c + k) / (static_cast<double>(context[static_cast<size_t>(eval[i])]) + k * vocabSize);
            sum -= std::log(p);
        }
        const double loss = sum / static_cast<double>(eval.size() - 1);
        if (loss < best.loss) {
            best.loss = loss;
            best.addK = k;
        }
    }
    best.trainTokens = static_cast<long long>(train.size());
    best.evalTokens = static_cast<long long>(eval.size());
    return best;
}

}  // namespace ns
