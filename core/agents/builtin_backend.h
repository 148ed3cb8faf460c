#pragma once

#include "agents/backend.h"
#include "agents/pattern.h"

#include <memory>

namespace ns {

class TokenTable;

/// The offline, deterministic backend: explanations are executable patterns fitted to the
/// evidence (pattern_fitter.h) and rendered as sentences; the simulator runs the pattern; the
/// refiner proposes concrete edits from the misses on valid and from the probes.
class BuiltinBackend : public Backend {
public:
    explicit BuiltinBackend(std::shared_ptr<const TokenTable> table, PatternBudget budget = {});
    QString name() const override { return QStringLiteral("builtin"); }
    nlohmann::json parameters() const override;
    Expected<ModeExplanation> explain(const ModeRequest& request) override;
    Expected<Simulation> simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) override;
    Expected<std::vector<Revision>> revise(const ReviseRequest& request) override;

private:
    ModeExplanation fromPattern(const ModePattern& p) const;
    /// The structural budget with the fitter's length bound and price per unit.
    PatternBudget withLength(int maxLength, double unitGain) const;
    std::shared_ptr<const TokenTable> m_table;
    PatternBudget m_budget;
};

}  // namespace ns
