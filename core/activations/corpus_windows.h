#pragma once

#include "activations/neuron_record.h"
#include "util/expected.h"

#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace ns {

class BpeTokenizer;

/// Cuts one document's tokens into windows of `windowTokens` (a short document is one window; a
/// tail under 8 tokens is left out). Ids continue from *nextId. The miner and the probes cut the
/// corpus the same way, so a window id names the same tokens everywhere.
void cutWindows(const std::vector<int>& ids, int64_t document, int windowTokens, int64_t* nextId,
                const std::function<void(std::shared_ptr<TokenWindow>)>& emit);

/// The corpus as windows, held in memory (for probes), up to `maxTokens` tokens.
struct CorpusWindows {
    QString path;
    int windowTokens = 0;
    std::vector<std::shared_ptr<const TokenWindow>> windows;
    int64_t tokens = 0;
};
Expected<std::shared_ptr<const CorpusWindows>> readCorpusWindows(const BpeTokenizer& tokenizer, const QString& path,
                                                                 int windowTokens, int64_t maxTokens = 4'000'000);

}  // namespace ns
