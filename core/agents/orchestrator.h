#pragma once

#include "activations/neuron_record.h"
#include "agents/backend.h"
#include "agents/components.h"
#include "agents/explanation.h"
#include "agents/loop_types.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace ns {

class ActivationSource;
class Representer;
class TokenTable;
struct CorpusWindows;

/// Runs the agents for one neuron: split, decompose, cluster and explain (choosing the number
/// of modes on valid), then probe and refine until the valid score stops rising, and finally
/// score the explanation and the single-pass baseline on test. Every step and iteration is
/// reported to `listener`; `cancel` stops it between steps and inside waits.
class Orchestrator {
public:
    Orchestrator(const ActivationSource& source, const Representer& representer, std::shared_ptr<const TokenTable> table,
                 std::shared_ptr<const CorpusWindows> corpus, Backend& backend, int fillerToken);

    Expected<LoopResult> run(const NeuronRecord& record, const LoopOptions& options,
                             const std::function<void(const LoopEvent&)>& listener = {},
                             const std::atomic<bool>* cancel = nullptr);

private:
    const ActivationSource& m_source;
    const Representer& m_representer;
    std::shared_ptr<const TokenTable> m_table;
    std::shared_ptr<const CorpusWindows> m_corpus;
    Backend& m_backend;
    int m_filler;
};

}  // namespace ns
