#include "tokenizer/bpe_tokenizer.h"

#include "text/utf8.h"
#include "tokenizer/byte_unicode.h"
#include "tokenizer/pretokenizer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include <climits>

namespace ns {
namespace {

Expected<QByteArray> readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    return f.readAll();
}

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
    std::vector<int> sym;
    sym.reserve(word.size());
    for (unsigned char c : word) sym.push_back(m_byteIds[c]);
    while (sym.size() > 1) {
        int bestRank = INT_MAX, bestA = -1, bestB = -1, merged = -1;
        for (size_t i = 0; i + 1 < sym.size(); ++i) {
            const auto it = m_merges.find(packPair(sym[i], sym[i + 1]));
            if (it != m_merges.end() && it->second.first < bestRank) {
                bestRank = it->second.first;
                bestA = sym[i];
                bestB = sym[i + 1];
                merged = it->second.second;
            }
        }
        if (merged < 0) break;
        std::vector<int> next;
        next.reserve(sym.size());
        for (size_t i = 0; i < sym.size();) {
            if (i + 1 < sym.size() && sym[i] == bestA && sym[i + 1] == bestB) {
                next.push_back(merged);
                i += 2;
            } else {
                next.push_back(sym[i++]);
            }
        }
        sym.swap(next);
    }
    {
        std::lock_guard<std::mutex> lock(m_cache->mutex);
        if (m_cache->words.size() > 200000) m_cache->words.clear();
        m_cache->words.emplace(key, sym);
    }
    out->insert(out->end(), sym.begin(), sym.end());
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
