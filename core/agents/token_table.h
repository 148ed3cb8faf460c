#pragma once

#include "agents/word_view.h"

#include <QHash>
#include <QString>

#include <memory>
#include <mutex>
#include <vector>

namespace ns {

class BpeTokenizer;

/// Per vocabulary id: the token's display text and its key, the text a literal of an
/// explanation names. Keys are the exact text: " the", "the" and " The" are different tokens
/// to a neuron (a word start, a word piece, a capital), and measured scores were higher
/// with exact keys than with case or space folded. Token classes (regular expressions over the
/// text, or measured on a corpus) are evaluated once per vocabulary.
class TokenTable {
public:
    explicit TokenTable(const BpeTokenizer& tokenizer);

    int vocabSize() const { return static_cast<int>(m_text.size()); }
    const QString& text(int id) const { return m_text[static_cast<size_t>(id)]; }
    int keyOf(int id) const { return m_key[static_cast<size_t>(id)]; }
    const QString& keyText(int key) const { return m_keys[static_cast<size_t>(key)]; }
    int keyCount() const { return static_cast<int>(m_keys.size()); }
    /// The key of a text, or -1 when no token has it.
    int findKey(const QString& keyText) const { return m_keyIndex.value(keyText, -1); }
    /// A token id spelling the key with a leading space when one exists (the common word form).
    int representative(int key) const { return m_representative[static_cast<size_t>(key)]; }

    /// Membership of every token in a class judged on the token's own text (TokenText and
    /// suffix classes, token_classes.h); computed once per class. Word classes are judged in
    /// context: view().
    const std::vector<char>& members(const QString& classId) const;

    /// The words of a sequence of token ids, with every position's catalogue classes.
    WordView view(const std::vector<int>& ids) const;
    const TokenTraits& traits(int id) const { return m_traits[static_cast<size_t>(id)]; }

    static QString keyFor(const QString& text);

private:
    std::vector<QString> m_text;
    std::vector<int> m_key;
    std::vector<QString> m_keys;
    std::vector<int> m_representative;
    QHash<QString, int> m_keyIndex;
    std::vector<TokenTraits> m_traits;
    std::vector<ClassBits> m_textBits;            // TokenText classes of each id
    std::vector<const ClassBits*> m_wholeWordBits;  // word lists of each id as a word of its own
    mutable std::mutex m_mutex;
    mutable QHash<QString, std::shared_ptr<std::vector<char>>> m_members;
};

}  // namespace ns
