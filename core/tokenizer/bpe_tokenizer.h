#pragma once

#include "util/expected.h"

#include <QString>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ns {

/// GPT-2 byte-level BPE, exactly as GPT-2 encodes: pre-tokenize, map bytes to printable code
/// points, merge pairs by rank. Tokens are byte strings; ids are the exact truth.
class BpeTokenizer {
public:
    /// Loads vocab.json + merges.txt (Hugging Face names) or encoder.json + vocab.bpe (GPT-2's).
    static Expected<BpeTokenizer> loadDirectory(const QString& dir);
    static Expected<BpeTokenizer> load(const QString& vocabPath, const QString& mergesPath);

    /// Special tokens (such as <|endoftext|>) are recognised only when `allowSpecial` is set;
    /// otherwise their text is tokenized as plain text, as the GPT-2 reference encoder does.
    std::vector<int> encode(std::string_view text, bool allowSpecial = false) const;
    std::string decodeBytes(const std::vector<int>& ids) const;

    int vocabSize() const { return static_cast<int>(m_tokens.size()); }
    const std::string& tokenBytes(int id) const { return m_tokens.at(static_cast<size_t>(id)); }
    /// The token as valid UTF-8 for display and JSON (partial characters become U+FFFD).
    QString tokenText(int id) const;
    /// Id of <|endoftext|>, or -1.
    int endOfTextId() const { return m_eot; }
    int idOf(std::string_view bytes) const;  // -1 when absent

private:
    void encodeWord(std::string_view word, std::vector<int>* out) const;
    std::vector<int> mergeSymbols(std::string_view word) const;

    std::vector<std::string> m_tokens;                    // id -> bytes
    std::unordered_map<std::string, int> m_ids;          // bytes -> id
    std::unordered_map<uint64_t, std::pair<int, int>> m_merges;  // (a,b) -> (rank, merged id)
    std::vector<std::string> m_special;                  // bytes of special tokens
    std::array<int, 256> m_byteIds{};
    int m_eot = -1;
    struct WordCache {  // shared by copies; guarded, so one tokenizer serves many threads
        std::mutex mutex;
        std::unordered_map<std::string, std::vector<int>> words;
    };
    std::shared_ptr<WordCache> m_cache;
};

inline uint64_t packPair(int a, int b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

}  // namespace ns
