#include "agents/mode_selection.h"

#include "agents/description_length.h"
#include "agents/loop_run.h"
#include "agents/mode_clusterer.h"

#include <algorithm>

#include <limits>

namespace ns {

int selectModeOption(const AcceptanceRule& rule, const std::vector<ModeOption>& options, double tolerance) {
    double best = -std::numeric_limits<double>::infinity();
    for (const ModeOption& o : options)
        if (o.length <= rule.budget) best = std::max(best, merit(rule, o.valid, o.length, o.modes));
    int pick = -1;
    for (size_t i = 0; i < options.size(); ++i) {
        const ModeOption& o = options[i];
        if (o.length > rule.budget || merit(rule, o.valid, o.length, o.modes) < best - tolerance) continue;
        const ModeOption* p = pick < 0 ? nullptr : &options[static_cast<size_t>(pick)];
        if (!p || o.silhouette > p->silhouette + 1e-9 || (o.silhouette > p->silhouette - 1e-9 && o.modes < p->modes))
            pick = static_cast<int>(i);
    }
    return pick;
}

Expected<ChosenModes> chooseModes(LoopRun& run) {
    const AcceptanceRule rule = run.o.acceptance();
    std::vector<std::vector<float>> reps;
    std::vector<float> weights;
    for (const AtomicComponent& c : run.components) reps.push_back(c.representation), weights.push_back(c.activation);
    // Structure is judged on the response profiles alone: the residual part only breaks
    // ties, and tokens that respond identically are one mode however the model embeds them.
    std::vector<std::vector<float>> profiles;
    for (const auto& r : reps) profiles.emplace_back(r.begin(), r.begin() + std::min<size_t>(r.size(), run.profileDims));
    const int K = std::min({run.o.maxModes, run.o.lengthBudget, std::max<int>(1, static_cast<int>(run.components.size()) / 3)});
    std::vector<std::vector<ModeExplanation>> explainedK;
    std::vector<std::vector<int>> labelsK;
    std::vector<ModeOption> options;
    nlohmann::json tried = nlohmann::json::array();
    QString stopped;
    for (int k = 1; k <= K; ++k) {
        run.advance(3, QStringLiteral("choosing modes: %1 of %2 clusterings").arg(k).arg(K));
        const auto lab = clusterVectors(reps, weights, k, run.o.seed + static_cast<uint64_t>(k));
        auto explained = run.explainClusters(lab, k);
        auto v = explained ? run.score(*explained, run.splits.valid, run.validMemo) : Expected<double>(Error{explained.error()});
        if (!v) {
            // A backend failing after some clusterings were explained leaves them to choose from.
            if (options.empty() || run.stopped()) return Error{v.error()};
            stopped = v.error();
            run.note("clusterer", QStringLiteral("stopped at %1 modes: %2").arg(k).arg(stopped));
            break;
        }
        const double sil = k == 1 ? run.o.oneModeSilhouette : silhouette(profiles, lab);
        const int length = explanationLength(*explained);
        nlohmann::json texts = nlohmann::json::array();
        for (const auto& m : *explained) texts.push_back(m.text.toStdString());
        tried.push_back({{"modes", k}, {"valid_score", *v}, {"length", length}, {"merit", merit(rule, *v, length, k)},
                         {"silhouette", sil}, {"explanations", texts}});
        options.push_back({k, *v, length, sil});
        explainedK.push_back(*explained);
        labelsK.push_back(lab);
    }
    const int pick = std::max(0, selectModeOption(rule, options, run.o.modeTolerance));
    ChosenModes out{explainedK[static_cast<size_t>(pick)], labelsK[static_cast<size_t>(pick)], options[static_cast<size_t>(pick)].valid,
                    stopped};
    const auto& modes = out.modes;
    const double current = out.valid;
    run.note("clusterer", QStringLiteral("%1 semantic mode%2 (valid r = %3, length %4)")
                              .arg(modes.size()).arg(modes.size() == 1 ? QString() : QStringLiteral("s")).arg(current, 0, 'f', 3)
                              .arg(explanationLength(modes)),
             {{"tried", tried}});
    return out;
}

}  // namespace ns
