#pragma once

#include "agents/sample.h"
#include "agents/word_view.h"
#include "util/expected.h"

#include <QSet>
#include <QString>

#include <nlohmann/json_fwd.hpp>

#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ns {

class TokenTable;

struct PatternLiteral {
    QString key;  ///< a token key (TokenTable::keyFor): case and surrounding spaces folded
    double weight = 0;
};

/// A condition on the tokens before the trigger: the previous token (span 1) or any of the
/// previous `span` tokens is one of the literals, or belongs to the class.
struct ContextCondition {
    int span = 1;
    std::vector<QString> literals;
    QString tokenClass;
};

/// One mode's executable explanation: the trigger (literal tokens with weights, or one token
/// class with one weight, on a piece of its word, with a few words excepted) and up to two
/// context conditions that must all hold.
struct ModePattern {
    std::vector<PatternLiteral> literals;
    QString tokenClass;
    double classWeight = 0;
    WordPiece piece = WordPiece::Any;    ///< which piece of a class's word fires
    std::vector<QString> exceptions;     ///< whole words (lower case) the class leaves out
    std::vector<ContextCondition> conditions;

    bool empty() const { return literals.empty() && tokenClass.isEmpty(); }
};

/// What keeps a mode readable, so that it can never become a lookup table of the exemplars:
/// structural limits (checkPattern), and for the fitter the description length it may use
/// (description_length.h) and the train gain each unit of length must buy.
struct PatternBudget {
    int literals = 64;           ///< or one class; the length budget is the real bound
    int conditions = 2;
    int conditionLiterals = 6;
    int exceptions = 3;
    int span = 8;                ///< the widest context a condition looks at
    int maxLength = 64;          ///< the fitter's bound on the pattern's description length
    double unitGain = 1e-4;      ///< the fitter adds an item only if train r rises this much per unit
};

/// An error naming the first rule of the budget the pattern breaks, or of its class ids.
Expected<void> checkPattern(const ModePattern& p, const PatternBudget& budget = {});

nlohmann::json patternToJson(const ModePattern& p);
Expected<ModePattern> patternFromJson(const nlohmann::json& j);

/// A class as a pattern runs it: a catalogue bit judged on the word view, or (suffix
/// classes) membership per token id.
struct ClassRef {
    int bit = -1;
    const std::vector<char>* members = nullptr;
    bool valid() const { return bit >= 0 || members; }
    bool contains(const std::vector<int>& ids, const WordView& words, size_t i) const;
};
ClassRef resolveClass(const QString& id, const TokenTable& table);

/// A pattern resolved against a vocabulary, run on token ids.
class CompiledPattern {
public:
    CompiledPattern(const ModePattern& p, const TokenTable& table);
    /// Predicted activation at every token of `ids`.
    std::vector<float> run(const std::vector<int>& ids) const;
    /// The same, with the sequence's words already viewed (TokenTable::view).
    std::vector<float> run(const std::vector<int>& ids, const WordView& words) const;
    /// Whether running needs the word view (a class or an exception); literals alone do not.
    bool needsWords() const { return m_class.valid() || m_usesWordConditions; }
    const TokenTable& table() const { return *m_table; }
    /// The trigger weight of a token taken as a word of its own, ignoring the conditions.
    float triggerWeight(int id) const;

private:
    struct Condition {
        int span = 1;
        std::unordered_set<int> keys;
        ClassRef cls;
    };
    float triggerAt(const std::vector<int>& ids, const WordView& words, size_t i) const;
    bool holds(const Condition& c, const std::vector<int>& ids, const WordView& words, size_t i) const;
    const TokenTable* m_table;
    std::unordered_map<int, float> m_weights;  // key -> weight
    ClassRef m_class;
    float m_classWeight = 0;
    WordPiece m_piece = WordPiece::Any;
    QSet<QString> m_exceptions;
    std::vector<Condition> m_conditions;
    bool m_usesWordConditions = false;
};

/// The simulation of several modes: at each token, the maximum over the modes.
Simulation simulateModes(const std::vector<CompiledPattern>& modes, const std::vector<Sample>& samples);

}  // namespace ns
