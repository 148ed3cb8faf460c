#include "agents/description_length.h"

#include "agents/token_classes.h"

#include <QRegularExpression>

namespace ns {

int patternLength(const ModePattern& p) {
    int n = static_cast<int>(p.literals.size()) + static_cast<int>(p.exceptions.size()) +
            (p.tokenClass.isEmpty() ? 0 : classLength(p.tokenClass));
    for (const ContextCondition& c : p.conditions)
        n += 1 + static_cast<int>(c.literals.size()) + (c.tokenClass.isEmpty() ? 0 : classLength(c.tokenClass));
    return n;
}

int modeLength(const ModeExplanation& m) {
    if (m.pattern) return patternLength(*m.pattern);
    static const QRegularExpression quoted(QStringLiteral("'[^']+'|\"[^\"]+\""));
    int n = 1;
    for (auto it = quoted.globalMatch(m.text); it.hasNext(); it.next()) ++n;
    return n;
}

int explanationLength(const std::vector<ModeExplanation>& modes) {
    int n = 0;
    for (const ModeExplanation& m : modes) n += modeLength(m);
    return n;
}

}  // namespace ns
