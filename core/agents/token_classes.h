#pragma once

#include <QRegularExpression>
#include <QString>

#include <vector>

namespace ns {

/// A class of tokens an explanation may name instead of listing literals: a regular expression
/// over the token's text with a description people read. Ids are stable (they are stored):
/// fixed ones such as "number", and "suffix:ing" for words ending in a suffix.
struct TokenClass {
    QString id;
    QString description;  ///< noun phrase: "a number", "a word ending in '-ing'"
    QRegularExpression regex;
};

/// The fixed catalogue.
const std::vector<TokenClass>& fixedTokenClasses();
/// The class with this id (fixed or suffix:...); an invalid class (empty id) when unknown.
TokenClass tokenClass(const QString& id);

}  // namespace ns
