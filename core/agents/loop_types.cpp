#include "agents/loop_types.h"

#include "agents/description_length.h"
#include "agents/pattern.h"

namespace ns {

AcceptanceRule LoopOptions::acceptance() const {
    AcceptanceRule r;
    r.lengthPenalty = lengthPenalty;
    r.modeGain = modeGain;
    r.minGain = minGain;
    r.evidenceSlack = evidenceSlack;
    r.budget = lengthBudget;
    return r;
}

nlohmann::json LoopOptions::toJson() const {
    return {{"max_iterations", maxIterations}, {"max_modes", maxModes}, {"seed", seed},
            {"length_budget", lengthBudget}, {"length_penalty", lengthPenalty}, {"mode_gain", modeGain},
            {"min_gain", minGain}, {"evidence_slack", evidenceSlack}, {"fit_unit_gain", fitUnitGain},
            {"one_mode_silhouette", oneModeSilhouette}, {"mode_tolerance", modeTolerance},
            {"miss_fraction", missFraction}, {"strong_fraction", strongFraction},
            {"vocabulary_probes", vocabularyProbes}, {"probe_windows", probeWindows},
            {"probes_per_key", probesPerKey}, {"swap_samples", swapSamples},
            {"per_mode_budget_literals", perModeBudgetLiterals},
            {"components", decompose.maxComponents}, {"lookback", decompose.lookback},
            {"threshold", decompose.threshold}, {"matters_at", decompose.mattersAt}};
}

Expected<LoopOptions> LoopOptions::fromJson(const nlohmann::json& j) {
    if (!j.is_object()) return makeError(QStringLiteral("loop options must be a JSON object"));
    LoopOptions o;
    const char* current = "";
    try {
        auto read = [&](const char* key, auto& field) {
            current = key;
            if (j.contains(key)) field = j.at(key).get<std::decay_t<decltype(field)>>();
        };
        read("max_iterations", o.maxIterations);
        read("max_modes", o.maxModes);
        read("seed", o.seed);
        read("length_budget", o.lengthBudget);
        read("length_penalty", o.lengthPenalty);
        read("mode_gain", o.modeGain);
        read("min_gain", o.minGain);
        read("evidence_slack", o.evidenceSlack);
        read("fit_unit_gain", o.fitUnitGain);
        read("one_mode_silhouette", o.oneModeSilhouette);
        read("mode_tolerance", o.modeTolerance);
        read("miss_fraction", o.missFraction);
        read("strong_fraction", o.strongFraction);
        read("vocabulary_probes", o.vocabularyProbes);
        read("probe_windows", o.probeWindows);
        read("probes_per_key", o.probesPerKey);
        read("swap_samples", o.swapSamples);
        read("per_mode_budget_literals", o.perModeBudgetLiterals);
        read("components", o.decompose.maxComponents);
        read("lookback", o.decompose.lookback);
        read("threshold", o.decompose.threshold);
        read("matters_at", o.decompose.mattersAt);
    } catch (const nlohmann::json::exception&) {
        return makeError(QStringLiteral("loop option \"%1\" has the wrong type").arg(QLatin1String(current)));
    }
    return o;
}

nlohmann::json jsonOrNull(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

std::optional<double> optionalNumber(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

nlohmann::json modeExplanationToJson(const ModeExplanation& m) {
    return {{"label", displayLabel(m).toStdString()},
            {"explanation", m.text.toStdString()},
            {"pattern", m.pattern ? patternToJson(*m.pattern) : nlohmann::json()},
            {"length", modeLength(m)}};
}

nlohmann::json loopResultToJson(const LoopResult& r, const TokenTable& table) {
    nlohmann::json modes = nlohmann::json::array();
    for (const ModeResult& m : r.modes) {
        nlohmann::json j = modeExplanationToJson(m.explanation);
        j["score"] = jsonOrNull(m.score);
        j["valid_score"] = m.validScore;
        j["exemplar_count"] = m.exemplarCount;
        j["component_count"] = m.componentCount;
        modes.push_back(std::move(j));
    }
    nlohmann::json its = nlohmann::json::array();
    for (const IterationResult& i : r.iterations) {
        nlohmann::json ms = nlohmann::json::array();
        for (const ModeExplanation& m : i.modes) ms.push_back(modeExplanationToJson(m));
        its.push_back({{"index", i.index}, {"valid_score", i.validScore}, {"mode_scores", i.modeScores},
                       {"change", i.change.toStdString()}, {"kept", i.kept}, {"length", i.length}, {"modes", ms}});
    }
    nlohmann::json comps = nlohmann::json::array();
    for (const AtomicComponent& c : r.components) comps.push_back(componentToJson(c, table));
    return {{"neuron", r.neuron.toStdString()},
            {"score", r.loop.score},
            {"random_score", r.loop.randomScore},
            {"novel_score", jsonOrNull(r.loop.novelScore)},
            {"f1", jsonOrNull(r.loop.f1)},
            {"auprc", jsonOrNull(r.loop.auprc)},
            {"length", r.loop.length},
            {"baseline_score", r.baseline.score},
            {"baseline_random_score", r.baseline.randomScore},
            {"baseline_novel_score", jsonOrNull(r.baseline.novelScore)},
            {"baseline_f1", jsonOrNull(r.baseline.f1)},
            {"baseline_auprc", jsonOrNull(r.baseline.auprc)},
            {"baseline_length", r.baseline.length},
            {"baseline_valid_score", r.baselineValidScore},
            {"baseline_per_mode_budget_score", r.baselinePerModeBudgetScore},
            {"baseline", modeExplanationToJson(r.baselineExplanation)},
            {"baseline_per_mode_budget", modeExplanationToJson(r.perModeBudgetExplanation)},
            {"modes", modes},
            {"iterations", its},
            {"components", comps},
            {"backend", r.backend.toStdString()},
            {"parameters", r.parameters},
            {"seed", r.seed},
            {"stopped", r.stopped.toStdString()},
            {"seconds", r.seconds}};
}

}  // namespace ns
