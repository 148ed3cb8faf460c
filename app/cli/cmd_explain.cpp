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

/// The command's JSON for one run (the format; the stored result has more).
nlohmann::json summary(const nlohmann::json& r, double seconds, bool cached) {
    nlohmann::json modes = nlohmann::json::array();
    for (const auto& m : r.at("modes"))
        modes.push_back({{"explanation", m.at("explanation")}, {"pattern", m.at("pattern")}, {"score", m.at("score")},
                         {"exemplar_count", m.at("exemplar_count")}});
    nlohmann::json its = nlohmann::json::array();
    for (const auto& i : r.at("iterations"))
        its.push_back({{"index", i.at("index")}, {"valid_score", i.at("valid_score")}, {"mode_scores", i.at("mode_scores")}});
    return {{"neuron", r.at("neuron")}, {"score", r.at("score")}, {"baseline_score", r.at("baseline_score")},
            {"random_score", r.at("random_score")}, {"baseline", r.at("baseline").at("explanation")}, {"modes", modes},
            {"iterations", its}, {"backend", r.at("backend")}, {"seconds", seconds}, {"cached", cached}};
}

}  // namespace

int runExplain(const QStringList& args) {
    Command c(QStringLiteral("Explains one neuron with the agent loop (cached; --recompute runs it again)."));
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
    return 0;
}

int runEvaluate(const QStringList& args) {
    Command c(QStringLiteral("Explains N random neurons of a layer and compares the loop with the single-pass baseline."));
    addSessionOptions(c);
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("sample"), QStringLiteral("How many random neurons (default 50)."), QStringLiteral("N"), QStringLiteral("50"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    auto s = openSession(c);
    if (!s) return fail(s.error());
    auto layer = c.intValue(QStringLiteral("layer"), 0, s->model->config().nLayer - 1);
    if (!layer) return fail(layer.error());
    auto sample = c.intValue(QStringLiteral("sample"), 1, s->model->config().nInner);
    if (!sample) return fail(sample.error());
    catchInterrupt();
    std::vector<int> neurons(static_cast<size_t>(s->model->config().nInner));
    std::iota(neurons.begin(), neurons.end(), 0);
    std::mt19937_64 rng(s->loop.seed);
    std::shuffle(neurons.begin(), neurons.end(), rng);
    neurons.resize(static_cast<size_t>(*sample));
    std::sort(neurons.begin(), neurons.end());

    nlohmann::json list = nlohmann::json::array();
    std::vector<double> loop, base, secs;
    double modes = 0;
    int wins = 0;
    for (int n : neurons) {
        QElapsedTimer timer;
        timer.start();
        auto out = s->session->explain({*layer, n, {}}, *s->backend, s->loop, c.isSet(QStringLiteral("recompute")), {}, &g_cancel,
                                       miningProgress());
        if (!out) return fail(QStringLiteral("neuron %1/%2: %3").arg(*layer).arg(n).arg(out.error()));
        const auto& r = out->result;
        const double t = r.value("seconds", 0.0);
        list.push_back({{"neuron", n}, {"score", r.at("score")}, {"baseline_score", r.at("baseline_score")},
                        {"random_score", r.at("random_score")}, {"modes", r.at("modes").size()}, {"seconds", t},
                        {"cached", out->fromCache}});
        loop.push_back(r.at("score").get<double>());
        base.push_back(r.at("baseline_score").get<double>());
        secs.push_back(t);
        modes += static_cast<double>(r.at("modes").size());
        wins += loop.back() > base.back() ? 1 : 0;
        progressLine(QStringLiteral("%1/%2: loop r = %3, single-pass r = %4, %5 modes, %6 s%7")
                         .arg(*layer).arg(n).arg(loop.back(), 0, 'f', 3).arg(base.back(), 0, 'f', 3).arg(r.at("modes").size())
                         .arg(t, 0, 'f', 1).arg(out->fromCache ? QStringLiteral(" (cached)") : QString()));
    }
    auto mean = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / std::max<size_t>(1, v.size()); };
    auto median = [](std::vector<double> v) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    const double n = static_cast<double>(neurons.size());
    printJson({{"layer", *layer}, {"sample", *sample}, {"seed", s->loop.seed}, {"backend", s->backend->name().toStdString()},
               {"neurons", list},
               {"summary", {{"loop_mean", mean(loop)}, {"loop_median", median(loop)}, {"baseline_mean", mean(base)},
                            {"baseline_median", median(base)}, {"loop_win_rate", wins / n}, {"mean_modes", modes / n},
                            {"seconds_per_neuron", mean(secs)}}}});
    return 0;
}

}  // namespace ns::cli
