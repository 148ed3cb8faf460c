#pragma once

#include "activations/neuron_record.h"
#include "agents/pattern.h"

#include <vector>

namespace ns {

struct ModeExplanation;
class TokenTable;

/// An explanation's built-in patterns run on any token ids, to be shown beside the true
/// activations. The whole explanation's simulation is the maximum over its modes, as the loop
/// scores it. The loop's scores are correlations, so a simulation has no unit of its own; for
/// display it is put on the activation's scale by one factor per explanation:
/// neuron maximum / (largest whole simulation over the record's exemplars). A token where the
/// explanation predicts as much as it ever does on the exemplars reads as the neuron's maximum.
/// Modes without a pattern (free text, an LLM's explanation) cannot be run offline.
class PatternSimulator {
public:
    PatternSimulator(const std::vector<ModeExplanation>& modes, const TokenTable& table, const NeuronRecord& record);

    /// No mode has a pattern: nothing can be simulated offline.
    bool empty() const { return m_compiled.empty(); }
    int modeCount() const { return static_cast<int>(m_index.size()); }
    bool runs(int mode) const { return mode >= 0 && mode < modeCount() && m_index[static_cast<size_t>(mode)] >= 0; }
    /// neuron maximum / largest raw simulation on the exemplars; 0 when the explanation never fires there.
    double factor() const { return m_factor; }
    /// The neuron maximum the scale maps to.
    double neuronMax() const { return m_neuronMax; }

    /// One mode's simulation on the activation's scale; empty when the mode has no pattern.
    std::vector<float> mode(int mode, const std::vector<int>& ids) const;
    /// The whole explanation's (max over modes) on the activation's scale; empty when empty().
    std::vector<float> whole(const std::vector<int>& ids) const;
    /// Raw (unscaled) simulation of every mode that runs, in mode order of those that run.
    std::vector<std::vector<float>> rawModes(const std::vector<int>& ids) const;

private:
    std::vector<CompiledPattern> m_compiled;
    std::vector<int> m_index;  ///< per mode: its compiled pattern, or -1
    double m_factor = 0;
    double m_neuronMax = 0;
};

}  // namespace ns
