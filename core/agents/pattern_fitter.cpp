#include "agents/pattern_fitter.h"

#include "agents/description_length.h"
#include "agents/token_classes.h"
#include "agents/token_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace ns {
namespace {

/// The evidence flattened to tokens, with what a candidate needs evaluated quickly.
struct Flat {
    const TokenTable* table;
    const std::vector<Sample>* samples;
    std::vector<int> id, key, sample, pos;
    std::vector<double> act, base;
    std::unordered_map<int, std::vector<int>> byKey;  // key -> token indices

    Flat(const TokenTable& t, const std::vector<Sample>& s, const Simulation* others) : table(&t), samples(&s) {
        for (size_t i = 0; i < s.size(); ++i)
            for (size_t j = 0; j < s[i].ids.size(); ++j) {
                const int tok = s[i].ids[j];
                const int k = tok >= 0 && tok < t.vocabSize() ? t.keyOf(tok) : -1;
                byKey[k].push_back(static_cast<int>(id.size()));
                id.push_back(tok);
                key.push_back(k);
                sample.push_back(static_cast<int>(i));
                pos.push_back(static_cast<int>(j));
                act.push_back(j < s[i].acts.size() ? s[i].acts[j] : 0.0);
                base.push_back(others && i < others->size() && j < (*others)[i].size() ? (*others)[i][j] : 0.0);
            }
    }
    size_t size() const { return id.size(); }

    /// Pearson of act against max(base, mode).
    double score(const std::vector<double>& mode) const {
        const size_t n = size();
        if (n < 2) return 0;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (size_t i = 0; i < n; ++i) {
            const double x = act[i], y = std::max(base[i], mode[i]);
            sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
        }
        const double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
        if (vx <= 1e-12 || vy <= 1e-12) return 0;
        const double r = cov / std::sqrt(vx * vy);
        return std::isfinite(r) ? r : 0;
    }
};

bool conditionHolds(const Flat& f, const ContextCondition& c, const std::vector<char>* members,
                    const std::set<int>& keys, size_t t) {
    const auto& ids = (*f.samples)[static_cast<size_t>(f.sample[t])].ids;
    const int p = f.pos[t];
    for (int back = 1; back <= c.span && back <= p; ++back) {
        const int id = ids[static_cast<size_t>(p - back)];
        if (id < 0 || id >= f.table->vocabSize()) continue;
        if (members ? (*members)[static_cast<size_t>(id)] != 0 : keys.count(f.table->keyOf(id)) > 0) return true;
    }
    return false;
}

/// For every token: do all conditions hold?
std::vector<char> gate(const Flat& f, const std::vector<ContextCondition>& conds) {
    std::vector<char> g(f.size(), 1);
    for (const ContextCondition& c : conds) {
        const std::vector<char>* members = c.tokenClass.isEmpty() ? nullptr : &f.table->members(c.tokenClass);
        std::set<int> keys;
        for (const QString& k : c.literals) keys.insert(f.table->findKey(TokenTable::keyFor(k)));
        for (size_t t = 0; t < f.size(); ++t)
            if (g[t] && !conditionHolds(f, c, members, keys, t)) g[t] = 0;
    }
    return g;
}

/// Mean activation over the indices where the gate holds (0 when none), never negative.
double meanWhere(const Flat& f, const std::vector<int>& idx, const std::vector<char>& g, int* count = nullptr) {
    double s = 0;
    int n = 0;
    for (int i : idx)
        if (g[static_cast<size_t>(i)]) s += f.act[static_cast<size_t>(i)], ++n;
    if (count) *count = n;
    return n ? std::max(0.0, s / n) : 0.0;
}

std::vector<int> classIndices(const Flat& f, const QString& cls) {
    const auto& m = f.table->members(cls);
    std::vector<int> idx;
    for (size_t t = 0; t < f.size(); ++t)
        if (f.id[t] >= 0 && f.id[t] < f.table->vocabSize() && m[static_cast<size_t>(f.id[t])]) idx.push_back(static_cast<int>(t));
    return idx;
}

/// The mode's values for a trigger under a gate.
std::vector<double> modeValues(const Flat& f, const ModePattern& p, const std::vector<char>& g) {
    std::vector<double> v(f.size(), 0.0);
    if (!p.tokenClass.isEmpty()) {
        for (int i : classIndices(f, p.tokenClass))
            if (g[static_cast<size_t>(i)]) v[static_cast<size_t>(i)] = p.classWeight;
        return v;
    }
    for (const PatternLiteral& l : p.literals) {
        const auto it = f.byKey.find(f.table->findKey(TokenTable::keyFor(l.key)));
        if (it == f.byKey.end()) continue;
        for (int i : it->second)
            if (g[static_cast<size_t>(i)]) v[static_cast<size_t>(i)] = l.weight;
    }
    return v;
}

/// Greedy literal choice under a gate: add the key that raises the score most, while it does.
/// Each token has one key, so a trial changes only that key's occurrences: the sums of the
/// correlation are updated there instead of recomputed.
ModePattern greedyLiterals(const Flat& f, const std::vector<int>& keys, const std::vector<char>& g, int budget,
                           double unitGain, double* scoreOut) {
    ModePattern p;
    const double n = static_cast<double>(f.size());
    double sx = 0, sxx = 0, sy = 0, syy = 0, sxy = 0;
    for (size_t t = 0; t < f.size(); ++t) {
        sx += f.act[t], sxx += f.act[t] * f.act[t];
        sy += f.base[t], syy += f.base[t] * f.base[t], sxy += f.act[t] * f.base[t];
    }
    auto corr = [&](double y, double yy, double xy) {
        const double cov = xy - sx * y / n, vx = sxx - sx * sx / n, vy = yy - y * y / n;
        if (n < 2 || vx <= 1e-12 || vy <= 1e-12) return 0.0;
        const double r = cov / std::sqrt(vx * vy);
        return std::isfinite(r) ? r : 0.0;
    };
    double best = corr(sy, syy, sxy);
    struct Cand {
        int key;
        double w;
        const std::vector<int>* idx;
    };
    std::vector<Cand> pool;
    for (int k : keys) {
        const auto it = f.byKey.find(k);
        if (it == f.byKey.end()) continue;
        const double w = meanWhere(f, it->second, g);
        if (w > 0) pool.push_back({k, w, &it->second});
    }
    std::vector<char> used(pool.size(), 0);
    while (static_cast<int>(p.literals.size()) < budget) {
        int pick = -1;
        double pickScore = best + std::max(1e-4, unitGain), dy = 0, dyy = 0, dxy = 0;
        for (size_t c = 0; c < pool.size(); ++c) {
            if (used[c]) continue;
            double ty = 0, tyy = 0, txy = 0;
            for (int i : *pool[c].idx) {
                if (!g[static_cast<size_t>(i)]) continue;
                const double old = f.base[static_cast<size_t>(i)], now = std::max(old, pool[c].w);
                ty += now - old, tyy += now * now - old * old, txy += f.act[static_cast<size_t>(i)] * (now - old);
            }
            const double sc = corr(sy + ty, syy + tyy, sxy + txy);
            if (sc > pickScore) pickScore = sc, pick = static_cast<int>(c), dy = ty, dyy = tyy, dxy = txy;
        }
        if (pick < 0) break;
        used[static_cast<size_t>(pick)] = 1;
        sy += dy, syy += dyy, sxy += dxy;
        best = pickScore;
        p.literals.push_back({f.table->keyText(pool[static_cast<size_t>(pick)].key), pool[static_cast<size_t>(pick)].w});
    }
    *scoreOut = p.literals.empty() ? 0.0 : best;
    return p;
}

std::vector<QString> suffixClasses(const TokenTable& table, const std::vector<int>& keys) {
    std::map<QString, int> count;
    for (int k : keys) {
        const QString w = table.keyText(k);
        bool alpha = w.size() >= 4;
        for (QChar ch : w) alpha = alpha && ch.isLetter();
        if (!alpha) continue;
        for (int n = 2; n <= 4 && n < w.size(); ++n) ++count[w.right(n)];
    }
    std::vector<std::pair<int, QString>> ranked;
    for (const auto& [s, n] : count)
        if (n >= 3) ranked.push_back({n, s});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<QString> out;
    for (size_t i = 0; i < ranked.size() && i < 3; ++i) out.push_back(QStringLiteral("suffix:") + ranked[i].second);
    return out;
}

/// The best trigger (literals or one class) under a gate.
/// `room` is the description length the trigger may use (the conditions already hold the rest).
ModePattern bestTrigger(const Flat& f, const std::vector<int>& keys, const std::vector<char>& g, const PatternBudget& b,
                        int room, double* scoreOut) {
    double s = 0;
    if (room < 1) {
        *scoreOut = 0;
        return {};
    }
    ModePattern best = greedyLiterals(f, keys, g, std::min(b.literals, room), b.unitGain, &s);
    std::vector<QString> classes;
    for (const TokenClass& c : fixedTokenClasses()) classes.push_back(c.id);
    for (const QString& c : suffixClasses(*f.table, keys)) classes.push_back(c);
    for (const QString& c : classes) {
        ModePattern p;
        p.tokenClass = c;
        p.classWeight = meanWhere(f, classIndices(f, c), g);
        if (p.classWeight <= 0) continue;
        const double cs = f.score(modeValues(f, p, g));
        // One class states in a word what many literals list, and covers the members the
        // evidence happened not to show: it wins when it fits about as well.
        // Lengths enter as the fitter's price per unit: a class is 1, literals are one each.
        const double slack = (best.tokenClass.isEmpty() && best.literals.size() >= 3 ? 0.005 : -0.01) +
                             b.unitGain * (static_cast<double>(best.literals.size()) - 1.0) * (best.tokenClass.isEmpty() ? 1 : 0);
        if (cs > s - slack) s = cs, best = p;
    }
    *scoreOut = s;
    return best;
}

/// Candidate context conditions: ordered key lists for the previous token and the previous
/// `span` tokens, from the ablations and from where the mode fires, and classes of the
/// previous token.
std::vector<ContextCondition> conditionCandidates(const Flat& f, const std::vector<double>& mode,
                                                  const std::vector<ContextToken>& context, const PatternBudget& b) {
    std::map<int, double> prev, within;
    for (const ContextToken& c : context) {
        if (c.id < 0 || c.id >= f.table->vocabSize()) continue;
        if (c.offset == 1) prev[f.table->keyOf(c.id)] += c.drop;
        within[f.table->keyOf(c.id)] += c.drop;
    }
    // Where the mode's trigger occurs: which context separates firing from silent occurrences.
    double peak = 0;
    for (size_t t = 0; t < f.size(); ++t) peak = std::max(peak, f.act[t]);
    std::map<int, double> prevFire, prevQuiet, withinFire, withinQuiet;
    double fireTotal = 0, quietTotal = 0;
    for (size_t t = 0; t < f.size(); ++t) {
        if (mode[t] <= 0) continue;
        const bool fires = f.act[t] >= 0.3 * peak;
        (fires ? fireTotal : quietTotal) += 1;
        const auto& ids = (*f.samples)[static_cast<size_t>(f.sample[t])].ids;
        std::set<int> seen;
        for (int back = 1; back <= b.span && back <= f.pos[t]; ++back) {
            const int id = ids[static_cast<size_t>(f.pos[t] - back)];
            if (id < 0 || id >= f.table->vocabSize()) continue;
            const int k = f.table->keyOf(id);
            if (back == 1) (fires ? prevFire : prevQuiet)[k] += 1;
            if (seen.insert(k).second) (fires ? withinFire : withinQuiet)[k] += 1;
        }
    }
    auto lift = [&](const std::map<int, double>& fire, const std::map<int, double>& quiet) {
        std::map<int, double> m;
        for (const auto& [k, n] : fire) {
            const auto q = quiet.find(k);
            m[k] = n / std::max(1.0, fireTotal) - (q == quiet.end() ? 0.0 : q->second / std::max(1.0, quietTotal));
        }
        return m;
    };
    const auto prevOff = lift(prevFire, prevQuiet);
    const auto withinOff = lift(withinFire, withinQuiet);
    auto ranked = [&](const std::map<int, double>& m) {
        std::vector<std::pair<double, int>> v;
        for (const auto& [k, s] : m)
            if (s > 0) v.push_back({s, k});
        std::sort(v.begin(), v.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
        std::vector<QString> keys;
        for (size_t i = 0; i < v.size() && static_cast<int>(i) < b.conditionLiterals; ++i) keys.push_back(f.table->keyText(v[i].second));
        return keys;
    };
    std::vector<ContextCondition> out;
    auto addPrefixes = [&](const std::vector<QString>& keys, int span) {
        for (size_t n = 1; n <= keys.size(); ++n) {
            ContextCondition c;
            c.span = span;
            c.literals.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
            out.push_back(c);
        }
    };
    addPrefixes(ranked(prev), 1);
    addPrefixes(ranked(within), b.span);
    addPrefixes(ranked(prevOff), 1);
    addPrefixes(ranked(withinOff), b.span);
    for (const TokenClass& c : fixedTokenClasses()) {
        ContextCondition cc;
        cc.tokenClass = c.id;
        out.push_back(cc);
    }
    return out;
}

}  // namespace

/// The weights of `p`'s trigger recomputed under a gate.
ModePattern weightsUnder(const Flat& f, ModePattern p, const std::vector<char>& g) {
    if (!p.tokenClass.isEmpty()) {
        p.classWeight = meanWhere(f, classIndices(f, p.tokenClass), g);
        return p;
    }
    for (PatternLiteral& l : p.literals) {
        const auto it = f.byKey.find(f.table->findKey(TokenTable::keyFor(l.key)));
        l.weight = it == f.byKey.end() ? 0.0 : meanWhere(f, it->second, g);
    }
    return p;
}

ModePattern fitMode(const TokenTable& table, const FitInput& in, const PatternBudget& b) {
    const Flat f(table, *in.evidence, in.others);
    std::vector<char> open(f.size(), 1);
    double score = 0;
    ModePattern p = bestTrigger(f, in.triggerKeys, open, b, b.maxLength, &score);
    if (p.empty()) return p;
    // Each step is judged by its merit: train r minus the price of its description length.
    auto merit = [&](double r, int length) { return r - b.unitGain * length; };
    auto conditionsLength = [](const std::vector<ContextCondition>& conds) {
        ModePattern q;
        q.conditions = conds;
        return patternLength(q);
    };
    for (int round = 0; round < b.conditions; ++round) {
        const std::vector<double> mode = modeValues(f, p, gate(f, p.conditions));
        const int triggerLength = patternLength(p) - conditionsLength(p.conditions);
        // Rank conditions with the trigger held fixed, then re-pick the trigger under the best.
        std::vector<ContextCondition> bestConds;
        double bestMerit = merit(score, patternLength(p)) + 0.003;
        for (const ContextCondition& c : conditionCandidates(f, mode, in.context, b)) {
            auto conds = p.conditions;
            conds.push_back(c);
            const int condLength = conditionsLength(conds);
            if (condLength + 1 > b.maxLength) continue;
            const auto g = gate(f, conds);
            const double s = f.score(modeValues(f, weightsUnder(f, p, g), g));
            const double m = merit(s, std::min(b.maxLength, triggerLength + condLength));
            if (m > bestMerit) bestMerit = m, bestConds = conds;
        }
        if (bestConds.empty()) break;
        const auto g = gate(f, bestConds);
        const int condLength = conditionsLength(bestConds);
        double s = 0;
        ModePattern trial = bestTrigger(f, in.triggerKeys, g, b, b.maxLength - condLength, &s);
        if (trial.empty()) break;
        trial.conditions = bestConds;
        if (merit(s, patternLength(trial)) <= merit(score, patternLength(p)) + 0.003) break;
        p = trial;
        score = s;
    }
    return p;
}

ModePattern refitWeights(const TokenTable& table, ModePattern p, const std::vector<Sample>& evidence) {
    const Flat f(table, evidence, nullptr);
    const auto g = gate(f, p.conditions);
    if (!p.tokenClass.isEmpty()) {
        int n = 0;
        const double w = meanWhere(f, classIndices(f, p.tokenClass), g, &n);
        if (n > 0) p.classWeight = w;
        return p;
    }
    for (PatternLiteral& l : p.literals) {
        const auto it = f.byKey.find(table.findKey(TokenTable::keyFor(l.key)));
        if (it == f.byKey.end()) continue;
        int n = 0;
        const double w = meanWhere(f, it->second, g, &n);
        if (n > 0) l.weight = w;
    }
    return p;
}

std::vector<int> firingKeys(const TokenTable& table, const std::vector<Sample>& samples, double fraction, int limit) {
    float top = 0;
    for (const Sample& s : samples)
        for (float a : s.acts) top = std::max(top, a);
    std::map<int, double> mass;
    if (top <= 0) return {};
    for (const Sample& s : samples)
        for (size_t t = 0; t < s.ids.size() && t < s.acts.size(); ++t)
            if (s.acts[t] >= fraction * top && s.ids[t] >= 0 && s.ids[t] < table.vocabSize()) mass[table.keyOf(s.ids[t])] += s.acts[t];
    std::vector<std::pair<double, int>> v;
    for (const auto& [k, m] : mass) v.push_back({m, k});
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<int> out;
    for (size_t i = 0; i < v.size() && static_cast<int>(i) < limit; ++i) out.push_back(v[i].second);
    return out;
}

}  // namespace ns
