#include "tokenizer/bpe_tokenizer.h"

#include "text/utf8.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"
#include "util/bounded_read.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <functional>
#include <queue>

namespace ns {
namespace {

Expected<QByteArray> readAll(const QString& path) { return readBoundedFile(path, kMaxTokenizerBytes); }

}  // namespace

Expected<BpeTokenizer> BpeTokenizer::loadDirectory(const QString& dir) {
    const QDir d(dir);
    if (d.exists(QStringLiteral("vocab.json")) && d.exists(QStringLiteral("merges.txt")))
        return load(d.filePath(QStringLiteral("vocab.json")), d.filePath(QStringLiteral("merges.txt")));
    if (d.exists(QStringLiteral("encoder.json")) && d.exists(QStringLiteral("vocab.bpe")))
        return load(d.filePath(QStringLiteral("encoder.json")), d.filePath(QStringLiteral("vocab.bpe")));
    return makeError(QStringLiteral("%1: no tokenizer files (expected vocab.json and merges.txt)").arg(dir));
}

Expected<BpeTokenizer> BpeTokenizer::load(const QString& vocabPath, const QString& mergesPath) {
    auto vocabBytes = readAll(vocabPath);
    if (!vocabBytes) return Error{vocabBytes.error()};
    auto mergesBytes = readAll(mergesPath);
    if (!mergesBytes) return Error{mergesBytes.error()};

    nlohmann::json vocab;
    try {
        vocab = nlohmann::json::parse(vocabBytes->constData(), vocabBytes->constData() + vocabBytes->size());
    } catch (const std::exception& e) {
        return makeError(QStringLiteral("%1: not valid JSON: %2").arg(vocabPath, QString::fromUtf8(e.what())));
    }
    if (!vocab.is_object() || vocab.empty())
        return makeError(QStringLiteral("%1: expected an object mapping tokens to ids").arg(vocabPath));

    BpeTokenizer t;
    t.m_tokens.resize(vocab.size());
    std::vector<bool> seen(vocab.size(), false);
    std::string bytes;
    for (const auto& [key, value] : vocab.items()) {
        if (!value.is_number_integer())
            return makeError(QStringLiteral("%1: the id of token '%2' is not an integer").arg(vocabPath, toDisplayText(key)));
        const auto id = value.get<int64_t>();
        if (id < 0 || id >= static_cast<int64_t>(vocab.size()) || seen[id])
            return makeError(QStringLiteral("%1: token ids must be 0..%2, each once (token '%3' has %4)")
                                 .arg(vocabPath).arg(vocab.size() - 1).arg(toDisplayText(key)).arg(id));
        if (!vocabStringToBytes(key, &bytes))
            return makeError(QStringLiteral("%1: token '%2' is not in GPT-2's byte-level alphabet; "
                                            "this is not a byte-level BPE vocabulary").arg(vocabPath, toDisplayText(key)));
        seen[id] = true;
        t.m_tokens[id] = bytes;
        t.m_ids.emplace(bytes, static_cast<int>(id));
        if (bytes.size() > 4 && bytes.rfind("<|", 0) == 0 && bytes.compare(bytes.size() - 2, 2, "|>") == 0)
            t.m_special.push_back(bytes);
    }
    for (int b = 0; b < 256; ++b) {
        const int id = t.idOf(std::string(1, static_cast<char>(b)));
        if (id < 0)
            return makeError(QStringLiteral("%1: byte %2 has no token; a byte-level vocabulary has all 256").arg(vocabPath).arg(b));
        t.m_byteIds[b] = id;
    }
    t.m_eot = t.idOf("<|endoftext|>");

    const QList<QByteArray> lines = mergesBytes->split('\n');
    int rank = 0;
    for (int lineNo = 0; lineNo < lines.size(); ++lineNo) {
        const QByteArray line = lines[lineNo].trimmed();
        if (line.isEmpty() || (lineNo == 0 && line.startsWith("#version"))) continue;
        const QList<QByteArray> parts = line.split(' ');
        std::string a, b;
        if (parts.size() != 2 || !vocabStringToBytes(parts[0].toStdString(), &a) ||
            !vocabStringToBytes(parts[1].toStdString(), &b))
            return makeError(QStringLiteral("%1: line %2 is not a merge of two byte-level tokens").arg(mergesPath).arg(lineNo + 1));
        const int ia = t.idOf(a), ib = t.idOf(b), im = t.idOf(a + b);
        if (ia < 0 || ib < 0 || im < 0)
            return makeError(QStringLiteral("%1: line %2 merges tokens that are not in %3; the files do not belong together")
                                 .arg(mergesPath).arg(lineNo + 1).arg(QFileInfo(vocabPath).fileName()));
        t.m_merges.emplace(packPair(ia, ib), std::make_pair(rank++, im));
    }
    // Every longer token is made by a merge; one that no merge makes can never be produced, so
    // the merges file is not this vocabulary's (an empty one would silently encode bytes only).
    std::vector<bool> made(t.m_tokens.size(), false);
    for (const auto& [pair, rankAndId] : t.m_merges) made[static_cast<size_t>(rankAndId.second)] = true;
    int unmade = 0, firstUnmade = -1;
    for (size_t id = 0; id < t.m_tokens.size(); ++id) {
        const std::string& bytes = t.m_tokens[id];
        if (bytes.size() < 2 || made[id] || std::find(t.m_special.begin(), t.m_special.end(), bytes) != t.m_special.end()) continue;
        if (unmade++ == 0) firstUnmade = static_cast<int>(id);
    }
    if (unmade > 0)
        return makeError(QStringLiteral("%1: %2 tokens of %3 (the first: '%4', id %5) are made by no merge; "
                                        "the merges file does not belong to this vocabulary")
                             .arg(mergesPath).arg(unmade).arg(QFileInfo(vocabPath).fileName(), t.tokenText(firstUnmade)).arg(firstUnmade));
    t.m_cache = std::make_shared<WordCache>();
    return t;
}

int BpeTokenizer::idOf(std::string_view bytes) const {
    const auto it = m_ids.find(std::string(bytes));
    return it == m_ids.end() ? -1 : it->second;
}

QString BpeTokenizer::tokenText(int id) const {
    if (id < 0 || id >= vocabSize()) return QStringLiteral("\uFFFD");
    return toDisplayText(m_tokens[id]);
}

void BpeTokenizer::encodeWord(std::string_view word, std::vector<int>* out) const {
    const std::string key(word);
    {
        std::lock_guard<std::mutex> lock(m_cache->mutex);
        if (const auto it = m_cache->words.find(key); it != m_cache->words.end()) {
            out->insert(out->end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<int> sym = mergeSymbols(word);
    {
        std::lock_guard<std::mutex> lock(m_cache->mutex);
        if (m_cache->words.size() > 200000) m_cache->words.clear();
        m_cache->words.emplace(key, sym);
    }
    out->insert(out->end(), sym.begin(), sym.end());
}

std::vector<int> BpeTokenizer::mergeSymbols(std::string_view word) const {
    // GPT-2's rule: repeatedly take the pair of lowest rank and merge all its occurrences left
    // to right. Rescanning the word for each merge is quadratic; here the symbols form a linked
    // list and candidate pairs sit in a heap keyed by (rank, position), so one long word costs
    // O(n log n). A rank names one pair, so the entries of one rank, popped in position order,
    // are that pair's occurrences left to right; pairs a merge creates wait until the rank is
    // done, as they would in the rescanning loop.
    struct Symbol {
        int id, prev, next;
    };
    struct Candidate {
        int rank, left, a, b, merged;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };
    std::vector<Symbol> s;
    s.reserve(word.size());
    for (size_t i = 0; i < word.size(); ++i)
        s.push_back({m_byteIds[static_cast<unsigned char>(word[i])], static_cast<int>(i) - 1,
                     i + 1 < word.size() ? static_cast<int>(i) + 1 : -1});
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
    std::vector<Candidate> created;
    auto consider = [&](int left, std::vector<Candidate>* into) {
        if (left < 0 || s[left].next < 0) return;
        const int a = s[left].id, b = s[s[left].next].id;
        if (const auto it = m_merges.find(packPair(a, b)); it != m_merges.end())
            into->push_back({it->second.first, left, a, b, it->second.second});
    };
    for (int i = 0; i + 1 < static_cast<int>(s.size()); ++i) consider(i, &created);
    for (const Candidate& c : created) heap.push(c);
    while (!heap.empty()) {
        const int rank = heap.top().rank;
        created.clear();
        while (!heap.empty() && heap.top().rank == rank) {
            const Candidate c = heap.top();
            heap.pop();
            const int right = s[c.left].next;
            if (s[c.left].id != c.a || right < 0 || s[right].id != c.b) continue;  // stale: a neighbour merged first
            s[c.left].id = c.merged;
            s[c.left].next = s[right].next;
            if (s[right].next >= 0) s[s[right].next].prev = c.left;
            s[right].id = -1;  // removed from the list
            consider(s[c.left].prev, &created);
            consider(c.left, &created);
        }
        for (const Candidate& c : created) heap.push(c);
    }
    std::vector<int> out;
    for (int i = s.empty() ? -1 : 0; i >= 0; i = s[i].next) out.push_back(s[i].id);
    return out;
}

std::vector<int> BpeTokenizer::encode(std::string_view text, bool allowSpecial) const {
    std::vector<int> ids;
    ids.reserve(text.size() / 3);
    auto encodePlain = [&](std::string_view part) {
        for (std::string_view w : gpt2PreTokenize(part)) encodeWord(w, &ids);
    };
    if (!allowSpecial || m_special.empty()) {
        encodePlain(text);
        return ids;
    }
    size_t pos = 0;
    while (pos < text.size()) {
        size_t best = std::string_view::npos;
        const std::string* which = nullptr;
        for (const auto& s : m_special) {
            const size_t at = text.find(s, pos);
            if (at < best) {
                best = at;
                which = &s;
            }
        }
        if (!which) break;
        encodePlain(text.substr(pos, best - pos));
        ids.push_back(m_ids.at(*which));
        pos = best + which->size();
    }
    if (pos < text.size()) encodePlain(text.substr(pos));
    return ids;
}

std::string BpeTokenizer::decodeBytes(const std::vector<int>& ids) const {
    std::string out;
    for (int id : ids)
        if (id >= 0 && id < vocabSize()) out += m_tokens[id];
    return out;
}

}  // namespace ns
