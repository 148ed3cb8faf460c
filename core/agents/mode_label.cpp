#include "agents/mode_label.h"

#include "agents/explanation.h"
#include "agents/pattern_text.h"
#include "agents/token_classes.h"
#include "agents/token_table.h"

#include <QStringList>

#include <algorithm>
#include <map>

namespace ns {
namespace {

int wordCount(const QString& s) { return static_cast<int>(s.split(QLatin1Char(' '), Qt::SkipEmptyParts).size()); }

/// A token as a label shows it: without its surrounding spaces, quoted; white space by name.
QString shown(const QString& token) {
    const QString t = token.trimmed();
    if (t.isEmpty()) return token.contains(QLatin1Char('\n')) ? QStringLiteral("line breaks") : QStringLiteral("spaces");
    return QLatin1Char('\'') + t.left(16) + QLatin1Char('\'');
}

QString conditionLabel(const ContextCondition& c) {
    const QString what = !c.tokenClass.isEmpty() ? tokenClass(c.tokenClass).label
                         : c.literals.size() == 1 ? shown(c.literals.front())
                                                  : QString();
    if (what.isEmpty()) return {};
    return (c.span <= 1 ? QStringLiteral("after ") : QStringLiteral("soon after ")) + what;
}

/// The catalogue class (not "any token") that holds most of the literals taken as words.
QString sharedClass(const ModePattern& p, const TokenTable& table, int* covered) {
    std::map<int, int> count;
    for (const PatternLiteral& l : p.literals) {
        const int key = table.findKey(TokenTable::keyFor(l.key));
        if (key < 0) continue;
        const WordView v = table.view({table.representative(key)});
        for (size_t c = v.bits[0]._Find_first(); c < v.bits[0].size(); c = v.bits[0]._Find_next(c)) ++count[static_cast<int>(c)];
    }
    const auto& classes = ClassCatalogue::instance().classes();
    int best = -1;
    *covered = 0;
    for (const auto& [c, n] : count) {
        if (classes[static_cast<size_t>(c)].id == QLatin1String("any_token")) continue;
        // Ties: the smaller word list (the more specific meaning), then catalogue order.
        // Orthographic and shape classes: the later one is the narrower ("opening brackets"
        // after "punctuation").
        const auto size = [&](int i) {
            const auto& k = classes[static_cast<size_t>(i)];
            return k.kind == ClassKind::WordList ? k.members : (1 << 30) - i;
        };
        if (n > *covered || (n == *covered && best >= 0 && size(c) < size(best))) best = c, *covered = n;
    }
    return best < 0 ? QString() : classes[static_cast<size_t>(best)].label;
}

}  // namespace

QString patternLabel(const ModePattern& p, const TokenTable& table) {
    QString base;
    if (!p.tokenClass.isEmpty()) {
        const TokenClass c = tokenClass(p.tokenClass);
        base = p.tokenClass == QLatin1String("any_token") ? QStringLiteral("tokens") : c.label;
        if (p.piece == WordPiece::First) base = QStringLiteral("first pieces of ") + base;
        if (p.piece == WordPiece::Last) base = QStringLiteral("last pieces of ") + base;
    } else if (p.literals.size() == 1) {
        const QString& key = p.literals.front().key;
        base = key.trimmed().isEmpty() ? shown(key) : QStringLiteral("the token ") + shown(key);
    } else if (!p.literals.empty()) {
        int covered = 0;
        const QString shared = sharedClass(p, table, &covered);
        if (!shared.isEmpty() && 3 * covered >= 2 * static_cast<int>(p.literals.size())) {
            const QString qualified =
                (covered == static_cast<int>(p.literals.size()) ? QStringLiteral("some ") : QStringLiteral("mostly ")) + shared;
            base = wordCount(qualified) <= kMaxLabelWords ? qualified : shared;
        } else {
            auto byWeight = p.literals;
            std::stable_sort(byWeight.begin(), byWeight.end(), [](const auto& a, const auto& b) { return a.weight > b.weight; });
            // The two strongest that read differently (' BU' and 'BU' both show as 'BU').
            QStringList examples;
            for (const PatternLiteral& l : byWeight)
                if (examples.size() < 2 && !examples.contains(shown(l.key))) examples << shown(l.key);
            base = QStringLiteral("tokens like ") + examples.join(QStringLiteral(", "));
        }
    }
    if (base.isEmpty()) return QStringLiteral("never fires");
    if (p.conditions.size() == 1) {
        const QString context = conditionLabel(p.conditions.front());
        if (!context.isEmpty() && wordCount(base) + wordCount(context) <= kMaxLabelWords) base += QLatin1Char(' ') + context;
    }
    return clipLabel(base);
}

ModeExplanation patternExplanation(const ModePattern& p, const TokenTable& table) {
    return {renderPattern(p), p, patternLabel(p, table)};
}

}  // namespace ns
