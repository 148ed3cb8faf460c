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
    // The word view of every position, and for every catalogue class the positions in it.
    std::vector<ClassBits> bits;
    std::vector<PieceRole> role;
    std::vector<QString> word;
    std::vector<std::vector<int>> inClass;

    Flat(const TokenTable& t, const std::vector<Sample>& s, const Simulation* others) : table(&t), samples(&s) {
        inClass.resize(ClassCatalogue::instance().classes().size());
        for (size_t i = 0; i < s.size(); ++i) {
            WordView v = t.view(s[i].ids);
            for (size_t j = 0; j < s[i].ids.size(); ++j) {
                const int at = static_cast<int>(id.size());
                for (size_t c = v.bits[j]._Find_first(); c < inClass.size(); c = v.bits[j]._Find_next(c)) inClass[c].push_back(at);
                bits.push_back(v.bits[j]);
                role.push_back(v.role[j]);
                word.push_back(std::move(v.word[j]));
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

/// Whether the condition holds at flat position t: one of the `span` tokens before it (in
/// the same sample: the flat order keeps each sample's tokens together) is in it.
bool conditionHolds(const Flat& f, const ContextCondition& c, const ClassRef& cls, const std::set<int>& keys, size_t t) {
    for (int back = 1; back <= c.span && back <= f.pos[t]; ++back) {
        const size_t u = t - static_cast<size_t>(back);
        if (f.id[u] < 0 || f.id[u] >= f.table->vocabSize()) continue;
        if (cls.bit >= 0 ? f.bits[u].test(static_cast<size_t>(cls.bit))
                         : cls.members ? (*cls.members)[static_cast<size_t>(f.id[u])] != 0 : keys.count(f.key[u]) > 0)
            return true;
    }
    return false;
}

/// For every token: do all conditions hold?
std::vector<char> gate(const Flat& f, const std::vector<ContextCondition>& conds) {
    std::vector<char> g(f.size(), 1);
    for (const ContextCondition& c : conds) {
        const ClassRef cls = c.tokenClass.isEmpty() ? ClassRef{} : resolveClass(c.tokenClass, *f.table);
        std::set<int> keys;
        for (const QString& k : c.literals) keys.insert(f.table->findKey(TokenTable::keyFor(k)));
        for (size_t t = 0; t < f.size(); ++t)
            if (g[t] && !conditionHolds(f, c, cls, keys, t)) g[t] = 0;
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

/// The positions a class trigger covers: in the class, on the wanted piece of the word, and
/// not one of the excepted words.
std::vector<int> triggerIndices(const Flat& f, const QString& cls, WordPiece piece = WordPiece::Any,
                                const std::vector<QString>& exceptions = {}) {
    const ClassRef ref = resolveClass(cls, *f.table);
    std::vector<int> all;
    if (ref.bit >= 0) {
        all = f.inClass[static_cast<size_t>(ref.bit)];
    } else if (ref.members) {
        for (size_t t = 0; t < f.size(); ++t)
            if (f.id[t] >= 0 && f.id[t] < f.table->vocabSize() && (*ref.members)[static_cast<size_t>(f.id[t])]) all.push_back(static_cast<int>(t));
    }
    if (piece == WordPiece::Any && exceptions.empty()) return all;
    std::vector<int> idx;
    for (int i : all) {
        const size_t t = static_cast<size_t>(i);
        if (!pieceMatches(piece, f.role[t])) continue;
        if (std::find(exceptions.begin(), exceptions.end(), f.word[t]) != exceptions.end()) continue;
        idx.push_back(i);
    }
    return idx;
}

std::vector<int> triggerIndices(const Flat& f, const ModePattern& p) { return triggerIndices(f, p.tokenClass, p.piece, p.exceptions); }

/// The mode's values for a trigger under a gate.
std::vector<double> modeValues(const Flat& f, const ModePattern& p, const std::vector<char>& g) {
    std::vector<double> v(f.size(), 0.0);
    if (!p.tokenClass.isEmpty()) {
        for (int i : triggerIndices(f, p))
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
    const ModePattern literals = best;
    const double literalScore = s;
    std::vector<QString> classes;
    for (const TokenClass& c : fixedTokenClasses()) classes.push_back(c.id);
    for (const QString& c : suffixClasses(*f.table, keys)) classes.push_back(c);
    // The best class by merit (train r minus the price of its length), on the piece of its
    // word that fits best.
    ModePattern bestClass;
    double classScore = 0, classMerit = -1e9;
    for (const QString& c : classes) {
        const int length = classLength(c);
        if (length > room) continue;
        const std::vector<int> all = triggerIndices(f, c);
        // A piece of the word means something only for classes judged on the whole word.
        bool split = tokenClass(c).kind != ClassKind::TokenText;
        bool anySplit = false;
        for (int i : all) anySplit = anySplit || f.role[static_cast<size_t>(i)] != PieceRole::Whole;
        split = split && anySplit;
        for (WordPiece piece : {WordPiece::Any, WordPiece::First, WordPiece::Last}) {
            if (piece != WordPiece::Any && !split) break;
            ModePattern p;
            p.tokenClass = c;
            p.piece = piece;
            p.classWeight = meanWhere(f, piece == WordPiece::Any ? all : triggerIndices(f, c, piece), g);
            if (p.classWeight <= 0) continue;
            const double cs = f.score(modeValues(f, p, g));
            const double merit = cs - b.unitGain * length;
            if (merit > classMerit + 1e-4) classMerit = merit, classScore = cs, bestClass = p;
        }
    }
    if (!bestClass.empty()) {
        // A few words of the class the neuron ignores, excepted while each pays for itself.
        std::map<QString, std::pair<int, double>> quiet;  // word -> (count, activation sum)
        for (int i : triggerIndices(f, bestClass))
            if (g[static_cast<size_t>(i)]) {
                auto& q = quiet[f.word[static_cast<size_t>(i)]];
                ++q.first, q.second += f.act[static_cast<size_t>(i)];
            }
        std::vector<std::pair<int, QString>> candidates;
        for (const auto& [w, q] : quiet)
            if (!w.isEmpty() && q.second / q.first < 0.3 * bestClass.classWeight) candidates.push_back({q.first, w});
        std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& c) { return a.first > c.first || (a.first == c.first && a.second < c.second); });
        if (candidates.size() > 8) candidates.resize(8);
        // Words of the class that fire: a class with exceptions must still say more than the
        // list of them would ("a comma or colon other than ':'" is just ',').
        int firing = 0;
        for (const auto& [w, q] : quiet) firing += q.second / q.first >= 0.3 * bestClass.classWeight;
        int length = classLength(bestClass.tokenClass);
        while (static_cast<int>(bestClass.exceptions.size()) < b.exceptions && length + 1 <= room &&
               firing >= 2 * (static_cast<int>(bestClass.exceptions.size()) + 1) + 1) {
            ModePattern pick;
            double pickScore = 0, pickMerit = classMerit + 0.002;
            for (const auto& [n, w] : candidates) {
                if (std::find(bestClass.exceptions.begin(), bestClass.exceptions.end(), w) != bestClass.exceptions.end()) continue;
                ModePattern p = bestClass;
                p.exceptions.push_back(w);
                p.classWeight = meanWhere(f, triggerIndices(f, p), g);
                if (p.classWeight <= 0) continue;
                const double cs = f.score(modeValues(f, p, g));
                if (cs - b.unitGain * (length + 1) > pickMerit) pickMerit = cs - b.unitGain * (length + 1), pickScore = cs, pick = p;
            }
            if (pick.empty()) break;
            bestClass = pick, classScore = pickScore, classMerit = pickMerit, ++length;
        }
        // One class states in a word what many literals list, and covers the members the
        // evidence happened not to show: among near-equal fits it wins over a list.
        const int listLength = static_cast<int>(literals.literals.size());
        const double literalMerit = literalScore - b.unitGain * listLength;
        const double slack = listLength >= 3 ? 0.005 : -0.01;
        if (literals.empty() || classMerit > literalMerit - slack) best = bestClass, s = classScore;
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
        if (c.id == QLatin1String("any_token")) continue;  // always holds
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
        p.classWeight = meanWhere(f, triggerIndices(f, p), g);
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
        const double w = meanWhere(f, triggerIndices(f, p), g, &n);
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
