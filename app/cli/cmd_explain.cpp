#include "agents/explanation.h"
#include "commands.h"
#include "explain_common.h"

#include "agents/builtin_backend.h"
#include "agents/explain_session.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "util/resource_paths.h"

#include <QElapsedTimer>

#include <algorithm>
#include <map>
#include <csignal>
#include <numeric>
#include <random>

namespace ns::cli {
namespace {

void printEvent(const LoopEvent& e) {
    if (e.kind == LoopEvent::Kind::Iteration)
        progressLine(QStringLiteral("  iteration %1: valid r = %2 (%3)").arg(e.iteration).arg(e.validScore, 0, 'f', 3).arg(e.message));
    else
        progressLine(QStringLiteral("  %1: %2").arg(e.role, e.message));
}

/// The command's JSON for one run (the keys scripts read are pinned: README, "Output"; the
/// stored result has more).
nlohmann::json summary(const nlohmann::json& r, double seconds, bool cached) {
    nlohmann::json modes = nlohmann::json::array();
    for (const auto& m : r.at("modes"))
        modes.push_back({{"label", m.contains("label") ? m.at("label").get<std::string>()
                                                       : clipLabel(QString::fromStdString(m.at("explanation").get<std::string>())).toStdString()},
                         {"explanation", m.at("explanation")}, {"pattern", m.at("pattern")}, {"length", m.at("length")},
                         {"score", m.at("score")}, {"exemplar_count", m.at("exemplar_count")}});
    nlohmann::json its = nlohmann::json::array();
    for (const auto& i : r.at("iterations"))
        its.push_back({{"index", i.at("index")}, {"valid_score", i.at("valid_score")}, {"length", i.at("length")},
                       {"mode_scores", i.at("mode_scores")}});
    nlohmann::json j{{"neuron", r.at("neuron")}, {"modes", modes}, {"iterations", its},
                     {"baseline", r.at("baseline").at("explanation")}, {"backend", r.at("backend")},
                     {"seconds", seconds}, {"cached", cached}};
    for (const char* key : {"score", "random_score", "novel_score", "f1", "auprc", "length", "baseline_score",
                            "baseline_random_score", "baseline_novel_score", "baseline_f1", "baseline_auprc",
                            "baseline_length", "baseline_per_mode_budget_score"})
        j[key] = r.at(key);
    for (const char* key : {"stopped", "requests", "tokens"})
        if (r.contains(key)) j[key] = r.at(key);
    return j;
}

/// Mean of the numbers among `values` (nulls skipped); null when there are none.
nlohmann::json meanOf(const std::vector<nlohmann::json>& values) {
    double sum = 0;
    int n = 0;
    for (const auto& v : values)
        if (v.is_number()) sum += v.get<double>(), ++n;
    return n ? nlohmann::json(sum / n) : nlohmann::json();
}

/// `evaluate` at one length budget: every neuron's figures and the summary.
Expected<nlohmann::json> evaluateAt(Session& s, int layer, const std::vector<int>& neurons, int budget, bool recompute) {
    LoopOptions options = s.loop;
    options.lengthBudget = budget;
    // The per-neuron keys, loop and single-pass side by side.
    static const char* kKeys[] = {"score", "baseline_score", "random_score", "baseline_random_score", "novel_score",
                                  "baseline_novel_score", "f1", "baseline_f1", "auprc", "baseline_auprc", "length",
                                  "baseline_length", "baseline_per_mode_budget_score"};
    nlohmann::json list = nlohmann::json::array();
    std::map<std::string, std::vector<nlohmann::json>> column;
    std::map<int, int> modesHistogram;
    int wins = 0, partial = 0, scored = 0;
    for (int n : neurons) {
        auto out = s.session->explain({layer, n, {}}, *s.backend, options, recompute, {}, &g_cancel, miningProgress());
        if (!out) return Error{QStringLiteral("neuron %1/%2: %3").arg(layer).arg(n).arg(out.error())};
        const auto& r = out->result;
        if (out->partial) {
            // Cut short by a failing server: listed with its reason, left out of the means.
            ++partial;
            list.push_back({{"neuron", n}, {"stopped", r.value("stopped", std::string())}, {"cached", out->fromCache}});
            progressLine(QStringLiteral("%1/%2: partial (%3)").arg(layer).arg(n).arg(QString::fromStdString(r.value("stopped", std::string()))));
            continue;
        }
        ++scored;
        nlohmann::json row{{"neuron", n}, {"modes", r.at("modes").size()}, {"seconds", r.value("seconds", 0.0)},
                           {"cached", out->fromCache}};
        for (const char* key : kKeys) row[key] = r.at(key), column[key].push_back(r.at(key));
        column["modes"].push_back(row["modes"]);
        column["seconds"].push_back(row["seconds"]);
        ++modesHistogram[static_cast<int>(r.at("modes").size())];
        wins += r.at("score").get<double>() > r.at("baseline_score").get<double>() ? 1 : 0;
        progressLine(QStringLiteral("%1/%2 (budget %3): loop r = %4 at length %5, single-pass r = %6 at length %7, %8 modes, %9 s%10")
                         .arg(layer).arg(n).arg(budget).arg(r.at("score").get<double>(), 0, 'f', 3).arg(r.at("length").get<int>())
                         .arg(r.at("baseline_score").get<double>(), 0, 'f', 3).arg(r.at("baseline_length").get<int>())
                         .arg(r.at("modes").size()).arg(row["seconds"].get<double>(), 0, 'f', 1)
                         .arg(out->fromCache ? QStringLiteral(" (cached)") : QString()));
        list.push_back(std::move(row));
    }
    const auto mean = [&](const char* key) { return meanOf(column[key]); };
    nlohmann::json histogram = nlohmann::json::object();
    for (const auto& [k, count] : modesHistogram) histogram[std::to_string(k)] = count;
    const double loopMean = mean("score").is_number() ? mean("score").get<double>() : 0.0;
    const double baseMean = mean("baseline_score").is_number() ? mean("baseline_score").get<double>() : 0.0;
    const auto median = [&](const char* key) {
        std::vector<double> v;
        for (const auto& x : column[key]) v.push_back(x.get<double>());
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    nlohmann::json summary{{"loop_mean", loopMean}, {"baseline_mean", baseMean}, {"gain_at_equal_length", loopMean - baseMean},
                           {"loop_median", median("score")}, {"baseline_median", median("baseline_score")},
                           {"baseline_per_mode_budget_mean", mean("baseline_per_mode_budget_score")},
                           {"mean_length", mean("length")}, {"baseline_mean_length", mean("baseline_length")},
                           {"mean_modes", mean("modes")}, {"modes_histogram", histogram},
                           {"mean_random_score", mean("random_score")}, {"baseline_mean_random_score", mean("baseline_random_score")},
                           {"mean_novel_score", mean("novel_score")}, {"baseline_mean_novel_score", mean("baseline_novel_score")},
                           {"mean_f1", mean("f1")}, {"baseline_mean_f1", mean("baseline_f1")},
                           {"mean_auprc", mean("auprc")}, {"baseline_mean_auprc", mean("baseline_auprc")},
                           {"loop_win_rate", static_cast<double>(wins) / static_cast<double>(std::max(1, scored))},
                           {"seconds_per_neuron", mean("seconds")}, {"partial", partial}};
    return nlohmann::json{{"budget", budget}, {"neurons", list}, {"summary", summary}};
}

}  // namespace

int runExplain(const QStringList& args) {
    Command c(QStringLiteral("Explains one neuron with the agent loop (cached; --recompute runs it again). Exit status 0: "
                             "done; 3: a partial result (a failing LLM server cut the run short: the best explanation so far, "
                             "\"stopped\" says why, test scores null when they could not be computed); 1: an error."));
    addSessionOptions(c);
    addTargetOptions(c);
    c.addFlag(QStringLiteral("transcript"), QStringLiteral("Also print the loop's transcript."));
    if (int rc = c.parse(args); rc >= 0) return rc;
    auto target = targetFromOptions(c);
    if (!target) return fail(target.error());
    auto s = openSession(c);
    if (!s) return fail(s.error());
    catchInterrupt();
    QElapsedTimer timer;
    timer.start();
    auto out = s->session->explain(*target, *s->backend, s->loop, c.isSet(QStringLiteral("recompute")), printEvent, &g_cancel,
                                   miningProgress());
    if (!out) return fail(out.error());
    const double seconds = out->fromCache ? 0.0 : out->result.value("seconds", timer.elapsed() / 1000.0);
    nlohmann::json j = summary(out->result, seconds, out->fromCache);
    if (c.isSet(QStringLiteral("transcript"))) j["transcript"] = out->transcript;
    printJson(j);
    return out->partial ? kExitPartial : 0;
}

int runEvaluate(const QStringList& args) {
    Command c(QStringLiteral("Explains N random neurons of a layer and compares the loop with the single-pass baseline at equal length."));
    addSessionOptions(c);
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("sample"), QStringLiteral("How many random neurons (default 50)."), QStringLiteral("N"), QStringLiteral("50"));
    c.addValue(QStringLiteral("budgets"), QStringLiteral("Length budgets to compare at, for example 8,16,32 (default: --budget)."),
               QStringLiteral("B,B,..."));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    auto s = openSession(c);
    if (!s) return fail(s.error());
    auto layer = c.intValue(QStringLiteral("layer"), 0, s->model->config().nLayer - 1);
    if (!layer) return fail(layer.error());
    auto sample = c.intValue(QStringLiteral("sample"), 1, s->model->config().nInner);
    if (!sample) return fail(sample.error());
    std::vector<int> budgets;
    if (c.isSet(QStringLiteral("budgets"))) {
        for (const QString& part : c.value(QStringLiteral("budgets")).split(QLatin1Char(','))) {
            bool ok = false;
            const int b = part.trimmed().toInt(&ok);
            if (!ok || b < 1 || b > 256) return fail(QStringLiteral("--budgets expects whole numbers from 1 to 256, for example 8,16,32"));
            budgets.push_back(b);
        }
    }
    catchInterrupt();
    std::vector<int> neurons(static_cast<size_t>(s->model->config().nInner));
    std::iota(neurons.begin(), neurons.end(), 0);
    std::mt19937_64 rng(s->loop.seed);
    std::shuffle(neurons.begin(), neurons.end(), rng);
    neurons.resize(static_cast<size_t>(*sample));
    std::sort(neurons.begin(), neurons.end());

    nlohmann::json head{{"layer", *layer}, {"sample", *sample}, {"seed", s->loop.seed}, {"backend", s->backend->name().toStdString()}};
    const bool recompute = c.isSet(QStringLiteral("recompute"));
    if (budgets.empty()) {
        auto at = evaluateAt(*s, *layer, neurons, s->loop.lengthBudget, recompute);
        if (!at) return fail(at.error());
        head.update(*at);
    } else {
        head["budgets"] = nlohmann::json::array();
        for (int b : budgets) {
            auto at = evaluateAt(*s, *layer, neurons, b, recompute);
            if (!at) return fail(at.error());
            head["budgets"].push_back(*at);
        }
    }
    printJson(head);
    return 0;
}

}  // namespace ns::cli
