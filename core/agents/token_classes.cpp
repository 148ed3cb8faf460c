#include "agents/token_classes.h"

#include "util/bounded_read.h"
#include "util/resource_paths.h"

#include <QCryptographicHash>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace ns {
namespace {

TokenClass textClass(const char* id, const char* label, const char* description, const char* regex) {
    TokenClass c;
    c.id = QString::fromUtf8(id);
    c.label = QString::fromUtf8(label);
    c.description = QString::fromUtf8(description);
    c.kind = ClassKind::TokenText;
    c.regex = QRegularExpression(QRegularExpression::anchoredPattern(QString::fromUtf8(regex)),
                                 QRegularExpression::DotMatchesEverythingOption);
    return c;
}

TokenClass shapeClass(const char* id, const char* label, const char* description, WordShape shape) {
    TokenClass c;
    c.id = QString::fromUtf8(id);
    c.label = QString::fromUtf8(label);
    c.description = QString::fromUtf8(description);
    c.kind = ClassKind::WordShape;
    c.shape = shape;
    return c;
}

/// Regular inflections, tried in order when a word is on no list: (ending, replacement).
/// Irregular forms ("feet", "went") are not folded.
const std::vector<std::pair<QString, QString>>& inflections() {
    static const std::vector<std::pair<QString, QString>> rules = {
        {QStringLiteral("ies"), QStringLiteral("y")}, {QStringLiteral("es"), QString()}, {QStringLiteral("s"), QString()},
        {QStringLiteral("ied"), QStringLiteral("y")}, {QStringLiteral("ed"), QString()}, {QStringLiteral("ed"), QStringLiteral("e")},
        {QStringLiteral("ing"), QString()},           {QStringLiteral("ing"), QStringLiteral("e")},
    };
    return rules;
}

}  // namespace

ClassCatalogue::ClassCatalogue() {
    // Orthography and shape, judged on the token (TokenText) or on its whole word (WordShape).
    m_classes = {
        textClass("number", "numbers", "a number", "\\s*[0-9]+([.,:][0-9]+)*"),
        textClass("capitalized", "capitalized words", "a capitalized word", "\\s?[A-Z][a-z]+"),
        textClass("all_caps", "words in capitals", "a word in capitals", "\\s?[A-Z]{2,}"),
        textClass("punctuation", "punctuation", "a punctuation mark", "\\s*[^\\w\\s]+\\s*"),
        textClass("line_break", "line breaks", "a line break", "[ \\t]*\\n[\\s]*"),
        textClass("spaced_word", "lower-case words", "a lower-case word after a space", " [a-z]+"),
        textClass("word_piece", "word pieces", "a piece of a longer word (no space before it)", "[a-z]+"),
        shapeClass("word_start", "first pieces of split words", "the first piece of a word split into several tokens",
                   WordShape::WordStart),
        textClass("any_token", "any token", "any token", ".*"),
        shapeClass("year", "years", "a year (1500 to 2099)", WordShape::Year),
        shapeClass("small_integer", "small integers", "a whole number below 100", WordShape::SmallInteger),
        shapeClass("decimal", "decimal numbers", "a digit of a decimal number", WordShape::Decimal),
        shapeClass("money", "amounts of money", "an amount of money after a currency sign", WordShape::Money),
        shapeClass("percentage", "percentages", "a number before a percent sign", WordShape::Percentage),
        shapeClass("caps_piece", "pieces of all-caps words", "a piece of a word in capitals split into several tokens",
                   WordShape::CapsPiece),
        shapeClass("line_start", "line starts", "the first token of a line", WordShape::LineStart),
        textClass("open_bracket", "opening brackets", "an opening bracket", "\\s*[(\\[{<]+"),
        textClass("close_bracket", "closing brackets", "a closing bracket", "\\s*[)\\]}>]+[.,;:]*"),
        textClass("quote_mark", "quotation marks", "a quotation mark", "\\s*[\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb]+"),
        textClass("sentence_end", "sentence ends", "a full stop, question or exclamation mark", "[.!?]+[\"')\\]]*"),
        textClass("clause_mark", "commas and colons", "a comma, semicolon or colon", "\\s*[,;:]"),
        textClass("dash", "dashes and hyphens", "a dash or hyphen", "\\s*(-|--|\u2013|\u2014)"),
        textClass("operator", "operator symbols", "an operator symbol (+, =, <, *, ...)", "\\s*[-+*/=<>^%&|!~]+"),
    };
    QByteArray hashed;
    for (const char* file : {"closed_classes.json", "wordnet_classes.json"})
        loadWordLists(resourceDir() + QStringLiteral("/vocabulary/") + QLatin1String(file), hashed);
    for (size_t i = 0; i < m_classes.size(); ++i) m_index.insert(m_classes[i].id, static_cast<int>(i));
    m_version = QString::fromLatin1(QCryptographicHash::hash(hashed, QCryptographicHash::Sha256).toHex().left(12));
    if (!m_error.isEmpty()) std::fprintf(stderr, "neuronscope: %s\n", qPrintable(m_error));
}

void ClassCatalogue::loadWordLists(const QString& path, QByteArray& hashed) {
    auto bytes = readBoundedFile(path, kMaxConfigBytes);
    if (!bytes) {
        m_error = QStringLiteral("%1: the word classes are missing (%2); explanations use only the orthographic classes")
                      .arg(path, bytes.error());
        return;
    }
    hashed += *bytes;
    try {
        const auto j = nlohmann::json::parse(bytes->constData(), bytes->constData() + bytes->size());
        for (const auto& c : j.at("classes")) {
            if (static_cast<int>(m_classes.size()) >= kMaxCatalogueClasses) {
                m_error = QStringLiteral("%1: more than %2 classes in all; the rest are left out").arg(path).arg(kMaxCatalogueClasses);
                return;
            }
            TokenClass tc;
            tc.id = QString::fromStdString(c.at("id").get<std::string>());
            tc.label = QString::fromStdString(c.at("label").get<std::string>());
            tc.description = QString::fromStdString(c.at("description").get<std::string>());
            tc.source = QString::fromStdString(c.value("source", std::string("resources/vocabulary")));
            tc.kind = ClassKind::WordList;
            const int index = static_cast<int>(m_classes.size());
            for (const auto& w : c.at("members")) {
                m_words[QString::fromStdString(w.get<std::string>()).toLower()].set(static_cast<size_t>(index));
                ++tc.members;
            }
            m_classes.push_back(std::move(tc));
        }
    } catch (const nlohmann::json::exception& e) {
        m_error = QStringLiteral("%1: not a word-class file (%2)").arg(path, QString::fromUtf8(e.what()));
    }
}

const ClassCatalogue& ClassCatalogue::instance() {
    static const ClassCatalogue catalogue;
    return catalogue;
}

const ClassBits* ClassCatalogue::wordClasses(const QString& lowerWord) const {
    if (const auto it = m_words.constFind(lowerWord); it != m_words.constEnd()) return &*it;
    if (lowerWord.size() < 4) return nullptr;
    for (const auto& [ending, replacement] : inflections()) {
        if (!lowerWord.endsWith(ending) || lowerWord.size() - ending.size() < 3) continue;
        const auto it = m_words.constFind(lowerWord.left(lowerWord.size() - ending.size()) + replacement);
        if (it != m_words.constEnd()) return &*it;
    }
    return nullptr;
}

const std::vector<TokenClass>& fixedTokenClasses() { return ClassCatalogue::instance().classes(); }

TokenClass tokenClass(const QString& id) {
    const ClassCatalogue& cat = ClassCatalogue::instance();
    if (const int i = cat.indexOf(id); i >= 0) return cat.classes()[static_cast<size_t>(i)];
    if (id.startsWith(QLatin1String("suffix:")) && id.size() > 7) {
        const QString suffix = id.mid(7);
        for (QChar ch : suffix)
            if (!ch.isLetter()) return {};
        TokenClass c;
        c.id = id;
        c.label = QStringLiteral("words ending in -%1").arg(suffix);
        c.description = QStringLiteral("a word ending in '-%1'").arg(suffix);
        c.regex = QRegularExpression(QRegularExpression::anchoredPattern(QStringLiteral("\\s?[A-Za-z]*%1").arg(QRegularExpression::escape(suffix))),
                                     QRegularExpression::CaseInsensitiveOption);
        return c;
    }
    return {};
}

int classLength(const QString& id) {
    const TokenClass c = tokenClass(id);
    return c.kind == ClassKind::WordList && c.members < 5 ? std::max(1, c.members) : 1;
}

}  // namespace ns
