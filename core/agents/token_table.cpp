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
    // Per token: what segmentation needs, its orthographic classes, its word lists as a word.
    const ClassCatalogue& cat = ClassCatalogue::instance();
    m_traits.reserve(static_cast<size_t>(V));
    m_textBits.assign(static_cast<size_t>(V), ClassBits());
    m_wholeWordBits.assign(static_cast<size_t>(V), nullptr);
    for (int id = 0; id < V; ++id) {
        m_traits.push_back(tokenTraits(m_text[static_cast<size_t>(id)]));
        m_wholeWordBits[static_cast<size_t>(id)] = cat.wordClasses(m_traits.back().lower);
    }
    for (size_t c = 0; c < cat.classes().size(); ++c) {
        const TokenClass& tc = cat.classes()[c];
        if (tc.kind != ClassKind::TokenText) continue;
        for (int id = 0; id < V; ++id)
            if (tc.regex.match(m_text[static_cast<size_t>(id)]).hasMatch()) m_textBits[static_cast<size_t>(id)].set(c);
    }
}

WordView TokenTable::view(const std::vector<int>& ids) const {
    static const TokenTraits none;
    std::vector<const TokenTraits*> traits(ids.size(), &none);
    std::vector<const ClassBits*> text(ids.size(), nullptr), whole(ids.size(), nullptr);
    for (size_t i = 0; i < ids.size(); ++i) {
        const int id = ids[i];
        if (id < 0 || id >= vocabSize()) continue;
        traits[i] = &m_traits[static_cast<size_t>(id)];
        text[i] = &m_textBits[static_cast<size_t>(id)];
        whole[i] = m_wholeWordBits[static_cast<size_t>(id)];
    }
    return viewWords(traits, text, &whole);
}

const std::vector<char>& TokenTable::members(const QString& classId) const {
    std::lock_guard<std::mutex> lock(m_mutex);
    auto it = m_members.find(classId);
    if (it != m_members.end()) return **it;
    auto bits = std::make_shared<std::vector<char>>(m_text.size(), 0);
    const TokenClass c = tokenClass(classId);
    if (!c.id.isEmpty() && c.kind == ClassKind::TokenText)
        for (size_t i = 0; i < m_text.size(); ++i) (*bits)[i] = c.regex.match(m_text[i]).hasMatch() ? 1 : 0;
    m_members.insert(classId, bits);
    return *bits;
}

}  // namespace ns
