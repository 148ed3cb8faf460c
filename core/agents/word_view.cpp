#include "agents/word_view.h"

namespace ns {

bool pieceMatches(WordPiece wanted, PieceRole role) {
    switch (wanted) {
    case WordPiece::Any: return true;
    case WordPiece::First: return role == PieceRole::Whole || role == PieceRole::First;
    case WordPiece::Last: return role == PieceRole::Whole || role == PieceRole::Last;
    }
    return true;
}

TokenTraits tokenTraits(const QString& text) {
    TokenTraits t;
    const QString trimmed = text.trimmed();
    t.lower = trimmed.toLower();
    t.whitespace = trimmed.isEmpty();
    t.leadingSpace = !text.isEmpty() && text[0].isSpace();
    t.newline = text.contains(QLatin1Char('\n'));
    if (!text.isEmpty()) {
        t.startsLetter = text.front().isLetter();
        t.startsDigit = text.front().isDigit();
        t.endsLetter = text.back().isLetter();
        t.endsDigit = text.back().isDigit();
    }
    if (!trimmed.isEmpty()) {
        bool digits = true, capitals = true;
        for (QChar c : trimmed) {
            digits = digits && c.isDigit();
            capitals = capitals && c.isLetter() && c.isUpper();
        }
        t.digits = digits;
        t.capitals = capitals;
        const QChar last = trimmed.back();
        t.currency = last == QLatin1Char('$') || last == QChar(0x00a3) || last == QChar(0x20ac) || last == QChar(0x00a5);
        t.percent = trimmed.startsWith(QLatin1Char('%')) || t.lower == QLatin1String("percent");
        t.point = trimmed == QLatin1String(".") && !t.leadingSpace;
    }
    return t;
}

namespace {

bool continuesWord(const TokenTraits& before, const TokenTraits& t) {
    if (t.leadingSpace) return false;
    return (before.endsLetter && t.startsLetter) || (before.endsDigit && t.startsDigit);
}

}  // namespace

WordView viewWords(const std::vector<const TokenTraits*>& traits, const std::vector<const ClassBits*>& textBits,
                   const std::vector<const ClassBits*>* wholeWordBits) {
    const ClassCatalogue& cat = ClassCatalogue::instance();
    const size_t n = traits.size();
    WordView v;
    v.bits.assign(n, ClassBits());
    v.role.assign(n, PieceRole::Whole);
    v.word.assign(n, QString());
    auto shapeBit = [&](WordShape s) {
        for (size_t c = 0; c < cat.classes().size(); ++c)
            if (cat.classes()[c].kind == ClassKind::WordShape && cat.classes()[c].shape == s) return static_cast<int>(c);
        return -1;
    };
    static const int wordStart = shapeBit(WordShape::WordStart), year = shapeBit(WordShape::Year),
                     smallInteger = shapeBit(WordShape::SmallInteger), decimal = shapeBit(WordShape::Decimal),
                     money = shapeBit(WordShape::Money), percentage = shapeBit(WordShape::Percentage),
                     capsPiece = shapeBit(WordShape::CapsPiece), lineStart = shapeBit(WordShape::LineStart);
    auto mark = [](ClassBits& bits, int bit) {
        if (bit >= 0) bits.set(static_cast<size_t>(bit));
    };
    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;  // the word is [start, end)
        while (end < n && continuesWord(*traits[end - 1], *traits[end])) ++end;
        QString word;
        bool capitals = end - start > 1;
        bool digits = true;
        for (size_t i = start; i < end; ++i) {
            word += traits[i]->lower;
            capitals = capitals && traits[i]->capitals;
            digits = digits && traits[i]->digits;
        }
        const ClassBits* lists = end - start == 1 && wholeWordBits ? (*wholeWordBits)[start] : cat.wordClasses(word);
        ClassBits shared = lists ? *lists : ClassBits();
        if (digits) {
            const bool pointBefore = start >= 2 && traits[start - 1]->point && traits[start - 2]->endsDigit;
            const bool pointAfter = end + 1 < n && traits[end]->point && traits[end + 1]->startsDigit && !traits[end + 1]->leadingSpace;
            const bool isDecimal = pointBefore || pointAfter;
            bool ok = false;
            const int value = word.toInt(&ok);
            if (isDecimal) mark(shared, decimal);
            else if (ok && word.size() <= 2) mark(shared, smallInteger);
            if (!isDecimal && ok && word.size() == 4 && value >= 1500 && value <= 2099) mark(shared, year);
            if (start >= 1 && traits[start - 1]->currency) mark(shared, money);
            if (end < n && traits[end]->percent) mark(shared, percentage);
        }
        if (capitals) mark(shared, capsPiece);
        for (size_t i = start; i < end; ++i) {
            v.word[i] = word;
            v.bits[i] = shared;
            if (textBits[i]) v.bits[i] |= *textBits[i];
            if (end - start > 1) v.role[i] = i == start ? PieceRole::First : i + 1 == end ? PieceRole::Last : PieceRole::Middle;
            if (i == start && end - start > 1) mark(v.bits[i], wordStart);
            if (i > 0 && traits[i - 1]->newline && !traits[i]->whitespace) mark(v.bits[i], lineStart);
        }
        start = end;
    }
    return v;
}

}  // namespace ns
