#include "tokenizer/bpe_trainer.h"

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace ns {
namespace {

struct Word {
    std::vector<int> sym;
    int64_t count = 0;
};

struct Candidate {
    int64_t count;
    uint64_t pair;
    bool operator<(const Candidate& o) const {  // max-heap on count, then smallest pair
        return count != o.count ? count < o.count : pair > o.pair;
    }
};

Expected<void> writeFile(const QString& path, const QByteArray& data) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit())
        return makeError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()));
    return {};
}

}  // namespace

Expected<void> trainBpe(const BpeTrainOptions& o, const std::function<bool(int, int)>& progress) {
    QFile in(o.textFile);
    if (!in.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: cannot open: %2").arg(o.textFile, in.errorString()));
    if (o.vocabSize < 257)
        return makeError(QStringLiteral("vocabulary size %1 is below the 257 that bytes and <|endoftext|> need").arg(o.vocabSize));
    const QByteArray text = in.readAll();

    // Count words; <|endoftext|> separates documents and never merges.
    std::unordered_map<std::string, int64_t> counts;
    const std::string_view all(text.constData(), static_cast<size_t>(text.size()));
    const std::string_view eot = "<|endoftext|>";
    for (size_t pos = 0; pos < all.size();) {
        size_t end = all.find(eot, pos);
        if (end == std::string_view::npos) end = all.size();
        for (std::string_view w : gpt2PreTokenize(all.substr(pos, end - pos))) ++counts[std::string(w)];
        pos = end + eot.size();
    }

    // Byte tokens in GPT-2's order: ids 0..255 follow the byte-to-unicode table's listing.
    std::vector<std::string> tokens;
    std::vector<int> byteId(256);
    {
        std::vector<int> order;
        const auto& t = byteToUnicode();
        for (int b = 0; b < 256; ++b)
            if (t[b] == char32_t(b)) order.push_back(b);
        for (int b = 0; b < 256; ++b)
            if (t[b] != char32_t(b)) order.push_back(b);
        for (int b : order) {
            byteId[b] = static_cast<int>(tokens.size());
            tokens.emplace_back(1, static_cast<char>(b));
        }
    }

    std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end());  // fixed order: the result does not depend on hashing
    std::vector<Word> words(sorted.size());
    for (size_t i = 0; i < sorted.size(); ++i) {
        for (unsigned char c : sorted[i].first) words[i].sym.push_back(byteId[c]);
        words[i].count = sorted[i].second;
    }
    counts.clear();

    std::unordered_map<uint64_t, int64_t> pairCount;
    std::unordered_map<uint64_t, std::unordered_set<int>> where;
    for (int w = 0; w < static_cast<int>(words.size()); ++w) {
        const auto& s = words[w].sym;
        for (size_t i = 0; i + 1 < s.size(); ++i) {
            const uint64_t p = packPair(s[i], s[i + 1]);
            pairCount[p] += words[w].count;
            where[p].insert(w);
        }
    }
    std::priority_queue<Candidate> heap;
    for (const auto& [p, c] : pairCount) heap.push({c, p});

    // Two merges can spell the same token ("ab"+"c", "a"+"bc"): the token keeps one id.
    std::unordered_map<std::string, int> tokenId;
    for (size_t i = 0; i < tokens.size(); ++i) tokenId.emplace(tokens[i], static_cast<int>(i));
    const int wanted = o.vocabSize - 257;
    std::vector<std::pair<int, int>> merges;
    while (static_cast<int>(tokens.size()) < o.vocabSize - 1 && !heap.empty()) {
        const Candidate top = heap.top();
        heap.pop();
        const auto it = pairCount.find(top.pair);
        if (it == pairCount.end() || it->second != top.count) continue;  // stale entry
        if (top.count < o.minPairCount) break;
        const int a = static_cast<int>(top.pair >> 32), b = static_cast<int>(top.pair & 0xffffffffu);
        const auto [slot, isNew] = tokenId.emplace(tokens[a] + tokens[b], static_cast<int>(tokens.size()));
        if (isNew) tokens.push_back(slot->first);
        const int merged = slot->second;
        merges.emplace_back(a, b);

        std::unordered_map<uint64_t, int64_t> delta;
        const auto users = std::move(where[top.pair]);
        where.erase(top.pair);
        for (int w : users) {
            auto& s = words[w].sym;
            const int64_t c = words[w].count;
            bool has = false;
            for (size_t i = 0; i + 1 < s.size(); ++i) has |= (s[i] == a && s[i + 1] == b);
            if (!has) continue;
            for (size_t i = 0; i + 1 < s.size(); ++i) delta[packPair(s[i], s[i + 1])] -= c;
            std::vector<int> next;
            next.reserve(s.size());
            for (size_t i = 0; i < s.size();) {
                if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
                    next.push_back(merged);
                    i += 2;
                } else {
                    next.push_back(s[i++]);
                }
            }
            s.swap(next);
            for (size_t i = 0; i + 1 < s.size(); ++i) {
                const uint64_t p = packPair(s[i], s[i + 1]);
                delta[p] += c;
                where[p].insert(w);
            }
        }
        for (const auto& [p, d] : delta) {
            if (d == 0) continue;
            int64_t& c = pairCount[p];
            c += d;
            if (c <= 0) {
                pairCount.erase(p);
            } else {
                heap.push({c, p});
            }
        }
        const int done = static_cast<int>(tokens.size()) - 256;
        if (progress && merges.size() % 100 == 0 && !progress(done, wanted))
            return makeError(QStringLiteral("tokenizer training cancelled"));
    }

    if (!QDir().mkpath(o.outDir))
        return makeError(QStringLiteral("%1: cannot create the directory").arg(o.outDir));
    nlohmann::ordered_json vocab;
    for (size_t id = 0; id < tokens.size(); ++id) vocab[bytesToVocabString(tokens[id])] = id;
    vocab["<|endoftext|>"] = tokens.size();
    const std::string vocabText = vocab.dump();
    std::string mergesText = "#version: 0.2\n";
    for (const auto& [a, b] : merges)
        mergesText += bytesToVocabString(tokens[a]) + ' ' + bytesToVocabString(tokens[b]) + '\n';
    if (auto r = writeFile(QDir(o.outDir).filePath(QStringLiteral("vocab.json")), QByteArray::fromStdString(vocabText)); !r) return r;
    return writeFile(QDir(o.outDir).filePath(QStringLiteral("merges.txt")), QByteArray::fromStdString(mergesText));
}

}  // namespace ns
