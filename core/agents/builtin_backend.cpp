#include "agents/builtin_backend.h"

#include "agents/description_length.h"
#include "agents/mode_label.h"
#include "agents/token_classes.h"
#include "agents/pattern_text.h"

#include "agents/pattern_fitter.h"
#include "agents/token_table.h"

#include <algorithm>
#include <set>

namespace ns {

BuiltinBackend::BuiltinBackend(std::shared_ptr<const TokenTable> table, PatternBudget budget)
    : m_table(std::move(table)), m_budget(budget) {}

nlohmann::json BuiltinBackend::parameters() const {
    return {{"literals", m_budget.literals}, {"conditions", m_budget.conditions},
            {"condition_literals", m_budget.conditionLiterals}, {"span", m_budget.span},
            {"exceptions", m_budget.exceptions}, {"vocabulary", ClassCatalogue::instance().version().toStdString()}};
}

ModeExplanation BuiltinBackend::fromPattern(const ModePattern& p) const { return patternExplanation(p, *m_table); }

Expected<ModeExplanation> BuiltinBackend::explain(const ModeRequest& r) {
    FitInput in;
    in.evidence = r.evidence;
    in.others = r.others;
    in.triggerKeys = r.triggerKeys;
    for (const AtomicComponent& c : r.components)
        for (const ContextToken& t : c.context) in.context.push_back(t);
    PatternBudget b = withLength(r.maxLength, r.unitGain);
    b.literals = std::min(b.literals, r.maxLiterals);
    return fromPattern(fitMode(*m_table, in, b));
}

PatternBudget BuiltinBackend::withLength(int maxLength, double unitGain) const {
    PatternBudget b = m_budget;
    b.maxLength = std::min(maxLength, b.maxLength);
    b.unitGain = unitGain;
    return b;
}

Expected<Simulation> BuiltinBackend::simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) {
    if (!mode.pattern)
        return makeError(QStringLiteral("this explanation has no pattern, so the built-in simulator cannot run it"));
    const CompiledPattern p(*mode.pattern, *m_table);
    Simulation out;
    out.reserve(samples.size());
    for (const Sample& s : samples) out.push_back(p.run(s.ids));
    return out;
}

Expected<std::vector<Revision>> BuiltinBackend::revise(const ReviseRequest& r) {
    const auto& modes = *r.modes;
    std::vector<Revision> out;
    // Every revision stays within the one budget for the whole explanation.
    const int total = explanationLength(modes);
    auto roomFor = [&](int replacing) { return r.lengthBudget - total + (replacing >= 0 ? modeLength(modes[static_cast<size_t>(replacing)]) : 0); };
    auto patternOf = [&](size_t i) { return modes[i].pattern.value_or(ModePattern{}); };
    auto withMode = [&](size_t i, const ModePattern& p) {
        auto next = modes;
        next[i] = fromPattern(p);
        return next;
    };
    // The other modes' simulation on the evidence, for re-fitting one mode on top of them.
    auto othersOn = [&](int skip) {
        Simulation s(r.evidence->size());
        for (size_t i = 0; i < r.evidence->size(); ++i) s[i].assign((*r.evidence)[i].ids.size(), 0.f);
        std::vector<CompiledPattern> others;
        for (size_t m = 0; m < modes.size(); ++m)
            if (static_cast<int>(m) != skip && modes[m].pattern) others.emplace_back(*modes[m].pattern, *m_table);
        if (!others.empty()) s = simulateModes(others, *r.evidence);
        return s;
    };

    {
        Revision all{QStringLiteral("re-weight every mode from all evidence, probes included"), modes, {}};
        for (auto& m : all.modes)
            if (m.pattern) m = fromPattern(refitWeights(*m_table, *m.pattern, *r.evidence));
        out.push_back(all);
    }
    for (size_t i = 0; i < modes.size(); ++i) {
        const Simulation others = othersOn(static_cast<int>(i));
        FitInput in;
        in.evidence = r.evidence;
        in.others = &others;
        std::vector<int> keys;
        if (i < r.components.size()) {
            for (const AtomicComponent& c : r.components[i]) {
                keys.push_back(m_table->keyOf(c.trigger));
                for (const ContextToken& t : c.context) in.context.push_back(t);
            }
        }
        for (const PatternLiteral& l : patternOf(i).literals) keys.push_back(m_table->findKey(l.key));
        std::set<int> seen;
        for (int k : keys)
            if (k >= 0 && seen.insert(k).second) in.triggerKeys.push_back(k);
        const ModePattern refit = fitMode(*m_table, in, withLength(roomFor(static_cast<int>(i)), r.unitGain));
        if (!refit.empty())
            out.push_back({QStringLiteral("re-fit mode %1 on all evidence, probes included").arg(i + 1), withMode(i, refit), {}});
    }

    // A new mode fitted on top of the others, from candidate trigger keys (none: classes only).
    auto addMode = [&](const std::vector<int>& keys, const QString& why) {
        if (static_cast<int>(modes.size()) >= r.maxModes || roomFor(-1) < 1) return;
        const Simulation others = othersOn(-1);
        FitInput in;
        in.evidence = r.evidence;
        in.others = &others;
        in.triggerKeys = keys;
        const ModePattern p = fitMode(*m_table, in, withLength(roomFor(-1), r.unitGain));
        if (p.empty()) return;
        Revision rev{why, modes, {}};
        rev.modes.push_back(fromPattern(p));
        for (size_t i = 0; i < modes.size(); ++i) rev.origin.push_back(static_cast<int>(i));
        rev.origin.push_back(-1);
        out.push_back(std::move(rev));
    };
    // One more literal in each mode that has room, weighted from the evidence; with the budget
    // spent, a swap for the mode's weakest literal at the same length.
    auto addLiteral = [&](int key, const QString& why) {
        const bool full = total >= r.lengthBudget;
        const QString text = m_table->keyText(key);
        for (size_t i = 0; i < modes.size(); ++i) {
            ModePattern p = patternOf(i);
            if (!p.tokenClass.isEmpty() || static_cast<int>(p.literals.size()) >= m_budget.literals) continue;
            if (std::any_of(p.literals.begin(), p.literals.end(), [&](const PatternLiteral& l) { return l.key == text; })) continue;
            QString dropped;
            if (full) {
                if (p.literals.size() < 2) continue;
                const auto weakest = std::min_element(p.literals.begin(), p.literals.end(),
                                                      [](const PatternLiteral& a, const PatternLiteral& b) { return a.weight < b.weight; });
                dropped = weakest->key;
                p.literals.erase(weakest);
            }
            p.literals.push_back({text, 0.0});
            p = refitWeights(*m_table, p, *r.evidence);
            if (p.literals.back().weight <= 0) continue;
            out.push_back({full ? QStringLiteral("swap the weakest token '%1' of mode %2 for '%3' (%4)").arg(dropped).arg(i + 1).arg(text, why)
                                : QStringLiteral("add '%1' to mode %2 (%3)").arg(text).arg(i + 1).arg(why),
                           withMode(i, p), {}});
        }
    };

    // False negatives: a token the explanation misses may belong in a mode, or make a new one.
    std::vector<int> fnKeys;
    for (const Miss& m : r.falseNegatives) {
        const int k = m_table->keyOf(m.token);
        if (std::find(fnKeys.begin(), fnKeys.end(), k) == fnKeys.end()) fnKeys.push_back(k);
    }
    for (size_t f = 0; f < fnKeys.size() && f < 4; ++f) addLiteral(fnKeys[f], QStringLiteral("missed on valid"));
    if (!fnKeys.empty()) addMode(fnKeys, QStringLiteral("add a mode for what the explanation misses on valid"));
    // Tokens the vocabulary probe found firing on their own, seen in the corpus probes.
    for (size_t f = 0; f < r.strongKeys.size() && f < 4; ++f) addLiteral(r.strongKeys[f], QStringLiteral("fires on its own"));
    if (!r.strongKeys.empty()) addMode(r.strongKeys, QStringLiteral("add a mode for tokens that fire on their own"));
    // A broad class as a mode of its own: weak firing over many tokens that literals cannot
    // cover, under the stronger modes (the simulation is the maximum over modes).
    addMode({}, QStringLiteral("add a mode for a whole class of tokens"));
    // False positives: a literal that fires where the neuron does not.
    std::set<std::pair<int, int>> tried;
    for (const Miss& m : r.falsePositives) {
        if (m.mode < 0 || m.mode >= static_cast<int>(modes.size())) continue;
        const int k = m_table->keyOf(m.token);
        if (!tried.insert({m.mode, k}).second || tried.size() > 4) continue;
        ModePattern p = patternOf(static_cast<size_t>(m.mode));
        const auto it = std::find_if(p.literals.begin(), p.literals.end(),
                                     [&](const PatternLiteral& l) { return m_table->findKey(TokenTable::keyFor(l.key)) == k; });
        if (it == p.literals.end()) continue;
        p.literals.erase(it);
        if (p.empty()) continue;
        out.push_back({QStringLiteral("drop '%1' from mode %2 (fires where the neuron does not)").arg(m_table->keyText(k)).arg(m.mode + 1),
                       withMode(static_cast<size_t>(m.mode), p), {}});
    }
    // A condition that lists several tokens may hide modes of different strength (' the'
    // after ' of' at 1.0, after ' in' at 0.5): split the mode, one per token, weights refit.
    for (size_t i = 0; i < modes.size(); ++i) {
        const ModePattern base = patternOf(i);
        for (size_t c = 0; c < base.conditions.size(); ++c) {
            const auto& literals = base.conditions[c].literals;
            if (literals.size() < 2 || literals.size() > 3) continue;
            if (static_cast<int>(modes.size() + literals.size() - 1) > r.maxModes) continue;
            Revision rev{QStringLiteral("split mode %1 by the tokens of its condition %2").arg(i + 1).arg(c + 1), modes, {}};
            for (size_t m = 0; m < modes.size(); ++m) rev.origin.push_back(static_cast<int>(m));
            for (size_t l = 0; l < literals.size(); ++l) {
                ModePattern part = base;
                part.conditions[c].literals = {literals[l]};
                part = refitWeights(*m_table, part, *r.evidence);
                if (l == 0) rev.modes[i] = fromPattern(part);
                else rev.modes.push_back(fromPattern(part)), rev.origin.push_back(-1);
            }
            if (explanationLength(rev.modes) <= r.lengthBudget) out.push_back(std::move(rev));
        }
    }
    // Shorter explanations: the weakest literal and each condition of a mode, dropped. The
    // acceptance rule keeps them when the score they lose is worth less than their length.
    for (size_t i = 0; i < modes.size(); ++i) {
        const ModePattern base = patternOf(i);
        if (base.literals.size() > 1) {
            ModePattern p = base;
            const auto weakest = std::min_element(p.literals.begin(), p.literals.end(),
                                                  [](const PatternLiteral& a, const PatternLiteral& b) { return a.weight < b.weight; });
            const QString key = weakest->key;
            p.literals.erase(weakest);
            out.push_back({QStringLiteral("drop the weakest token '%1' from mode %2").arg(key).arg(i + 1), withMode(i, p), {}});
        }
        for (size_t c = 0; c < base.conditions.size(); ++c) {
            ModePattern p = base;
            p.conditions.erase(p.conditions.begin() + static_cast<std::ptrdiff_t>(c));
            p = refitWeights(*m_table, p, *r.evidence);
            out.push_back({QStringLiteral("drop condition %1 of mode %2").arg(c + 1).arg(i + 1), withMode(i, p), {}});
        }
    }
    return out;
}

}  // namespace ns
