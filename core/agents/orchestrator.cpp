#include "agents/orchestrator.h"

#include "activations/corpus_windows.h"
#include "agents/activation_source.h"
#include "agents/description_length.h"
#include "agents/loop_scorer.h"
#include "agents/mode_selection.h"
#include "agents/mode_clusterer.h"
#include "agents/pattern_fitter.h"
#include "agents/pattern_text.h"
#include "agents/splits.h"
#include "agents/token_table.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace ns {

namespace {

int argmax(const std::vector<float>& v) {
    return v.empty() ? 0 : static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

Simulation maxOf(const std::vector<const Simulation*>& sims, const std::vector<Sample>& samples) {
    Simulation out(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) out[i].assign(samples[i].ids.size(), 0.f);
    for (const Simulation* s : sims)
        for (size_t i = 0; i < out.size() && i < s->size(); ++i)
            for (size_t t = 0; t < out[i].size() && t < (*s)[i].size(); ++t) out[i][t] = std::max(out[i][t], (*s)[i][t]);
    return out;
}

QString snippet(const TokenTable& table, const std::vector<int>& ids, int position) {
    QString s;
    for (int i = std::max(0, position - 8); i <= position && i < static_cast<int>(ids.size()); ++i) {
        const QString t = table.text(ids[static_cast<size_t>(i)]);
        s += i == position ? QStringLiteral("[[") + t + QStringLiteral("]]") : t;
    }
    return s;
}

/// Dropping each mode in turn (kept when it raises the valid score, or costs nothing).
std::vector<Revision> drops(const std::vector<ModeExplanation>& modes) {
    std::vector<Revision> out;
    for (size_t i = 0; i < modes.size() && modes.size() > 1; ++i) {
        Revision r{QStringLiteral("drop mode %1").arg(i + 1), modes, {}};
        r.modes.erase(r.modes.begin() + static_cast<std::ptrdiff_t>(i));
        for (size_t j = 0; j < modes.size(); ++j)
            if (j != i) r.origin.push_back(static_cast<int>(j));
        out.push_back(std::move(r));
    }
    return out;
}

/// State of one run of the loop.
struct Run {
    Run(const ActivationSource& s, const Representer& r, const TokenTable& t, const CorpusWindows* c, Backend& b,
        int f, const LoopOptions& opt, const std::function<void(const LoopEvent&)>& l, const std::atomic<bool>* x)
        : source(s), representer(r), table(t), corpus(c), backend(b), filler(f), o(opt), listener(l), cancel(x) {}
    const ActivationSource& source;
    const Representer& representer;
    const TokenTable& table;
    const CorpusWindows* corpus;
    Backend& backend;
    int filler;
    const LoopOptions& o;
    const std::function<void(const LoopEvent&)>& listener;
    const std::atomic<bool>* cancel;

    ExemplarSplits splits;
    std::vector<Sample> evidence;  // train + probes
    std::vector<AtomicComponent> components;
    std::vector<std::vector<float>> validReps, testReps;  // at each sample's maximum
    struct Firing {
        int key = 0;
        float act = 0;
        std::vector<float> rep;
    };
    std::vector<Firing> firing;  // strongly activating train tokens beyond the components
    size_t profileDims = 0;      // leading dimensions of a representation: the response profile
    std::map<int, float> alone;   // key -> activation of its strongest spelling after the neutral token
    std::map<int, int> corpusCount;  // key -> occurrences in the corpus held for probes

    /// Keys that fire on their own and occur in the corpus, which no mode names; strongest
    /// expected contribution (activation times the root of the frequency) first.
    std::vector<int> strongKeys(const std::vector<ModeExplanation>& modes, size_t limit) const {
        std::set<int> named;
        for (const auto& m : modes)
            if (m.pattern)
                for (const PatternLiteral& l : m.pattern->literals) named.insert(table.findKey(TokenTable::keyFor(l.key)));
        float peak = 0;
        for (const auto& [k, a] : alone) peak = std::max(peak, a);
        std::vector<std::pair<double, int>> v;
        for (const auto& [k, a] : alone) {
            const auto c = corpusCount.find(k);
            if (a < o.strongFraction * peak || c == corpusCount.end() || named.count(k)) continue;
            v.push_back({-a * std::sqrt(static_cast<double>(c->second)), k});
        }
        std::sort(v.begin(), v.end());
        std::vector<int> out;
        for (size_t i = 0; i < v.size() && i < limit; ++i) out.push_back(v[i].second);
        return out;
    }

    /// Every frequent vocabulary token on its own after the neutral token: which tokens fire
    /// without any context (one cheap batch of two-token rows).
    Expected<void> scanVocabulary() {
        if (!corpus) return {};
        std::map<int, int> idCount;
        for (const auto& w : corpus->windows)
            for (int id : w->tokens) ++idCount[id];
        for (const auto& [id, n] : idCount)
            if (id >= 0 && id < table.vocabSize()) corpusCount[table.keyOf(id)] += n;
        std::vector<std::pair<int, int>> frequent;
        for (const auto& [id, n] : idCount) frequent.push_back({-n, id});
        std::sort(frequent.begin(), frequent.end());
        if (frequent.size() > static_cast<size_t>(o.vocabularyProbes)) frequent.resize(static_cast<size_t>(o.vocabularyProbes));
        std::vector<std::vector<int>> rows;
        for (const auto& [n, id] : frequent) rows.push_back({filler, id});
        auto acts = source.activations(rows);
        if (!acts) return Error{acts.error()};
        for (size_t r = 0; r < rows.size(); ++r) {
            const int k = table.keyOf(rows[r][1]);
            const float a = (*acts)[r].back();
            auto it = alone.find(k);
            if (it == alone.end() || a > it->second) alone[k] = a;
        }
        std::vector<std::pair<float, int>> best;
        for (const auto& [k, a] : alone) best.push_back({-a, k});
        std::sort(best.begin(), best.end());
        nlohmann::json list = nlohmann::json::array();
        for (size_t i = 0; i < best.size() && i < 20; ++i)
            list.push_back({{"token", table.keyText(best[i].second).toStdString()}, {"measured", -best[i].first},
                            {"corpus_count", corpusCount[best[i].second]}});
        note("prober", QStringLiteral("vocabulary: the %1 most frequent corpus tokens, each on its own").arg(rows.size()),
             {{"strongest", list}});
        return {};
    }
    std::set<int64_t> probedWindows;
    nlohmann::json transcript = nlohmann::json::array();
    std::map<std::string, Simulation> validMemo, testMemo;

    bool stopped() const { return cancel && cancel->load(); }
    void emit(LoopEvent e) const {
        if (listener) listener(e);
    }
    void note(const char* role, const QString& step, nlohmann::json details = nlohmann::json::object()) {
        details["role"] = role;
        details["step"] = step.toStdString();
        transcript.push_back(std::move(details));
        LoopEvent e;
        e.role = QString::fromLatin1(role);
        e.message = step;
        emit(e);
    }

    Expected<const Simulation*> simulate(const ModeExplanation& m, const std::vector<Sample>& samples,
                                         std::map<std::string, Simulation>& memo) {
        const std::string id = m.identity();
        auto it = memo.find(id);
        if (it != memo.end()) return &it->second;
        auto sim = backend.simulate(m, samples);
        if (!sim) return Error{sim.error()};
        return &memo.emplace(id, std::move(*sim)).first->second;
    }

    /// The whole explanation's simulation on a split: at each token the maximum over modes.
    Expected<Simulation> simulation(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                                    std::map<std::string, Simulation>& memo) {
        std::vector<const Simulation*> sims;
        for (const auto& m : modes) {
            auto s = simulate(m, samples, memo);
            if (!s) return Error{s.error()};
            sims.push_back(*s);
        }
        return maxOf(sims, samples);
    }

    /// Whole-explanation score on a split and the mode simulations.
    Expected<double> score(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                           std::map<std::string, Simulation>& memo) {
        std::vector<const Simulation*> sims;
        for (const auto& m : modes) {
            auto s = simulate(m, samples, memo);
            if (!s) return Error{s.error()};
            sims.push_back(*s);
        }
        return pooledScore(samples, maxOf(sims, samples));
    }

    /// How the neuron responds to each token placed at the firing position of a few top train
    /// exemplars (their preceding tokens kept), relative to the train peak. Tokens of one
    /// mode respond alike: a context-free trigger fires everywhere, a conditional one only
    /// where its context is.
    Expected<std::vector<std::vector<float>>> responseProfiles(const std::vector<std::vector<int>>& rows,
                                                               const std::vector<int>& pos, float peak) {
        std::vector<std::vector<int>> contexts;
        std::set<int64_t> docs;
        std::vector<size_t> order(splits.train.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return *std::max_element(splits.train[a].acts.begin(), splits.train[a].acts.end()) >
                   *std::max_element(splits.train[b].acts.begin(), splits.train[b].acts.end());
        });
        for (size_t i : order) {
            const Sample& s = splits.train[i];
            if (contexts.size() >= 6 || s.kind != SampleKind::Top || !docs.insert(s.document).second) continue;
            const int p = argmax(s.acts);
            contexts.emplace_back(s.ids.begin() + std::max(0, p - 11), s.ids.begin() + p);
        }
        std::map<int, size_t> index;  // token id -> first probe row
        std::vector<std::vector<int>> probes;
        for (size_t r = 0; r < rows.size(); ++r) {
            const int id = rows[r][static_cast<size_t>(pos[r])];
            if (index.count(id)) continue;
            index[id] = probes.size();
            for (const auto& c : contexts) {
                auto row = c;
                row.push_back(id);
                probes.push_back(std::move(row));
            }
        }
        auto acts = source.activations(probes);
        if (!acts) return Error{acts.error()};
        const float scale = peak > 0 ? 1.f / peak : 1.f;
        profileDims = contexts.size();
        std::vector<std::vector<float>> out;
        for (size_t r = 0; r < rows.size(); ++r) {
            const size_t first = index[rows[r][static_cast<size_t>(pos[r])]];
            std::vector<float> v;
            for (size_t c = 0; c < contexts.size(); ++c) v.push_back((*acts)[first + c].back() * scale);
            out.push_back(std::move(v));
        }
        return out;
    }

    /// Centroids of the modes from the labelled train components.
    std::vector<std::vector<float>> centroids(size_t modes) const {
        std::vector<std::vector<float>> reps;
        std::vector<float> w;
        std::vector<int> labels;
        for (const AtomicComponent& c : components) {
            reps.push_back(c.representation);
            w.push_back(c.activation);
            labels.push_back(c.mode < static_cast<int>(modes) ? c.mode : -1);
        }
        auto cent = clusterCentroids(reps, w, labels);
        cent.resize(modes);
        return cent;
    }

    /// Per-mode scores: each mode on the non-random exemplars the clusterer assigns to it plus
    /// every random exemplar.
    Expected<std::vector<double>> modeScores(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                                             const std::vector<std::vector<float>>& reps,
                                             std::map<std::string, Simulation>& memo, std::vector<int>* counts = nullptr) {
        const auto c = centroids(modes.size());
        std::vector<int> assigned(samples.size(), -1);
        for (size_t i = 0; i < samples.size(); ++i)
            if (samples[i].kind != SampleKind::Random) assigned[i] = nearestCentroid(c, reps[i]);
        std::vector<double> out;
        if (counts) counts->assign(modes.size(), 0);
        for (size_t m = 0; m < modes.size(); ++m) {
            auto sim = simulate(modes[m], samples, memo);
            if (!sim) return Error{sim.error()};
            std::vector<Sample> mine;
            Simulation mineSim;
            for (size_t i = 0; i < samples.size(); ++i) {
                if (samples[i].kind == SampleKind::Random || assigned[i] == static_cast<int>(m)) {
                    mine.push_back(samples[i]);
                    mineSim.push_back((**sim)[i]);
                    if (counts && assigned[i] == static_cast<int>(m)) ++(*counts)[m];
                }
            }
            out.push_back(pooledScore(mine, mineSim));
        }
        return out;
    }

    /// Explains the modes of one clustering in turn, each on top of the ones before.
    Expected<std::vector<ModeExplanation>> explainClusters(const std::vector<int>& labels, int k) {
        std::vector<ModeExplanation> modes;
        Simulation others(evidence.size());
        for (size_t i = 0; i < evidence.size(); ++i) others[i].assign(evidence[i].ids.size(), 0.f);
        std::vector<std::pair<double, int>> order;  // explain the strongest cluster first
        for (int m = 0; m < k; ++m) {
            double mass = 0;
            for (size_t c = 0; c < components.size(); ++c)
                if (labels[c] == m) mass += components[c].activation;
            order.push_back({-mass, m});
        }
        std::sort(order.begin(), order.end());
        // Every strongly activating train token joins the cluster nearest to it, so a mode's
        // explainer sees all of its triggers, not only the decomposed ones.
        std::vector<std::vector<float>> reps;
        std::vector<float> weights;
        for (const AtomicComponent& c : components) reps.push_back(c.representation), weights.push_back(c.activation);
        const auto cent = clusterCentroids(reps, weights, labels);
        // Each trigger key belongs to the cluster holding most of its activation, so that no
        // two modes compete for one token.
        std::map<int, std::vector<double>> massByKey;
        auto addMass = [&](int key, int m, double a) {
            auto& v = massByKey[key];
            v.resize(static_cast<size_t>(k), 0.0);
            v[static_cast<size_t>(m)] += a;
        };
        for (size_t c = 0; c < components.size(); ++c)
            addMass(table.keyOf(components[c].trigger), labels[c], components[c].activation);
        for (const Firing& f : firing) {
            const int m = nearestCentroid(cent, f.rep);
            if (m >= 0) addMass(f.key, m, f.act);
        }
        std::vector<std::vector<std::pair<double, int>>> keysOf(static_cast<size_t>(k));
        for (const auto& [key, v] : massByKey) {
            const size_t m = static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
            keysOf[m].push_back({-v[m], key});
        }
        for (auto& v : keysOf) std::sort(v.begin(), v.end());
        // The one budget is shared: each mode may use what the modes before it left, less one
        // unit for each mode still to come.
        int remaining = o.lengthBudget;
        for (const auto& [mass, m] : order) {
            ModeRequest req;
            req.maxLength = remaining - (k - 1 - static_cast<int>(modes.size()));
            req.unitGain = o.fitUnitGain;
            req.evidence = &evidence;
            req.others = &others;
            for (size_t c = 0; c < components.size(); ++c)
                if (labels[c] == m) req.components.push_back(components[c]);
            for (const auto& [a, key] : keysOf[static_cast<size_t>(m)]) req.triggerKeys.push_back(key);
            auto e = backend.explain(req);
            if (!e) return Error{e.error()};
            auto sim = backend.simulate(*e, evidence);
            if (!sim) return Error{sim.error()};
            for (size_t i = 0; i < others.size(); ++i)
                for (size_t t = 0; t < others[i].size() && t < (*sim)[i].size(); ++t) others[i][t] = std::max(others[i][t], (*sim)[i][t]);
            remaining -= modeLength(*e);
            modes.push_back(*e);
            if (stopped()) return makeError(QStringLiteral("cancelled"));
        }
        return modes;
    }

    /// Merging two modes whose components are as close to each other as to their own modes
    /// (centroids no farther apart than either mode's spread), when one pattern can state
    /// both: the same conditions, the union of literals within the budget.
    std::vector<Revision> merges(const std::vector<ModeExplanation>& modes) const {
        std::vector<Revision> out;
        const auto cent = centroids(modes.size());
        std::vector<double> spread(modes.size(), 0.0), count(modes.size(), 0.0);
        for (const AtomicComponent& c : components) {
            if (c.mode < 0 || c.mode >= static_cast<int>(modes.size())) continue;
            spread[static_cast<size_t>(c.mode)] += distance(c.representation, cent[static_cast<size_t>(c.mode)]);
            count[static_cast<size_t>(c.mode)] += 1;
        }
        for (size_t m = 0; m < modes.size(); ++m)
            if (count[m] > 0) spread[m] /= count[m];
        for (size_t i = 0; i < modes.size(); ++i)
            for (size_t j = i + 1; j < modes.size(); ++j) {
                if (!modes[i].pattern || !modes[j].pattern || cent[i].empty() || cent[j].empty()) continue;
                const ModePattern& a = *modes[i].pattern;
                const ModePattern& b = *modes[j].pattern;
                if (distance(cent[i], cent[j]) > std::max(spread[i], spread[j])) continue;
                if (patternToJson({{}, {}, 0, a.conditions}).dump() != patternToJson({{}, {}, 0, b.conditions}).dump()) continue;
                ModePattern u = a;
                if (!a.tokenClass.isEmpty() || !b.tokenClass.isEmpty()) {
                    if (a.tokenClass != b.tokenClass) continue;
                    u.classWeight = std::max(a.classWeight, b.classWeight);
                } else {
                    for (const PatternLiteral& l : b.literals) {
                        auto it = std::find_if(u.literals.begin(), u.literals.end(), [&](const PatternLiteral& x) { return x.key == l.key; });
                        if (it == u.literals.end()) u.literals.push_back(l);
                        else it->weight = std::max(it->weight, l.weight);
                    }
                }
                if (!checkPattern(u)) continue;
                Revision r;
                r.change = QStringLiteral("merge modes %1 and %2 (their components are alike)").arg(i + 1).arg(j + 1);
                for (size_t m = 0; m < modes.size(); ++m) {
                    if (m == j) continue;
                    r.modes.push_back(m == i ? ModeExplanation{renderPattern(u), u} : modes[m]);
                    r.origin.push_back(static_cast<int>(m));
                }
                out.push_back(std::move(r));
            }
        return out;
    }

    /// The worst misses of the explanation on valid.
    void misses(const std::vector<ModeExplanation>& modes, std::vector<Miss>* fn, std::vector<Miss>* fp) {
        std::vector<const Simulation*> sims;
        for (const auto& m : modes) {
            auto s = simulate(m, splits.valid, validMemo);
            if (s) sims.push_back(*s);
        }
        const Simulation whole = maxOf(sims, splits.valid);
        float peak = 0;
        for (const Sample& s : splits.valid)
            for (float a : s.acts) peak = std::max(peak, a);
        double simPeak = 0;
        for (const auto& v : whole)
            for (float x : v) simPeak = std::max<double>(simPeak, x);
        for (size_t i = 0; i < splits.valid.size(); ++i) {
            const Sample& s = splits.valid[i];
            for (size_t t = 0; t < s.acts.size(); ++t) {
                const float a = s.acts[t], p = whole[i][t];
                const double relA = peak > 0 ? a / peak : 0, relP = simPeak > 0 ? p / simPeak : 0;
                if (relA >= o.missFraction && relP < 0.5 * relA) fn->push_back({static_cast<int>(i), static_cast<int>(t), s.ids[t], a, p, -1});
                if (relP >= o.missFraction && relA < o.missFraction * relP) {
                    int mode = -1;
                    float best = 0;
                    for (size_t m = 0; m < sims.size(); ++m)
                        if ((*sims[m])[i][t] > best) best = (*sims[m])[i][t], mode = static_cast<int>(m);
                    fp->push_back({static_cast<int>(i), static_cast<int>(t), s.ids[t], a, p, mode});
                }
            }
        }
        auto byGap = [&](const Miss& a, const Miss& b) {
            return std::abs(a.actual / std::max(1e-6f, peak) - a.predicted / static_cast<float>(std::max(1e-6, simPeak))) >
                   std::abs(b.actual / std::max(1e-6f, peak) - b.predicted / static_cast<float>(std::max(1e-6, simPeak)));
        };
        std::sort(fn->begin(), fn->end(), byGap);
        std::sort(fp->begin(), fp->end(), byGap);
        if (fn->size() > 12) fn->resize(12);
        if (fp->size() > 12) fp->resize(12);
    }

    /// Probes: corpus windows where the explanation's tokens or the missed tokens occur (never
    /// from valid or test documents), and top train exemplars with the trigger swapped.
    Expected<void> probe(const std::vector<ModeExplanation>& modes, const std::vector<Miss>& fn, const std::vector<Miss>& fp,
                         int iteration) {
        std::vector<int> keys;
        auto addKey = [&](int k) {
            if (k >= 0 && std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
        };
        for (const Miss& m : fn) addKey(table.keyOf(m.token));
        for (const auto& m : modes)
            if (m.pattern)
                for (const PatternLiteral& l : m.pattern->literals) addKey(table.findKey(TokenTable::keyFor(l.key)));
        for (const AtomicComponent& c : components) addKey(table.keyOf(c.trigger));
        for (int k : strongKeys(modes, 16)) addKey(k);

        std::vector<std::vector<int>> rows;
        std::vector<nlohmann::json> what;
        std::vector<int> focus;  // the position each probe is about
        if (corpus && !keys.empty()) {
            std::set<int64_t> heldOut, inRecord;
            for (const Sample& s : splits.valid) heldOut.insert(s.document);
            for (const Sample& s : splits.test) heldOut.insert(s.document);
            for (const auto* split : {&splits.train, &splits.valid, &splits.test})
                for (const Sample& s : *split) inRecord.insert(s.windowId);
            std::map<int, int> perKey;
            std::mt19937_64 rng(o.seed * 7919 + static_cast<uint64_t>(iteration));
            const size_t n = corpus->windows.size();
            const size_t start = n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0;
            const std::set<int> wanted(keys.begin(), keys.end());
            for (size_t step = 0; step < n && static_cast<int>(rows.size()) < o.probeWindows; ++step) {
                const TokenWindow& w = *corpus->windows[(start + step) % n];
                if (heldOut.count(w.document) || inRecord.count(w.id) || probedWindows.count(w.id)) continue;
                for (size_t t = 0; t < w.tokens.size(); ++t) {
                    const int k = table.keyOf(w.tokens[t]);
                    if (!wanted.count(k) || perKey[k] >= o.probesPerKey) continue;
                    ++perKey[k];
                    probedWindows.insert(w.id);
                    rows.push_back(w.tokens);
                    focus.push_back(static_cast<int>(t));
                    what.push_back({{"kind", "corpus window"}, {"window", w.id}, {"token", table.text(w.tokens[t]).toStdString()}});
                    break;
                }
            }
        }
        // Counterfactual swaps: the hypothesis predicts missed tokens fire and false alarms do not.
        std::vector<size_t> tops;
        for (size_t i = 0; i < splits.train.size(); ++i)
            if (splits.train[i].kind == SampleKind::Top) tops.push_back(i);
        std::sort(tops.begin(), tops.end(), [&](size_t a, size_t b) {
            return *std::max_element(splits.train[a].acts.begin(), splits.train[a].acts.end()) >
                   *std::max_element(splits.train[b].acts.begin(), splits.train[b].acts.end());
        });
        std::vector<std::pair<int, const char*>> swaps;
        for (size_t i = 0; i < fn.size() && swaps.size() < 3; ++i) swaps.push_back({fn[i].token, "missed on valid"});
        for (size_t i = 0; i < fp.size() && swaps.size() < 5; ++i) swaps.push_back({fp[i].token, "false alarm on valid"});
        for (size_t s = 0; s < tops.size() && static_cast<int>(s) < o.swapSamples; ++s) {
            const Sample& src = splits.train[tops[s]];
            const int p = argmax(src.acts);
            for (const auto& [tok, why] : swaps) {
                const int rep = table.representative(table.keyOf(tok));
                std::vector<int> row(src.ids.begin(), src.ids.begin() + p + 1);
                row.back() = rep;
                rows.push_back(row);
                focus.push_back(p);
                what.push_back({{"kind", "trigger swap"}, {"from", table.text(src.ids[static_cast<size_t>(p)]).toStdString()},
                                {"to", table.text(rep).toStdString()}, {"why", why},
                                {"original_activation", src.acts[static_cast<size_t>(p)]}});
            }
        }
        if (rows.empty()) return {};
        auto acts = source.activations(rows);
        if (!acts) return Error{acts.error()};
        std::vector<Sample> probes;
        for (size_t r = 0; r < rows.size(); ++r) {
            Sample s;
            s.ids = rows[r];
            s.acts = (*acts)[r];
            s.kind = SampleKind::Probe;
            probes.push_back(std::move(s));
        }
        // What the current explanation predicted there, when simulating is cheap (built-in).
        std::vector<const Simulation*> sims;
        std::map<std::string, Simulation> probeMemo;
        if (backend.name() == QLatin1String("builtin"))
            for (const auto& m : modes)
                if (auto s = simulate(m, probes, probeMemo)) sims.push_back(*s);
        const Simulation predicted = maxOf(sims, probes);
        nlohmann::json list = nlohmann::json::array();
        for (size_t r = 0; r < rows.size(); ++r) {
            const size_t f = static_cast<size_t>(focus[r]);
            nlohmann::json j = what[r];
            j["text"] = snippet(table, rows[r], focus[r]).toStdString();
            j["measured"] = probes[r].acts[f];
            if (!sims.empty()) j["predicted"] = predicted[r][f];
            list.push_back(j);
        }
        for (Sample& s : probes) evidence.push_back(std::move(s));
        note("prober", QStringLiteral("iteration %1: %2 probes run through the neuron").arg(iteration).arg(rows.size()),
             {{"iteration", iteration}, {"probes", list}});
        return {};
    }
};

}  // namespace

Orchestrator::Orchestrator(const ActivationSource& source, const Representer& representer,
                           std::shared_ptr<const TokenTable> table, std::shared_ptr<const CorpusWindows> corpus,
                           Backend& backend, int fillerToken)
    : m_source(source), m_representer(representer), m_table(std::move(table)), m_corpus(std::move(corpus)),
      m_backend(backend), m_filler(fillerToken) {}

Expected<LoopResult> Orchestrator::run(const NeuronRecord& record, const LoopOptions& o,
                                       const std::function<void(const LoopEvent&)>& listener,
                                       const std::atomic<bool>* cancel) {
    QElapsedTimer timer;
    timer.start();
    m_backend.setCancelFlag(cancel);
    Run run(m_source, m_representer, *m_table, m_corpus.get(), m_backend, m_filler, o, listener, cancel);
    const auto cancelled = [] { return makeError(QStringLiteral("cancelled")); };
    LoopResult out;
    out.neuron = m_source.label();
    out.backend = m_backend.name();
    out.parameters = {{"loop", o.toJson()}, {"backend", m_backend.parameters()}};
    out.seed = o.seed;

    // 1. Splits.
    run.splits = splitRecord(record, o.seed);
    run.evidence = run.splits.train;
    out.splits = splitsToJson(run.splits);
    run.note("splitter", QStringLiteral("%1 train, %2 valid and %3 test exemplars, split by document")
                             .arg(run.splits.train.size()).arg(run.splits.valid.size()).arg(run.splits.test.size()));
    if (run.stopped()) return cancelled();

    // 2. Atomic components, and the representations the clusterer and the per-mode scores use.
    auto comps = decompose(run.splits.train, m_source, m_filler, o.decompose);
    if (!comps) return Error{comps.error()};
    run.components = std::move(*comps);
    {
        std::vector<std::vector<int>> rows;
        std::vector<int> pos;
        for (const AtomicComponent& c : run.components) {
            rows.push_back(run.splits.train[static_cast<size_t>(c.sample)].ids);
            pos.push_back(c.position);
        }
        for (const auto* split : {&run.splits.valid, &run.splits.test})
            for (const Sample& s : *split) {
                rows.push_back(s.ids);
                pos.push_back(argmax(s.acts));
            }
        float peak = 0;
        for (const Sample& s : run.splits.train)
            for (float a : s.acts) peak = std::max(peak, a);
        std::vector<std::tuple<float, size_t, int>> strong;
        std::set<std::pair<int, int>> decomposed;
        for (const AtomicComponent& c : run.components) decomposed.insert({c.sample, c.position});
        for (size_t i = 0; i < run.splits.train.size() && peak > 0; ++i)
            for (size_t t = 0; t < run.splits.train[i].acts.size(); ++t)
                if (run.splits.train[i].acts[t] >= o.decompose.threshold * peak && !decomposed.count({static_cast<int>(i), static_cast<int>(t)}))
                    strong.push_back({run.splits.train[i].acts[t], i, static_cast<int>(t)});
        std::sort(strong.begin(), strong.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
        if (strong.size() > 240) strong.resize(240);
        for (const auto& [a, i, t] : strong) {
            rows.push_back(run.splits.train[i].ids);
            pos.push_back(t);
        }
        auto reps = m_representer.at(rows, pos);
        if (!reps) return Error{reps.error()};
        centreAndNormalise(&*reps);
        auto profiles = run.responseProfiles(rows, pos, peak);
        if (!profiles) return Error{profiles.error()};
        // A component is what the neuron does with its trigger (the profile, dominant) and
        // what the model makes of it (the residual stream, a tie-breaker).
        for (size_t i = 0; i < reps->size(); ++i) {
            auto& v = (*reps)[i];
            for (float& x : v) x *= 0.2f;
            const auto& prof = (*profiles)[i];
            v.insert(v.begin(), prof.begin(), prof.end());
        }
        size_t r = 0;
        for (AtomicComponent& c : run.components) c.representation = (*reps)[r++];
        for (size_t i = 0; i < run.splits.valid.size(); ++i) run.validReps.push_back((*reps)[r++]);
        for (size_t i = 0; i < run.splits.test.size(); ++i) run.testReps.push_back((*reps)[r++]);
        for (const auto& [a, i, t] : strong)
            run.firing.push_back({m_table->keyOf(run.splits.train[i].ids[static_cast<size_t>(t)]), a, (*reps)[r++]});
    }
    {
        nlohmann::json list = nlohmann::json::array();
        for (const AtomicComponent& c : run.components) list.push_back(componentToJson(c, *m_table));
        run.note("decomposer", QStringLiteral("%1 atomic components from ablating up to %2 context tokens each")
                                   .arg(run.components.size()).arg(o.decompose.lookback),
                 {{"components", list}});
    }
    if (run.stopped()) return cancelled();

    // 3. Single-pass baselines: the same explainer, once, on the same train exemplars, one mode.
    // The headline one is bound only by the loop's total length budget; the former one (one
    // mode of at most perModeBudgetLiterals tokens) is reported beside it.
    const AcceptanceRule rule = o.acceptance();
    const auto singlePass = [&](int maxLength, int maxLiterals) -> Expected<ModeExplanation> {
        ModeRequest req;
        req.evidence = &run.splits.train;
        req.singlePass = true;
        req.maxLength = maxLength;
        req.maxLiterals = maxLiterals;
        req.unitGain = o.fitUnitGain;
        req.triggerKeys = firingKeys(*m_table, run.splits.train, o.decompose.threshold, 48);
        return m_backend.explain(req);
    };
    {
        auto e = singlePass(o.lengthBudget, o.lengthBudget);
        if (!e) return Error{e.error()};
        out.baselineExplanation = *e;
        auto v = run.score({out.baselineExplanation}, run.splits.valid, run.validMemo);
        if (!v) return Error{v.error()};
        out.baselineValidScore = *v;
        auto old = singlePass(1 << 16, o.perModeBudgetLiterals);
        if (!old) return Error{old.error()};
        out.perModeBudgetExplanation = *old;
        run.note("explainer", QStringLiteral("single-pass baseline (length %1 of %2): valid r = %3")
                                  .arg(modeLength(*e)).arg(o.lengthBudget).arg(*v, 0, 'f', 3),
                 {{"explanation", e->text.toStdString()}, {"valid_score", *v}, {"length", modeLength(*e)},
                  {"per_mode_budget_explanation", old->text.toStdString()}});
    }
    if (run.stopped()) return cancelled();

    // 4. Modes: cluster the components for k = 1..K and explain each clustering within the one
    // budget; the acceptance rule's merit and the clusterings' structure choose k
    // (mode_selection.h): one mode unless some clustering is clearly structured.
    std::vector<ModeExplanation> modes;
    std::vector<int> labels(run.components.size(), 0);
    double current = 0;
    if (!run.components.empty()) {
        std::vector<std::vector<float>> reps;
        std::vector<float> weights;
        for (const AtomicComponent& c : run.components) reps.push_back(c.representation), weights.push_back(c.activation);
        // Structure is judged on the response profiles alone: the residual part only breaks
        // ties, and tokens that respond identically are one mode however the model embeds them.
        std::vector<std::vector<float>> profiles;
        for (const auto& r : reps) profiles.emplace_back(r.begin(), r.begin() + std::min<size_t>(r.size(), run.profileDims));
        const int K = std::min({o.maxModes, o.lengthBudget, std::max<int>(1, static_cast<int>(run.components.size()) / 3)});
        std::vector<std::vector<ModeExplanation>> explainedK;
        std::vector<std::vector<int>> labelsK;
        std::vector<ModeOption> options;
        nlohmann::json tried = nlohmann::json::array();
        for (int k = 1; k <= K; ++k) {
            const auto lab = clusterVectors(reps, weights, k, o.seed + static_cast<uint64_t>(k));
            auto explained = run.explainClusters(lab, k);
            if (!explained) return Error{explained.error()};
            auto v = run.score(*explained, run.splits.valid, run.validMemo);
            if (!v) return Error{v.error()};
            const double sil = k == 1 ? o.oneModeSilhouette : silhouette(profiles, lab);
            const int length = explanationLength(*explained);
            nlohmann::json texts = nlohmann::json::array();
            for (const auto& m : *explained) texts.push_back(m.text.toStdString());
            tried.push_back({{"modes", k}, {"valid_score", *v}, {"length", length}, {"merit", merit(rule, *v, length, k)},
                             {"silhouette", sil}, {"explanations", texts}});
            options.push_back({k, *v, length, sil});
            explainedK.push_back(*explained);
            labelsK.push_back(lab);
        }
        const int pick = std::max(0, selectModeOption(rule, options, o.modeTolerance));
        modes = explainedK[static_cast<size_t>(pick)];
        labels = labelsK[static_cast<size_t>(pick)];
        current = options[static_cast<size_t>(pick)].valid;
        run.note("clusterer", QStringLiteral("%1 semantic mode%2 (valid r = %3, length %4)")
                                  .arg(modes.size()).arg(modes.size() == 1 ? QString() : QStringLiteral("s")).arg(current, 0, 'f', 3)
                                  .arg(explanationLength(modes)),
                 {{"tried", tried}});
    }
    // Component labels follow the explanation order: explainClusters explains by cluster mass.
    {
        std::vector<std::pair<double, int>> order;
        std::map<int, double> mass;
        for (size_t c = 0; c < run.components.size(); ++c) mass[labels[c]] += run.components[c].activation;
        for (const auto& [l, m] : mass) order.push_back({-m, l});
        std::sort(order.begin(), order.end());
        std::map<int, int> rank;
        for (size_t i = 0; i < order.size(); ++i) rank[order[i].second] = static_cast<int>(i);
        for (size_t c = 0; c < run.components.size(); ++c) run.components[c].mode = rank[labels[c]];
    }
    for (size_t m = 0; m < modes.size(); ++m)
        run.note("explainer", QStringLiteral("mode %1: %2").arg(m + 1).arg(modes[m].text));
    if (run.stopped()) return cancelled();

    auto reportIteration = [&](int index, const QString& change, bool kept) -> Expected<void> {
        auto ms = run.modeScores(modes, run.splits.valid, run.validReps, run.validMemo);
        if (!ms) return Error{ms.error()};
        out.iterations.push_back({index, current, *ms, change, kept, modes, explanationLength(modes)});
        LoopEvent e;
        e.kind = LoopEvent::Kind::Iteration;
        e.role = QStringLiteral("scorer");
        e.message = change;
        e.iteration = index;
        e.validScore = current;
        e.modeScores = *ms;
        e.baselineValidScore = out.baselineValidScore;
        e.kept = kept;
        run.emit(e);
        return {};
    };
    if (auto r = reportIteration(0, QStringLiteral("first explanation"), true); !r) return Error{r.error()};

    // 5. Refinement.
    if (o.maxIterations > 0)
        if (auto r = run.scanVocabulary(); !r) return Error{r.error()};
    // A backend that fails here (an LLM server gone, answers that stay malformed) stops the
    // refinement; the loop finishes with the explanation it has and says why.
    auto refineOnce = [&](int it) -> Expected<bool> {
        if (run.stopped()) return cancelled();
        std::vector<Miss> fn, fp;
        run.misses(modes, &fn, &fp);
        if (auto r = run.probe(modes, fn, fp, it); !r) return Error{r.error()};
        if (run.stopped()) return cancelled();
        ReviseRequest req;
        req.modes = &modes;
        req.evidence = &run.evidence;
        req.valid = &run.splits.valid;
        req.falseNegatives = fn;
        req.falsePositives = fp;
        req.maxModes = o.maxModes;
        req.lengthBudget = o.lengthBudget;
        req.unitGain = o.fitUnitGain;
        req.strongKeys = run.strongKeys(modes, 40);
        req.components.resize(modes.size());
        for (const AtomicComponent& c : run.components)
            if (c.mode >= 0 && c.mode < static_cast<int>(modes.size())) req.components[static_cast<size_t>(c.mode)].push_back(c);
        auto revisions = m_backend.revise(req);
        if (!revisions) return Error{revisions.error()};
        for (Revision& merge : run.merges(modes)) revisions->push_back(std::move(merge));
        for (Revision& drop : drops(modes)) revisions->push_back(std::move(drop));
        nlohmann::json judged = nlohmann::json::array();
        // The fit to train and probes guards against revisions that only chase valid's noise.
        std::map<std::string, Simulation> evidenceMemo;
        auto fit = run.score(modes, run.evidence, evidenceMemo);
        if (!fit) return Error{fit.error()};
        const Standing now{current, *fit, explanationLength(modes), static_cast<int>(modes.size())};
        std::vector<Standing> standings;
        for (size_t i = 0; i < revisions->size(); ++i) {
            if (run.stopped()) return cancelled();
            const Revision& rev = (*revisions)[i];
            const int length = explanationLength(rev.modes);
            Standing st{0, 0, length, static_cast<int>(rev.modes.size())};
            if (length <= o.lengthBudget) {  // over budget: never simulated
                auto v = run.score(rev.modes, run.splits.valid, run.validMemo);
                if (!v) return Error{v.error()};
                auto e = run.score(rev.modes, run.evidence, evidenceMemo);
                if (!e) return Error{e.error()};
                st.valid = *v, st.evidence = *e;
            }
            standings.push_back(st);
            judged.push_back({{"change", rev.change.toStdString()}, {"valid_score", st.valid}, {"evidence_score", st.evidence},
                              {"length", length}, {"verdict", verdictText(judge(rule, now, st)).toStdString()}});
        }
        const int best = choose(rule, now, standings);
        const double bestScore = best >= 0 ? standings[static_cast<size_t>(best)].valid : current;
        QString change;
        if (best >= 0) {
            const Revision& rev = (*revisions)[static_cast<size_t>(best)];
            change = rev.change;
            // Components follow their modes; those of a dropped mode go to the nearest one left.
            if (!rev.origin.empty()) {
                std::map<int, int> now;
                for (size_t i = 0; i < rev.origin.size(); ++i)
                    if (rev.origin[i] >= 0) now[rev.origin[i]] = static_cast<int>(i);
                for (AtomicComponent& c : run.components) {
                    const auto f = now.find(c.mode);
                    c.mode = f == now.end() ? -1 : f->second;
                }
                // A new mode claims the components whose trigger it names.
                for (size_t i = 0; i < rev.origin.size(); ++i) {
                    if (rev.origin[i] >= 0 || !rev.modes[i].pattern) continue;
                    const CompiledPattern p(*rev.modes[i].pattern, *m_table);
                    for (AtomicComponent& c : run.components)
                        if (p.triggerWeight(c.trigger) > 0) c.mode = static_cast<int>(i);
                }
                const auto cent = run.centroids(rev.modes.size());
                for (AtomicComponent& c : run.components)
                    if (c.mode < 0) c.mode = nearestCentroid(cent, c.representation);
            }
            modes = rev.modes;
            current = bestScore;
        } else {
            change = QStringLiteral("no revision raised the valid score; stopping");
        }
        run.note("refiner", QStringLiteral("iteration %1: %2").arg(it).arg(change),
                 {{"iteration", it}, {"candidates", judged}, {"kept", best >= 0 ? judged[static_cast<size_t>(best)] : nlohmann::json()}});
        if (auto r = reportIteration(it, change, best >= 0); !r) return Error{r.error()};
        return best >= 0;
    };
    for (int it = 1; it <= o.maxIterations && !modes.empty(); ++it) {
        auto more = refineOnce(it);
        if (!more) {
            if (run.stopped()) return cancelled();
            out.stopped = more.error();
            run.note("refiner", QStringLiteral("refinement stopped: %1").arg(more.error()));
            break;
        }
        if (!*more) break;
    }

    // 6. Test: the headline, per mode, single-pass at equal length, random alone, and the
    // scores beside Pearson (loop_scorer.h).
    {
        const double recordMax = recordMaximum(run.splits, record.stats.max);
        auto whole = [&](const std::vector<ModeExplanation>& ms) -> Expected<TestScores> {
            auto v = run.simulation(ms, run.splits.valid, run.validMemo);
            if (!v) return Error{v.error()};
            auto t = run.simulation(ms, run.splits.test, run.testMemo);
            if (!t) return Error{t.error()};
            return testScores(run.splits, *v, *t, recordMax, explanationLength(ms));
        };
        auto loopScores = whole(modes);
        if (!loopScores) return Error{loopScores.error()};
        out.loop = *loopScores;
        auto baseScores = whole({out.baselineExplanation});
        if (!baseScores) return Error{baseScores.error()};
        out.baseline = *baseScores;
        auto old = run.score({out.perModeBudgetExplanation}, run.splits.test, run.testMemo);
        if (!old) return Error{old.error()};
        out.baselinePerModeBudgetScore = *old;
        std::vector<int> counts;
        auto ms = run.modeScores(modes, run.splits.test, run.testReps, run.testMemo, &counts);
        if (!ms) return Error{ms.error()};
        const auto& last = out.iterations.back().modeScores;
        for (size_t m = 0; m < modes.size(); ++m) {
            ModeResult r;
            r.explanation = modes[m];
            // A mode no test exemplar is assigned to is scored on random exemplars alone:
            // that says nothing about the mode, so it has no score.
            if (counts[m] > 0) r.score = (*ms)[m];
            r.validScore = m < last.size() ? last[m] : 0;
            r.exemplarCount = counts[m];
            r.length = modeLength(modes[m]);
            for (const AtomicComponent& c : run.components) r.componentCount += c.mode == static_cast<int>(m);
            out.modes.push_back(r);
        }
        run.note("scorer", QStringLiteral("test r = %1 at length %2 (single-pass %3 at length %4, random only %5)")
                               .arg(out.loop.score, 0, 'f', 3).arg(out.loop.length).arg(out.baseline.score, 0, 'f', 3)
                               .arg(out.baseline.length).arg(out.loop.randomScore, 0, 'f', 3));
    }
    {
        std::vector<std::vector<float>> reps;
        for (const AtomicComponent& c : run.components) reps.push_back(c.representation);
        const auto plane = principalPlane(reps);
        for (size_t i = 0; i < plane.size(); ++i) run.components[i].mapX = plane[i].first, run.components[i].mapY = plane[i].second;
    }
    out.components = run.components;
    out.transcript = std::move(run.transcript);
    out.seconds = timer.elapsed() / 1000.0;
    return out;
}

}  // namespace ns
