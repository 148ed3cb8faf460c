#include "agents/splits.h"

#include "agents/correlation.h"
#include "util/splitmix.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace ns {
namespace {


Sample toSample(const Exemplar& e, SampleKind kind) {
    Sample s;
    s.ids = e.window->tokens;
    s.acts = e.activations;
    s.acts.resize(s.ids.size(), 0.f);
    s.kind = kind;
    s.document = e.window->document;
    s.windowId = e.window->id;
    return s;
}

const char* kindName(SampleKind k) {
    switch (k) {
    case SampleKind::Top: return "top";
    case SampleKind::Quantile: return "quantile";
    case SampleKind::Random: return "random";
    case SampleKind::Probe: return "probe";
    }
    return "?";
}

}  // namespace

ExemplarSplits splitRecord(const NeuronRecord& record, uint64_t seed) {
    std::vector<Sample> all;
    std::set<int64_t> seen;
    auto add = [&](const Exemplar& e, SampleKind kind) {
        if (e.window && seen.insert(e.window->id).second) all.push_back(toSample(e, kind));
    };
    for (const Exemplar& e : record.top) add(e, SampleKind::Top);
    for (const QuantileBin& b : record.quantiles)
        for (const Exemplar& e : b.exemplars) add(e, SampleKind::Quantile);
    for (const Exemplar& e : record.random) add(e, SampleKind::Random);

    struct Doc {
        int64_t id;
        int top = 0, other = 0;
        uint64_t key;
    };
    std::map<int64_t, Doc> docs;
    for (const Sample& s : all) {
        auto it = docs.try_emplace(s.document, Doc{s.document, 0, 0, splitmix64(seed ^ splitmix64(static_cast<uint64_t>(s.document)))}).first;
        (s.kind == SampleKind::Top ? it->second.top : it->second.other)++;
    }
    std::vector<Doc> order;
    for (const auto& [id, d] : docs) order.push_back(d);
    // Documents rich in top exemplars first, so the greedy deal below can balance them.
    std::sort(order.begin(), order.end(), [](const Doc& a, const Doc& b) {
        return a.top != b.top ? a.top > b.top : a.key < b.key;
    });
    const std::array<double, 3> share{0.4, 0.3, 0.3};
    std::array<double, 3> top{}, other{};
    std::map<int64_t, int> side;
    for (const Doc& d : order) {
        const bool byTop = d.top > 0;
        const auto& have = byTop ? top : other;
        int best = 0;
        double bestDeficit = -1e300;
        for (int s = 0; s < 3; ++s) {
            const double total = have[0] + have[1] + have[2] + (byTop ? d.top : d.other);
            const double deficit = share[static_cast<size_t>(s)] * total - have[static_cast<size_t>(s)];
            if (deficit > bestDeficit + 1e-9) best = s, bestDeficit = deficit;
        }
        side[d.id] = best;
        top[static_cast<size_t>(best)] += d.top;
        other[static_cast<size_t>(best)] += d.other;
    }

    ExemplarSplits out;
    std::vector<Sample> testTop, testRandom;
    for (Sample& s : all) {
        switch (side[s.document]) {
        case 0: out.train.push_back(std::move(s)); break;
        case 1: out.valid.push_back(std::move(s)); break;
        default:
            if (s.kind == SampleKind::Top) testTop.push_back(std::move(s));
            else if (s.kind == SampleKind::Random) testRandom.push_back(std::move(s));
            // Quantile samples of test documents are left out: test is top and random only.
        }
    }
    // Top and random 1:1: keep the same number of each, chosen by seeded key.
    const size_t n = std::min(testTop.size(), testRandom.size());
    auto keep = [&](std::vector<Sample>& v) {
        std::stable_sort(v.begin(), v.end(), [&](const Sample& a, const Sample& b) {
            return splitmix64(seed ^ static_cast<uint64_t>(a.windowId)) < splitmix64(seed ^ static_cast<uint64_t>(b.windowId));
        });
        if (n > 0) v.resize(n);
    };
    keep(testTop);
    keep(testRandom);
    for (Sample& s : testTop) out.test.push_back(std::move(s));
    for (Sample& s : testRandom) out.test.push_back(std::move(s));
    return out;
}

Expected<void> checkSplits(const ExemplarSplits& s) {
    if (!s.train.empty() && !s.valid.empty() && !s.test.empty()) return {};
    std::set<int64_t> documents;
    for (const auto* side : {&s.train, &s.valid, &s.test})
        for (const Sample& x : *side) documents.insert(x.document);
    return makeError(QStringLiteral("the corpus is too small to split: this neuron's exemplars come from %1 document(s), giving "
                                    "%2 train, %3 valid and %4 test exemplars; train, valid and test each need documents of "
                                    "their own, so the corpus needs at least %5 documents (separated by <|endoftext|> lines) "
                                    "in which the neuron has exemplars")
                         .arg(documents.size()).arg(s.train.size()).arg(s.valid.size()).arg(s.test.size()).arg(kMinSplitDocuments));
}

nlohmann::json splitsToJson(const ExemplarSplits& splits) {
    auto list = [](const std::vector<Sample>& v) {
        nlohmann::json a = nlohmann::json::array();
        for (const Sample& s : v) a.push_back({{"window", s.windowId}, {"document", s.document}, {"kind", kindName(s.kind)}});
        return a;
    };
    return {{"train", list(splits.train)}, {"valid", list(splits.valid)}, {"test", list(splits.test)}};
}

double pooledScore(const std::vector<Sample>& samples, const Simulation& simulation) {
    std::vector<double> x, y;
    for (size_t i = 0; i < samples.size() && i < simulation.size(); ++i) {
        const auto& a = samples[i].acts;
        const auto& s = simulation[i];
        for (size_t t = 0; t < a.size() && t < s.size(); ++t) {
            x.push_back(a[t]);
            y.push_back(s[t]);
        }
    }
    return pearson(x, y);
}

}  // namespace ns
