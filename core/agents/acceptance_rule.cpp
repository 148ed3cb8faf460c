#include "agents/acceptance_rule.h"

#include <algorithm>

namespace ns {

double merit(const AcceptanceRule& rule, double score, int length, int modes) {
    return score - rule.lengthPenalty * length - rule.modeGain * std::max(0, modes - 1);
}

QString verdictText(Verdict v) {
    switch (v) {
    case Verdict::Better: return QStringLiteral("raises the valid score by more than its length costs");
    case Verdict::Simpler: return QStringLiteral("shorter, losing less than its length is worth");
    case Verdict::OverBudget: return QStringLiteral("over the length budget");
    case Verdict::TooLittle: return QStringLiteral("does not raise the valid score by more than its length costs");
    case Verdict::EvidenceFell: return QStringLiteral("fit to train and probes fell");
    }
    return {};
}

bool accepted(Verdict v) { return v == Verdict::Better || v == Verdict::Simpler; }

Verdict judge(const AcceptanceRule& rule, const Standing& current, const Standing& proposal) {
    if (proposal.length > rule.budget) return Verdict::OverBudget;
    const double gain = merit(rule, proposal.valid, proposal.length, proposal.modes) -
                        merit(rule, current.valid, current.length, current.modes);
    const double evidenceGain = merit(rule, proposal.evidence, proposal.length, proposal.modes) -
                                merit(rule, current.evidence, current.length, current.modes);
    const bool shorter = proposal.length < current.length || proposal.modes < current.modes;
    // A simplification need only not lose merit; anything else must gain more than minGain.
    if (shorter ? gain < 0 : gain <= rule.minGain) return Verdict::TooLittle;
    // On train and probes a change may lose up to the slack, but a simplification may not lose
    // merit there either: otherwise a run of drops, each within the slack, drifts away from
    // the evidence while chasing valid's noise.
    if (evidenceGain < (shorter ? 0.0 : -rule.evidenceSlack)) return Verdict::EvidenceFell;
    return gain > rule.minGain ? Verdict::Better : Verdict::Simpler;
}

int choose(const AcceptanceRule& rule, const Standing& current, const std::vector<Standing>& proposals) {
    int best = -1;
    double bestMerit = 0;
    for (size_t i = 0; i < proposals.size(); ++i) {
        if (!accepted(judge(rule, current, proposals[i]))) continue;
        const Standing& p = proposals[i];
        const double m = merit(rule, p.valid, p.length, p.modes);
        const bool better = best < 0 || m > bestMerit + 1e-12 ||
                            (m > bestMerit - 1e-12 && p.length < proposals[static_cast<size_t>(best)].length);
        if (better) best = static_cast<int>(i), bestMerit = m;
    }
    return best;
}

}  // namespace ns
