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


void LoopRun::emit(const LoopEvent& e) const {
    if (listener) listener(e);
}

void LoopRun::advance(int step, const QString& stage) const {
    LoopEvent e;
    e.kind = LoopEvent::Kind::Progress;
    e.role = QStringLiteral("loop");
    e.message = stage;
    e.progress = {step, loopSteps(o), stage};
    emit(e);
}

void LoopRun::note(const char* role, const QString& step, nlohmann::json details) {
    details["role"] = role;
    details["step"] = step.toStdString();
    transcript.push_back(std::move(details));
    LoopEvent e;
    e.role = QString::fromLatin1(role);
    e.message = step;
    emit(e);
}

Expected<const Simulation*> LoopRun::simulate(const ModeExplanation& m, const std::vector<Sample>& samples,
                                             std::map<std::string, Simulation>& memo) {
    const std::string id = m.identity();
    auto it = memo.find(id);
    if (it != memo.end()) return &it->second;
    auto sim = backend.simulate(m, samples);
    if (!sim) return Error{sim.error()};
    return &memo.emplace(id, std::move(*sim)).first->second;
}

/// The whole explanation's simulation on a split: at each token the maximum over modes.
Expected<Simulation> LoopRun::simulation(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
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
Expected<double> LoopRun::score(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                               std::map<std::string, Simulation>& memo) {
    auto sim = simulation(modes, samples, memo);
    if (!sim) return Error{sim.error()};
    return pooledScore(samples, *sim);
}

/// Centroids of the modes from the labelled train components.
std::vector<std::vector<float>> LoopRun::centroids(size_t modes) const {
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
Expected<std::vector<double>> LoopRun::modeScores(const std::vector<ModeExplanation>& modes, const std::vector<Sample>& samples,
                                                  const std::vector<std::vector<float>>& reps,
                                                  std::map<std::string, Simulation>& memo, std::vector<int>* counts) {
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
Expected<std::vector<ModeExplanation>> LoopRun::explainClusters(const std::vector<int>& labels, int k) {
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
    if (backend.explainsModesTogether()) {
        // One call for the whole clustering; such a backend does not read the other modes'
        // simulations, so none is run here.
        std::vector<ModeRequest> requests;
        for (const auto& [mass, m] : order) {
            ModeRequest req;
            req.maxLength = std::max(1, o.lengthBudget / k);
            req.unitGain = o.fitUnitGain;
            req.evidence = &evidence;
            for (size_t c = 0; c < components.size(); ++c)
                if (labels[c] == m) req.components.push_back(components[c]);
            for (const auto& [a, key] : keysOf[static_cast<size_t>(m)]) req.triggerKeys.push_back(key);
            requests.push_back(std::move(req));
        }
        return backend.explainModes(requests);
    }
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

Expected<void> LoopRun::represent() {
    std::vector<std::vector<int>> rows;
    std::vector<int> pos;
    for (const AtomicComponent& c : components) {
        rows.push_back(splits.train[static_cast<size_t>(c.sample)].ids);
        pos.push_back(c.position);
    }
    for (const auto* split : {&splits.valid, &splits.test})
        for (const Sample& s : *split) {
            rows.push_back(s.ids);
            pos.push_back(argmax(s.acts));
        }
    float peak = 0;
    for (const Sample& s : splits.train)
        for (float a : s.acts) peak = std::max(peak, a);
    std::vector<std::tuple<float, size_t, int>> strong;
    std::set<std::pair<int, int>> decomposed;
    for (const AtomicComponent& c : components) decomposed.insert({c.sample, c.position});
    for (size_t i = 0; i < splits.train.size() && peak > 0; ++i)
        for (size_t t = 0; t < splits.train[i].acts.size(); ++t)
            if (splits.train[i].acts[t] >= o.decompose.threshold * peak && !decomposed.count({static_cast<int>(i), static_cast<int>(t)}))
                strong.push_back({splits.train[i].acts[t], i, static_cast<int>(t)});
    std::sort(strong.begin(), strong.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    if (strong.size() > 240) strong.resize(240);
    for (const auto& [a, i, t] : strong) {
        rows.push_back(splits.train[i].ids);
        pos.push_back(t);
    }
    auto reps = representer.at(rows, pos);
    if (!reps) return Error{reps.error()};
    centreAndNormalise(&*reps);
    auto profiles = responseProfiles(rows, pos, peak);
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
    for (AtomicComponent& c : components) c.representation = (*reps)[r++];
    for (size_t i = 0; i < splits.valid.size(); ++i) validReps.push_back((*reps)[r++]);
    for (size_t i = 0; i < splits.test.size(); ++i) testReps.push_back((*reps)[r++]);
    for (const auto& [a, i, t] : strong)
        firing.push_back({table.keyOf(splits.train[i].ids[static_cast<size_t>(t)]), a, (*reps)[r++]});
    return {};
}

}  // namespace ns
