#include "agents/refiner.h"

#include "agents/mode_label.h"

#include "agents/acceptance_rule.h"
#include "agents/description_length.h"
#include "agents/mode_clusterer.h"
#include "agents/pattern.h"
#include "agents/pattern_text.h"
#include "agents/token_table.h"

#include <algorithm>
#include <map>

namespace ns {

std::vector<Revision> modeDrops(const std::vector<ModeExplanation>& modes) {
    std::vector<Revision> out;
    for (size_t i = 0; i < modes.size() && modes.size() > 1; ++i) {
        Revision r{QStringLiteral("drop mode %1").arg(i + 1), modes, {}};
        r.modes.erase(r.modes.begin() + static_cast<std::ptrdiff_t>(i));
        for (size_t j = 0; j < modes.size(); ++j)
            if (j != i) r.origin.push_back(static_cast<int>(j));
        out.push_back(std::move(r));
    }
    return out;
}

/// Merging two modes whose components are as close to each other as to their own modes
/// (centroids no farther apart than either mode's spread), when one pattern can state
/// both: the same conditions, the union of literals within the budget.
std::vector<Revision> LoopRun::merges(const std::vector<ModeExplanation>& modes) const {
    std::vector<Revision> out;
    const auto cent = centroids(modes.size());
    std::vector<double> spread(modes.size(), 0.0), count(modes.size(), 0.0);
    for (const AtomicComponent& c : components) {
        if (c.mode < 0 || c.mode >= static_cast<int>(modes.size())) continue;
        spread[static_cast<size_t>(c.mode)] += distance(c.representation, cent[static_cast<size_t>(c.mode)]);
        count[static_cast<size_t>(c.mode)] += 1;
    }
    for (size_t m = 0; m < modes.size(); ++m)
        if (count[m] > 0) spread[m] /= count[m];
    for (size_t i = 0; i < modes.size(); ++i)
        for (size_t j = i + 1; j < modes.size(); ++j) {
            if (!modes[i].pattern || !modes[j].pattern || cent[i].empty() || cent[j].empty()) continue;
            const ModePattern& a = *modes[i].pattern;
            const ModePattern& b = *modes[j].pattern;
            if (distance(cent[i], cent[j]) > std::max(spread[i], spread[j])) continue;
            const auto conditionsOnly = [](const ModePattern& p) {
                ModePattern c;
                c.conditions = p.conditions;
                return patternToJson(c).dump();
            };
            if (conditionsOnly(a) != conditionsOnly(b)) continue;
            ModePattern u = a;
            if (!a.tokenClass.isEmpty() || !b.tokenClass.isEmpty()) {
                if (a.tokenClass != b.tokenClass || a.piece != b.piece || a.exceptions != b.exceptions) continue;
                u.classWeight = std::max(a.classWeight, b.classWeight);
            } else {
                for (const PatternLiteral& l : b.literals) {
                    auto it = std::find_if(u.literals.begin(), u.literals.end(), [&](const PatternLiteral& x) { return x.key == l.key; });
                    if (it == u.literals.end()) u.literals.push_back(l);
                    else it->weight = std::max(it->weight, l.weight);
                }
            }
            if (!checkPattern(u)) continue;
            Revision r;
            r.change = QStringLiteral("merge modes %1 and %2 (their components are alike)").arg(i + 1).arg(j + 1);
            for (size_t m = 0; m < modes.size(); ++m) {
                if (m == j) continue;
                r.modes.push_back(m == i ? patternExplanation(u, table) : modes[m]);
                r.origin.push_back(static_cast<int>(m));
            }
            out.push_back(std::move(r));
        }
    return out;
}

void reassignComponents(LoopRun& run, const Revision& rev) {
    // Components follow their modes; those of a dropped mode go to the nearest one left.
    if (!rev.origin.empty()) {
        std::map<int, int> now;
        for (size_t i = 0; i < rev.origin.size(); ++i)
            if (rev.origin[i] >= 0) now[rev.origin[i]] = static_cast<int>(i);
        for (AtomicComponent& c : run.components) {
            const auto f = now.find(c.mode);
            c.mode = f == now.end() ? -1 : f->second;
        }
        // A new mode claims the components whose trigger it names.
        for (size_t i = 0; i < rev.origin.size(); ++i) {
            if (rev.origin[i] >= 0 || !rev.modes[i].pattern) continue;
            const CompiledPattern p(*rev.modes[i].pattern, run.table);
            for (AtomicComponent& c : run.components)
                if (p.triggerWeight(c.trigger) > 0) c.mode = static_cast<int>(i);
        }
        const auto cent = run.centroids(rev.modes.size());
        for (AtomicComponent& c : run.components)
            if (c.mode < 0) c.mode = nearestCentroid(cent, c.representation);
    }
}

Expected<RefinementStep> refineOnce(LoopRun& run, std::vector<ModeExplanation>& modes, double& current, int it) {
    const AcceptanceRule rule = run.o.acceptance();
    if (run.stopped()) return makeError(QStringLiteral("cancelled"));
    std::vector<Miss> fn, fp;
    run.misses(modes, &fn, &fp);
    if (auto r = run.probe(modes, fn, fp, it); !r) return Error{r.error()};
    if (run.stopped()) return makeError(QStringLiteral("cancelled"));
    ReviseRequest req;
    req.modes = &modes;
    req.evidence = &run.evidence;
    req.valid = &run.splits.valid;
    req.falseNegatives = fn;
    req.falsePositives = fp;
    req.maxModes = run.o.maxModes;
    req.lengthBudget = run.o.lengthBudget;
    req.unitGain = run.o.fitUnitGain;
    req.strongKeys = run.strongKeys(modes, 40);
    req.components.resize(modes.size());
    for (const AtomicComponent& c : run.components)
        if (c.mode >= 0 && c.mode < static_cast<int>(modes.size())) req.components[static_cast<size_t>(c.mode)].push_back(c);
    auto revisions = run.backend.revise(req);
    if (!revisions) return Error{revisions.error()};
    for (Revision& merge : run.merges(modes)) revisions->push_back(std::move(merge));
    for (Revision& drop : modeDrops(modes)) revisions->push_back(std::move(drop));
    nlohmann::json judged = nlohmann::json::array();
    // The fit to train and probes guards against revisions that only chase valid's noise.
    std::map<std::string, Simulation> evidenceMemo;
    auto fit = run.score(modes, run.evidence, evidenceMemo);
    if (!fit) return Error{fit.error()};
    const Standing now{current, *fit, explanationLength(modes), static_cast<int>(modes.size())};
    std::vector<Standing> standings;
    for (size_t i = 0; i < revisions->size(); ++i) {
        if (run.stopped()) return makeError(QStringLiteral("cancelled"));
        const Revision& rev = (*revisions)[i];
        const int length = explanationLength(rev.modes);
        Standing st{0, 0, length, static_cast<int>(rev.modes.size())};
        if (length <= run.o.lengthBudget) {  // over budget: never simulated
            auto v = run.score(rev.modes, run.splits.valid, run.validMemo);
            if (!v) return Error{v.error()};
            auto e = run.score(rev.modes, run.evidence, evidenceMemo);
            if (!e) return Error{e.error()};
            st.valid = *v, st.evidence = *e;
        }
        standings.push_back(st);
        judged.push_back({{"change", rev.change.toStdString()}, {"valid_score", st.valid}, {"evidence_score", st.evidence},
                          {"length", length}, {"verdict", verdictText(judge(rule, now, st)).toStdString()}});
    }
    const int best = choose(rule, now, standings);
    RefinementStep step;
    step.kept = best >= 0;
    if (step.kept) {
        const Revision& rev = (*revisions)[static_cast<size_t>(best)];
        step.change = rev.change;
        reassignComponents(run, rev);
        modes = rev.modes;
        current = standings[static_cast<size_t>(best)].valid;
    } else {
        step.change = QStringLiteral("no revision raised the valid score by more than its length costs; stopping");
    }
    run.note("refiner", QStringLiteral("iteration %1: %2").arg(it).arg(step.change),
             {{"iteration", it}, {"candidates", judged}, {"kept", step.kept ? judged[static_cast<size_t>(best)] : nlohmann::json()}});
    return step;
}

}  // namespace ns
