#pragma once

#include <QString>

#include <vector>

namespace ns {

/// The one rule that decides whether a change to an explanation is kept (the refiner's
/// revisions, the clusterer's number of modes). In the spirit of minimum description length,
/// an explanation's merit is its valid score minus a penalty per unit of description length,
/// and each extra mode must also pay `modeGain`: a literal, class, condition or mode is kept
/// only when it raises the valid score by more than it costs, and merging or dropping is
/// kept whenever the score it loses is less than the length it saves.
struct AcceptanceRule {
    double lengthPenalty = 0.002;  ///< valid r one unit of length must buy
    double modeGain = 0.01;        ///< valid r an extra mode must buy beyond its length
    double minGain = 1e-3;         ///< a change must raise the merit by more than this
    double evidenceSlack = 0.01;   ///< and may not lower the merit on train and probes by more (a simplification: not at all)
    int budget = 16;               ///< the whole explanation's length at most
};

/// Where an explanation stands: its scores and its size.
struct Standing {
    double valid = 0;     ///< pooled r on valid
    double evidence = 0;  ///< pooled r on train and probes: guards against chasing valid's noise
    int length = 0;
    int modes = 0;
};

/// valid - lengthPenalty * length - modeGain * (modes - 1).
double merit(const AcceptanceRule& rule, double score, int length, int modes);

enum class Verdict {
    Better,        ///< raises the merit by more than minGain
    Simpler,       ///< shorter, and loses less score than the length it saves is worth
    OverBudget,    ///< longer than the budget
    TooLittle,     ///< does not raise the merit enough
    EvidenceFell,  ///< its merit on train and probes falls by more than the slack
};
QString verdictText(Verdict v);
bool accepted(Verdict v);

/// Judges `proposal` against `current` (a pure function of the two standings).
Verdict judge(const AcceptanceRule& rule, const Standing& current, const Standing& proposal);

/// The index of the proposal to keep, or -1: among the accepted ones, the highest merit on
/// valid; the shorter one on equal merit.
int choose(const AcceptanceRule& rule, const Standing& current, const std::vector<Standing>& proposals);

}  // namespace ns
