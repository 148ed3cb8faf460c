#include "agents/components.h"

#include "agents/activation_source.h"
#include "agents/token_table.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace ns {

Expected<std::vector<AtomicComponent>> decompose(const std::vector<Sample>& train, const ActivationSource& source,
                                                 int filler, const DecomposeOptions& o) {
    float top = 0;
    for (const Sample& s : train)
        for (float a : s.acts) top = std::max(top, a);
    std::vector<AtomicComponent> out;
    if (top <= 0) return out;

    struct Candidate {
        int sample, position;
        float act;
    };
    std::vector<Candidate> cands;
    for (size_t si = 0; si < train.size(); ++si)
        for (size_t t = 0; t < train[si].acts.size(); ++t)
            if (train[si].acts[t] >= o.threshold * top) cands.push_back({static_cast<int>(si), static_cast<int>(t), train[si].acts[t]});
    std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.act > b.act; });
    // Diverse by trigger: keys in order of their total activation, and in each round the next
    // strongest occurrence of every key, so frequent weaker triggers are decomposed too.
    std::map<int, std::vector<const Candidate*>> byTrigger;
    std::map<int, double> mass;
    for (const Candidate& c : cands) {
        const int trig = train[static_cast<size_t>(c.sample)].ids[static_cast<size_t>(c.position)];
        byTrigger[trig].push_back(&c);
        mass[trig] += c.act;
    }
    std::vector<std::pair<double, int>> keys;
    for (const auto& [t, m] : mass) keys.push_back({-m, t});
    std::sort(keys.begin(), keys.end());
    std::map<int, int> perSample;
    for (int round = 0; round < o.perTrigger && static_cast<int>(out.size()) < o.maxComponents; ++round) {
        for (const auto& [m, trig] : keys) {
            if (static_cast<int>(out.size()) >= o.maxComponents) break;
            const auto& list = byTrigger[trig];
            // The round-th occurrence not from a sample that already gave its share.
            int taken = 0;
            for (const Candidate* c : list) {
                if (perSample[c->sample] >= o.perSample) continue;
                if (taken++ < round) continue;
                ++perSample[c->sample];
                AtomicComponent comp;
                comp.sample = c->sample;
                comp.window = train[static_cast<size_t>(c->sample)].windowId;
                comp.position = c->position;
                comp.trigger = trig;
                comp.activation = c->act;
                out.push_back(comp);
                break;
            }
        }
    }
    // One batch: per component its prefix, the prefix with each context token replaced, and
    // the trigger alone.
    std::vector<std::vector<int>> rows;
    std::vector<std::pair<size_t, int>> what;  // (component, offset; 0 = original, -1 = alone)
    for (size_t i = 0; i < out.size(); ++i) {
        const auto& ids = train[static_cast<size_t>(out[i].sample)].ids;
        const std::vector<int> prefix(ids.begin(), ids.begin() + out[i].position + 1);
        rows.push_back(prefix);
        what.push_back({i, 0});
        for (int off = 1; off <= o.lookback && off <= out[i].position; ++off) {
            auto edited = prefix;
            edited[static_cast<size_t>(out[i].position - off)] = filler;
            rows.push_back(std::move(edited));
            what.push_back({i, off});
        }
        rows.push_back({filler, out[i].trigger});
        what.push_back({i, -1});
    }
    auto acts = source.activations(rows);
    if (!acts) return Error{acts.error()};
    std::vector<float> base(out.size(), 0.f);
    for (size_t r = 0; r < rows.size(); ++r)
        if (what[r].second == 0) base[what[r].first] = (*acts)[r].back();
    for (size_t r = 0; r < rows.size(); ++r) {
        auto& comp = out[what[r].first];
        const float a = base[what[r].first];
        if (a <= 0) continue;
        const float now = (*acts)[r].back();
        if (what[r].second == -1) {
            comp.alone = std::max(0.f, now / a);
        } else if (what[r].second > 0) {
            const float drop = (a - now) / a;
            if (drop >= o.mattersAt) {
                const auto& ids = train[static_cast<size_t>(comp.sample)].ids;
                comp.context.push_back({what[r].second, ids[static_cast<size_t>(comp.position - what[r].second)], drop});
            }
        }
    }
    for (auto& comp : out) {
        std::sort(comp.context.begin(), comp.context.end(), [](const ContextToken& a, const ContextToken& b) { return a.drop > b.drop; });
        if (comp.context.size() > 3) comp.context.resize(3);
    }
    return out;
}

nlohmann::json componentToJson(const AtomicComponent& c, const TokenTable& table) {
    nlohmann::json ctx = nlohmann::json::array();
    for (const ContextToken& t : c.context)
        ctx.push_back({{"offset", t.offset}, {"token", table.text(t.id).toStdString()}, {"drop", t.drop}});
    return {{"sample", c.sample}, {"window", c.window}, {"position", c.position}, {"trigger", table.text(c.trigger).toStdString()},
            {"activation", c.activation}, {"alone", c.alone}, {"context", ctx}, {"mode", c.mode},
            {"map", {c.mapX, c.mapY}}};
}

}  // namespace ns
