#include "agents/token_classes.h"

namespace ns {

const std::vector<TokenClass>& fixedTokenClasses() {
    auto make = [](const char* id, const char* description, const char* regex) {
        return TokenClass{QString::fromLatin1(id), QString::fromLatin1(description),
                          QRegularExpression(QRegularExpression::anchoredPattern(QString::fromLatin1(regex)))};
    };
    static const std::vector<TokenClass> classes = {
        make("number", "a number", "\\s*[0-9]+([.,:][0-9]+)*"),
        make("capitalized", "a capitalized word", "\\s?[A-Z][a-z]+"),
        make("all_caps", "a word in capitals", "\\s?[A-Z]{2,}"),
        make("punctuation", "a punctuation mark", "\\s*[^\\w\\s]+\\s*"),
        make("line_break", "a line break", "[ \\t]*\\n[\\s]*"),
        make("spaced_word", "a lower-case word after a space", " [a-z]+"),
        make("word_piece", "a piece of a longer word (no space before it)", "[a-z]+"),
        // Measured on the corpus (TokenTable::learnCorpusClasses); the regex never matches.
        make("word_start", "the first piece of a word split into several tokens", "(?!)"),
    };
    return classes;
}

TokenClass tokenClass(const QString& id) {
    for (const TokenClass& c : fixedTokenClasses())
        if (c.id == id) return c;
    if (id.startsWith(QLatin1String("suffix:")) && id.size() > 7) {
        const QString suffix = id.mid(7);
        for (QChar ch : suffix)
            if (!ch.isLetter()) return {};
        return TokenClass{id, QStringLiteral("a word ending in '-%1'").arg(suffix),
                          QRegularExpression(QRegularExpression::anchoredPattern(
                                                 QStringLiteral("\\s?[A-Za-z]*%1").arg(QRegularExpression::escape(suffix))),
                                             QRegularExpression::CaseInsensitiveOption)};
    }
    return {};
}

}  // namespace ns
