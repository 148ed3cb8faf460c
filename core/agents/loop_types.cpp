#include "agents/loop_types.h"

#include "agents/description_length.h"
#include "agents/pattern.h"

#include <algorithm>
#include <limits>

namespace ns {

int loopSteps(const LoopOptions& o) { return 4 + std::max(0, o.maxIterations) + 1; }


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
    const bool t = r.testScored;  // test scores are null when the test simulations failed
    const auto test = [t](const nlohmann::json& v) { return t ? v : nlohmann::json(); };
    nlohmann::json out{{"neuron", r.neuron.toStdString()},
                       {"score", test(r.loop.score)},
                       {"random_score", test(r.loop.randomScore)},
                       {"novel_score", test(jsonOrNull(r.loop.novelScore))},
                       {"f1", test(jsonOrNull(r.loop.f1))},
                       {"auprc", test(jsonOrNull(r.loop.auprc))},
                       {"length", r.loop.length},
                       {"baseline_score", test(r.baseline.score)},
                       {"baseline_random_score", test(r.baseline.randomScore)},
                       {"baseline_novel_score", test(jsonOrNull(r.baseline.novelScore))},
                       {"baseline_f1", test(jsonOrNull(r.baseline.f1))},
                       {"baseline_auprc", test(jsonOrNull(r.baseline.auprc))},
                       {"baseline_length", r.baseline.length},
                       {"baseline_valid_score", r.baselineValidScore},
                       {"baseline_per_mode_budget_score", test(r.baselinePerModeBudgetScore)},
                       {"baseline", modeExplanationToJson(r.baselineExplanation)},
                       {"baseline_per_mode_budget", modeExplanationToJson(r.perModeBudgetExplanation)},
                       {"modes", modes},
                       {"iterations", its},
                       {"components", comps},
                       {"backend", r.backend.toStdString()},
                       {"parameters", r.parameters},
                       {"seed", r.seed},
                       {"seconds", r.seconds}};
    if (!r.stopped.isEmpty()) out["stopped"] = r.stopped.toStdString();
    if (r.usage)
        out["requests"] = r.usage->requests,
        out["tokens"] = {{"prompt", r.usage->promptTokens}, {"completion", r.usage->completionTokens}};
    return out;
}

namespace {

/// Thrown inside loopResultFromJson only, caught there: the key that could not be read.
struct BadField {
    QString what;
};

template <typename T>
T field(const nlohmann::json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const nlohmann::json::exception&) {
        throw BadField{QStringLiteral("\"%1\" has the wrong type").arg(QLatin1String(key))};
    }
}

QString text(const nlohmann::json& j, const char* key) { return QString::fromStdString(field<std::string>(j, key, {})); }

const nlohmann::json& list(const nlohmann::json& j, const char* key) {
    static const nlohmann::json empty = nlohmann::json::array();
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return empty;
    if (!it->is_array()) throw BadField{QStringLiteral("\"%1\" is not a list").arg(QLatin1String(key))};
    return *it;
}

/// A list of numbers; null (how a NaN is written) reads back as NaN.
std::vector<double> numbers(const nlohmann::json& j, const char* key) {
    std::vector<double> out;
    for (const auto& v : list(j, key)) {
        if (v.is_null()) out.push_back(std::numeric_limits<double>::quiet_NaN());
        else if (v.is_number()) out.push_back(v.get<double>());
        else throw BadField{QStringLiteral("\"%1\" holds something other than numbers").arg(QLatin1String(key))};
    }
    return out;
}

ModeExplanation readMode(const nlohmann::json& j) {
    if (!j.is_object()) throw BadField{QStringLiteral("a mode is not an object")};
    ModeExplanation m;
    m.text = text(j, "explanation");
    m.label = text(j, "label");
    const auto p = j.find("pattern");
    if (p != j.end() && !p->is_null()) {
        auto pattern = patternFromJson(*p);
        if (!pattern) throw BadField{QStringLiteral("pattern: %1").arg(pattern.error())};
        m.pattern = *pattern;
    }
    return m;
}

TestScores readScores(const nlohmann::json& j, const std::string& prefix) {
    TestScores s;
    s.score = field<double>(j, (prefix + "score").c_str(), 0.0);
    s.randomScore = field<double>(j, (prefix + "random_score").c_str(), 0.0);
    s.novelScore = optionalNumber(j, (prefix + "novel_score").c_str());
    s.f1 = optionalNumber(j, (prefix + "f1").c_str());
    s.auprc = optionalNumber(j, (prefix + "auprc").c_str());
    s.length = field<int>(j, (prefix + "length").c_str(), 0);
    return s;
}

}  // namespace

Expected<ModeExplanation> modeExplanationFromJson(const nlohmann::json& j) {
    try {
        return readMode(j);
    } catch (const BadField& e) {
        return makeError(QStringLiteral("mode explanation: %1").arg(e.what));
    }
}

Expected<LoopResult> loopResultFromJson(const nlohmann::json& j) {
    if (!j.is_object()) return makeError(QStringLiteral("a loop result must be a JSON object"));
    LoopResult r;
    try {
        r.neuron = text(j, "neuron");
        r.backend = text(j, "backend");
        r.parameters = j.value("parameters", nlohmann::json::object());
        r.seed = field<uint64_t>(j, "seed", 0);
        r.loop = readScores(j, "");
        r.baseline = readScores(j, "baseline_");
        r.baselineValidScore = field<double>(j, "baseline_valid_score", 0.0);
        r.baselinePerModeBudgetScore = field<double>(j, "baseline_per_mode_budget_score", 0.0);
        if (j.contains("baseline") && !j["baseline"].is_null()) r.baselineExplanation = readMode(j["baseline"]);
        if (j.contains("baseline_per_mode_budget") && !j["baseline_per_mode_budget"].is_null())
            r.perModeBudgetExplanation = readMode(j["baseline_per_mode_budget"]);
        for (const auto& m : list(j, "modes")) {
            ModeResult mode;
            mode.explanation = readMode(m);
            mode.score = optionalNumber(m, "score");
            mode.validScore = field<double>(m, "valid_score", 0.0);
            mode.exemplarCount = field<int>(m, "exemplar_count", 0);
            mode.componentCount = field<int>(m, "component_count", 0);
            mode.length = field<int>(m, "length", 0);
            r.modes.push_back(std::move(mode));
        }
        for (const auto& i : list(j, "iterations")) {
            IterationResult it;
            it.index = field<int>(i, "index", 0);
            it.validScore = field<double>(i, "valid_score", 0.0);
            it.modeScores = numbers(i, "mode_scores");
            it.change = text(i, "change");
            it.kept = field<bool>(i, "kept", false);
            it.length = field<int>(i, "length", 0);
            for (const auto& m : list(i, "modes")) it.modes.push_back(readMode(m));
            r.iterations.push_back(std::move(it));
        }
        for (const auto& c : list(j, "components")) {
            ComponentPoint p;
            p.window = field<int64_t>(c, "window", -1);
            p.position = field<int>(c, "position", 0);
            p.trigger = text(c, "trigger");
            p.activation = field<double>(c, "activation", 0.0);
            p.alone = field<double>(c, "alone", 0.0);
            p.mode = field<int>(c, "mode", -1);
            const std::vector<double> map = numbers(c, "map");
            if (map.size() == 2) p.mapped = true, p.mapX = map[0], p.mapY = map[1];
            for (const auto& t : list(c, "context"))
                p.context.push_back({field<int>(t, "offset", 1), text(t, "token"), field<double>(t, "drop", 0.0)});
            r.points.push_back(std::move(p));
        }
        r.stopped = text(j, "stopped");
        r.seconds = field<double>(j, "seconds", 0.0);
        // A partial run not scored on test has a null score.
        r.testScored = !j.contains("score") || !j["score"].is_null();
        if (j.contains("requests")) {
            const nlohmann::json tokens = j.value("tokens", nlohmann::json::object());
            r.usage = BackendUsage{field<int64_t>(j, "requests", 0), field<int64_t>(tokens, "prompt", 0),
                                   field<int64_t>(tokens, "completion", 0)};
        }
    } catch (const BadField& e) {
        return makeError(QStringLiteral("loop result: %1").arg(e.what));
    }
    return r;
}

}  // namespace ns
