#include "agents/token_table.h"

#include "agents/token_classes.h"
#include "tokenizer/bpe_tokenizer.h"

namespace ns {

QString TokenTable::keyFor(const QString& text) { return text; }

TokenTable::TokenTable(const BpeTokenizer& tokenizer) {
    const int V = tokenizer.vocabSize();
    m_text.reserve(static_cast<size_t>(V));
    m_key.reserve(static_cast<size_t>(V));
    for (int id = 0; id < V; ++id) {
        m_text.push_back(tokenizer.tokenText(id));
        const QString key = keyFor(m_text.back());
        auto it = m_keyIndex.find(key);
        if (it == m_keyIndex.end()) {
            it = m_keyIndex.insert(key, static_cast<int>(m_keys.size()));
            m_keys.push_back(key);
            m_representative.push_back(id);
        } else if (m_text.back().startsWith(QLatin1Char(' ')) &&
                   !m_text[static_cast<size_t>(m_representative[static_cast<size_t>(*it)])].startsWith(QLatin1Char(' '))) {
            m_representative[static_cast<size_t>(*it)] = id;
        }
        m_key.push_back(*it);
    }
}

void TokenTable::learnCorpusClasses(const std::vector<std::vector<int>>& sequences) {
    const int V = vocabSize();
    std::vector<int> seen(static_cast<size_t>(V), 0), continued(static_cast<size_t>(V), 0);
    auto isPiece = [&](int id) {
        const QString& t = m_text[static_cast<size_t>(id)];
        return !t.isEmpty() && t[0].isLetter();
    };
    for (const auto& seq : sequences)
        for (size_t i = 0; i + 1 < seq.size(); ++i) {
            const int a = seq[i], b = seq[i + 1];
            if (a < 0 || a >= V || b < 0 || b >= V) continue;
            ++seen[static_cast<size_t>(a)];
            if (isPiece(b)) ++continued[static_cast<size_t>(a)];
        }
    auto bits = std::make_shared<std::vector<char>>(static_cast<size_t>(V), 0);
    for (int id = 0; id < V; ++id) {
        const QString t = m_text[static_cast<size_t>(id)].trimmed();
        bool letters = !t.isEmpty();
        for (QChar ch : t) letters = letters && ch.isLetter();
        (*bits)[static_cast<size_t>(id)] = letters && seen[static_cast<size_t>(id)] >= 3 &&
                                           2 * continued[static_cast<size_t>(id)] >= seen[static_cast<size_t>(id)];
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    // In place when already handed out: compiled patterns hold a reference to the vector.
    auto it = m_members.find(QStringLiteral("word_start"));
    if (it != m_members.end()) **it = *bits;
    else m_members.insert(QStringLiteral("word_start"), bits);
}

const std::vector<char>& TokenTable::members(const QString& classId) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_members.find(classId);
    if (it != m_members.end()) return **it;
    auto bits = std::make_shared<std::vector<char>>(m_text.size(), 0);
    const TokenClass c = tokenClass(classId);
    if (!c.id.isEmpty())
        for (size_t i = 0; i < m_text.size(); ++i) (*bits)[i] = c.regex.match(m_text[i]).hasMatch() ? 1 : 0;
    m_members.insert(classId, bits);
    return *bits;
}

}  // namespace ns
