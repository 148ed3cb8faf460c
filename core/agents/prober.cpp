#include "agents/loop_run.h"

#include "activations/corpus_windows.h"
#include "agents/activation_source.h"
#include "agents/description_length.h"
#include "agents/mode_clusterer.h"
#include "agents/pattern_fitter.h"
#include "agents/pattern_text.h"
#include "agents/token_table.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace ns {

/// Keys that fire on their own and occur in the corpus, which no mode names; strongest
/// expected contribution (activation times the root of the frequency) first.
std::vector<int> LoopRun::strongKeys(const std::vector<ModeExplanation>& modes, size_t limit) const {
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
Expected<void> LoopRun::scanVocabulary() {
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

/// How the neuron responds to each token placed at the firing position of a few top train
/// exemplars (their preceding tokens kept), relative to the train peak. Tokens of one
/// mode respond alike: a context-free trigger fires everywhere, a conditional one only
/// where its context is.
Expected<std::vector<std::vector<float>>> LoopRun::responseProfiles(const std::vector<std::vector<int>>& rows,
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

/// The worst misses of the explanation on valid.
void LoopRun::misses(const std::vector<ModeExplanation>& modes, std::vector<Miss>* fn, std::vector<Miss>* fp) {
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
Expected<void> LoopRun::probe(const std::vector<ModeExplanation>& modes, const std::vector<Miss>& fn, const std::vector<Miss>& fp,
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

}  // namespace ns
