#include "agents/pattern_simulator.h"

#include "agents/activity.h"
#include "agents/explanation.h"

#include <algorithm>

namespace ns {

PatternSimulator::PatternSimulator(const std::vector<ModeExplanation>& modes, const TokenTable& table, const NeuronRecord& record) {
    for (const ModeExplanation& m : modes) {
        if (!m.pattern) {
            m_index.push_back(-1);
            continue;
        }
        m_index.push_back(static_cast<int>(m_compiled.size()));
        m_compiled.emplace_back(*m.pattern, table);
    }
    m_neuronMax = std::max(0.0, recordPeak(record));
    if (m_compiled.empty()) return;
    double peak = 0;
    auto measure = [&](const Exemplar& e) {
        if (!e.window) return;
        for (const auto& sim : rawModes(e.window->tokens))
            for (float v : sim) peak = std::max(peak, static_cast<double>(v));
    };
    for (const Exemplar& e : record.top) measure(e);
    for (const QuantileBin& b : record.quantiles)
        for (const Exemplar& e : b.exemplars) measure(e);
    for (const Exemplar& e : record.random) measure(e);
    m_factor = peak > 0 ? m_neuronMax / peak : 0;
}

std::vector<std::vector<float>> PatternSimulator::rawModes(const std::vector<int>& ids) const {
    std::vector<std::vector<float>> out;
    out.reserve(m_compiled.size());
    for (const CompiledPattern& p : m_compiled) out.push_back(p.run(ids));
    return out;
}

std::vector<float> PatternSimulator::mode(int mode, const std::vector<int>& ids) const {
    if (!runs(mode)) return {};
    std::vector<float> sim = m_compiled[static_cast<size_t>(m_index[static_cast<size_t>(mode)])].run(ids);
    for (float& v : sim) v = static_cast<float>(v * m_factor);
    return sim;
}

std::vector<float> PatternSimulator::whole(const std::vector<int>& ids) const {
    if (empty()) return {};
    std::vector<float> sim(ids.size(), 0.f);
    for (const auto& raw : rawModes(ids))
        for (size_t t = 0; t < sim.size() && t < raw.size(); ++t) sim[t] = std::max(sim[t], raw[t]);
    for (float& v : sim) v = static_cast<float>(v * m_factor);
    return sim;
}

}  // namespace ns
