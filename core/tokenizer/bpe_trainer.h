#pragma once

#include "util/expected.h"

#include <QString>

#include <functional>

namespace ns {

struct BpeTrainOptions {
    QString textFile;        ///< UTF-8 text; documents may be separated by <|endoftext|>
    QString outDir;          ///< receives vocab.json and merges.txt
    int vocabSize = 8192;    ///< including the 256 byte tokens and <|endoftext|>
    int minPairCount = 2;    ///< stop early when no pair occurs this often
};

/// Trains a GPT-2-style byte-level BPE (same pre-tokenizer, same file formats), deterministic.
/// `progress(merges done, merges wanted)` may return false to cancel.
Expected<void> trainBpe(const BpeTrainOptions& options,
                        const std::function<bool(int, int)>& progress = {});

}  // namespace ns
