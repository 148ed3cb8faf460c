#pragma once

#include "agents/token_classes.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace ns {

/// Which piece of its word a token is. Byte-level BPE splits words (" Wed" "nes" "day"); a
/// class is judged on the whole word, and a mode may fire on one piece of it.
enum class PieceRole : uint8_t { Whole, First, Middle, Last };

/// What a pattern's class asks of the piece: any piece, the first, or the last (a word of one
/// token is both its first and its last piece).
enum class WordPiece : uint8_t { Any, First, Last };

bool pieceMatches(WordPiece wanted, PieceRole role);

/// What word segmentation needs to know of one token's text, computed once per token.
struct TokenTraits {
    QString lower;              ///< the text without surrounding white space, in lower case
    bool leadingSpace = false;  ///< the text starts with white space (it starts a word)
    bool startsLetter = false, endsLetter = false, startsDigit = false, endsDigit = false;
    bool digits = false;        ///< digits only (after trimming)
    bool capitals = false;      ///< letters only, all of them capitals
    bool newline = false;       ///< contains a line break
    bool whitespace = false;    ///< white space only
    bool currency = false;      ///< ends with $, £, € or ¥
    bool percent = false;       ///< starts with % or is the word "percent"
    bool point = false;         ///< exactly "." (a decimal point between digits)
};

TokenTraits tokenTraits(const QString& text);

/// One sequence's words: for every position, the catalogue classes it belongs to (its token's
/// own orthographic classes, its whole word's lists and shapes), its piece role, and its word.
struct WordView {
    std::vector<ClassBits> bits;
    std::vector<PieceRole> role;
    std::vector<QString> word;  ///< the whole word in lower case
};

/// A token continues the word before it when no white space separates them and both sides are
/// letters, or both digits (GPT-2's pre-tokenizer keeps letters and digits apart).
/// `textBits[i]` holds position i's TokenText class bits; null pointers are taken as none.
/// `wholeWordBits[i]`, when given, is the word-list bits of the token as a word of its own
/// (the caller caches them per vocabulary id); else they are looked up.
WordView viewWords(const std::vector<const TokenTraits*>& traits, const std::vector<const ClassBits*>& textBits,
                   const std::vector<const ClassBits*>* wholeWordBits = nullptr);

}  // namespace ns
