#include "agents/orchestrator.h"

#include "activations/corpus_windows.h"
#include "agents/activation_source.h"
#include "agents/description_length.h"
#include "agents/loop_run.h"
#include "agents/loop_scorer.h"
#include "agents/refiner.h"
#include "agents/mode_selection.h"
#include "agents/mode_clusterer.h"
#include "agents/pattern_fitter.h"
#include "agents/pattern_text.h"
#include "agents/splits.h"
#include "agents/token_table.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace ns {


Orchestrator::Orchestrator(const ActivationSource& source, const Representer& representer,
                           std::shared_ptr<const TokenTable> table, std::shared_ptr<const CorpusWindows> corpus,
                           Backend& backend, int fillerToken)
    : m_source(source), m_representer(representer), m_table(std::move(table)), m_corpus(std::move(corpus)),
      m_backend(backend), m_filler(fillerToken) {}

Expected<LoopResult> Orchestrator::run(const NeuronRecord& record, const LoopOptions& o,
                                       const std::function<void(const LoopEvent&)>& listener,
                                       const std::atomic<bool>* cancel) {
    QElapsedTimer timer;
    timer.start();
    m_backend.setCancelFlag(cancel);
    LoopRun run(m_source, m_representer, *m_table, m_corpus.get(), m_backend, m_filler, o, listener, cancel);
    const auto cancelled = [] { return makeError(QStringLiteral("cancelled")); };
    LoopResult out;
    out.neuron = m_source.label();
    out.backend = m_backend.name();
    out.parameters = {{"loop", o.toJson()}, {"backend", m_backend.parameters()}};
    out.seed = o.seed;
    const std::optional<BackendUsage> usageBefore = m_backend.usage();

    // 1. Splits.
    run.advance(0, QStringLiteral("splitting the exemplars"));
    run.splits = splitRecord(record, o.seed);
    if (auto enough = checkSplits(run.splits); !enough) return Error{enough.error()};
    run.evidence = run.splits.train;
    out.splits = splitsToJson(run.splits);
    run.note("splitter", QStringLiteral("%1 train, %2 valid and %3 test exemplars, split by document")
                             .arg(run.splits.train.size()).arg(run.splits.valid.size()).arg(run.splits.test.size()));
    if (run.stopped()) return cancelled();

    // 2. Atomic components, and the representations the clusterer and the per-mode scores use.
    run.advance(1, QStringLiteral("finding components by ablation"));
    auto comps = decompose(run.splits.train, m_source, m_filler, o.decompose);
    if (!comps) return Error{comps.error()};
    run.components = std::move(*comps);
    if (auto r = run.represent(); !r) return Error{r.error()};
    {
        nlohmann::json list = nlohmann::json::array();
        for (const AtomicComponent& c : run.components) list.push_back(componentToJson(c, *m_table));
        run.note("decomposer", QStringLiteral("%1 atomic components from ablating up to %2 context tokens each")
                                   .arg(run.components.size()).arg(o.decompose.lookback),
                 {{"components", list}});
    }
    if (run.stopped()) return cancelled();

    // 3. Single-pass baselines: the same explainer, once, on the same train exemplars, one mode.
    // The headline one is bound only by the loop's total length budget; the former one (one
    // mode of at most perModeBudgetLiterals tokens) is reported beside it.
    const auto singlePass = [&](int maxLength, int maxLiterals) -> Expected<ModeExplanation> {
        ModeRequest req;
        req.evidence = &run.splits.train;
        req.singlePass = true;
        req.maxLength = maxLength;
        req.maxLiterals = maxLiterals;
        req.unitGain = o.fitUnitGain;
        req.triggerKeys = firingKeys(*m_table, run.splits.train, o.decompose.threshold, 48);
        return m_backend.explain(req);
    };
    run.advance(2, QStringLiteral("single-pass baseline"));
    {
        auto e = singlePass(o.lengthBudget, o.lengthBudget);
        if (!e) return Error{e.error()};
        out.baselineExplanation = *e;
        auto v = run.score({out.baselineExplanation}, run.splits.valid, run.validMemo);
        if (!v) return Error{v.error()};
        out.baselineValidScore = *v;
        auto old = singlePass(1 << 16, o.perModeBudgetLiterals);
        if (!old) return Error{old.error()};
        out.perModeBudgetExplanation = *old;
        run.note("explainer", QStringLiteral("single-pass baseline (length %1 of %2): valid r = %3")
                                  .arg(modeLength(*e)).arg(o.lengthBudget).arg(*v, 0, 'f', 3),
                 {{"explanation", e->text.toStdString()}, {"valid_score", *v}, {"length", modeLength(*e)},
                  {"per_mode_budget_explanation", old->text.toStdString()}});
    }
    if (run.stopped()) return cancelled();

    // 4. Modes: cluster the components for k = 1..K and explain each clustering within the one
    // budget; the acceptance rule's merit and the clusterings' structure choose k
    // (mode_selection.h): one mode unless some clustering is clearly structured.
    std::vector<ModeExplanation> modes;
    std::vector<int> labels(run.components.size(), 0);
    double current = 0;
    run.advance(3, QStringLiteral("choosing modes"));
    if (!run.components.empty()) {
        auto chosen = chooseModes(run);
        if (!chosen) return Error{chosen.error()};
        modes = chosen->modes;
        labels = chosen->labels;
        current = chosen->valid;
        out.stopped = chosen->stopped;
    }
    // Component labels follow the explanation order: explainClusters explains by cluster mass.
    {
        std::vector<std::pair<double, int>> order;
        std::map<int, double> mass;
        for (size_t c = 0; c < run.components.size(); ++c) mass[labels[c]] += run.components[c].activation;
        for (const auto& [l, m] : mass) order.push_back({-m, l});
        std::sort(order.begin(), order.end());
        std::map<int, int> rank;
        for (size_t i = 0; i < order.size(); ++i) rank[order[i].second] = static_cast<int>(i);
        for (size_t c = 0; c < run.components.size(); ++c) run.components[c].mode = rank[labels[c]];
    }
    for (size_t m = 0; m < modes.size(); ++m)
        run.note("explainer", QStringLiteral("mode %1: %2").arg(m + 1).arg(modes[m].text));
    if (run.stopped()) return cancelled();

    auto reportIteration = [&](int index, const QString& change, bool kept) -> Expected<void> {
        auto ms = run.modeScores(modes, run.splits.valid, run.validReps, run.validMemo);
        if (!ms) return Error{ms.error()};
        out.iterations.push_back({index, current, *ms, change, kept, modes, explanationLength(modes)});
        LoopEvent e;
        e.kind = LoopEvent::Kind::Iteration;
        e.role = QStringLiteral("scorer");
        e.message = change;
        e.iteration = index;
        e.validScore = current;
        e.modeScores = *ms;
        e.baselineValidScore = out.baselineValidScore;
        e.kept = kept;
        run.emit(e);
        return {};
    };
    if (auto r = reportIteration(0, QStringLiteral("first explanation"), true); !r) return Error{r.error()};

    // 5. Refinement.
    if (o.maxIterations > 0 && out.stopped.isEmpty()) {
        run.advance(4, QStringLiteral("probing the vocabulary"));
        if (auto r = run.scanVocabulary(); !r) return Error{r.error()};
    }
    // A backend that fails here (an LLM server gone, answers that stay malformed) stops the
    // refinement; the loop finishes with the explanation it has and says why.
    for (int it = 1; it <= o.maxIterations && !modes.empty() && out.stopped.isEmpty(); ++it) {
        run.advance(3 + it, QStringLiteral("iteration %1 of %2").arg(it).arg(o.maxIterations));
        auto step = refineOnce(run, modes, current, it);
        if (!step) {
            if (run.stopped()) return cancelled();
            out.stopped = step.error();
            run.note("refiner", QStringLiteral("refinement stopped: %1").arg(step.error()));
            break;
        }
        if (auto r = reportIteration(it, step->change, step->kept); !r) return Error{r.error()};
        if (!step->kept) break;
    }

    // 6. Test: the headline, per mode, single-pass at equal length, random alone, and the
    // scores beside Pearson (loop_scorer.h).
    run.advance(loopSteps(o) - 1, QStringLiteral("scoring on test"));
    {
        const double recordMax = recordMaximum(run.splits, record.stats.max);
        auto whole = [&](const std::vector<ModeExplanation>& ms) -> Expected<TestScores> {
            auto v = run.simulation(ms, run.splits.valid, run.validMemo);
            if (!v) return Error{v.error()};
            auto t = run.simulation(ms, run.splits.test, run.testMemo);
            if (!t) return Error{t.error()};
            return testScores(run.splits, *v, *t, recordMax, explanationLength(ms));
        };
        // A backend that fails here leaves the explanation unscored on test, with the reason.
        std::vector<int> counts;
        auto scoreOnTest = [&]() -> Expected<std::vector<double>> {
            auto loopScores = whole(modes);
            if (!loopScores) return Error{loopScores.error()};
            out.loop = *loopScores;
            auto baseScores = whole({out.baselineExplanation});
            if (!baseScores) return Error{baseScores.error()};
            out.baseline = *baseScores;
            auto old = run.score({out.perModeBudgetExplanation}, run.splits.test, run.testMemo);
            if (!old) return Error{old.error()};
            out.baselinePerModeBudgetScore = *old;
            return run.modeScores(modes, run.splits.test, run.testReps, run.testMemo, &counts);
        };
        auto ms = scoreOnTest();
        if (!ms) {
            if (run.stopped()) return cancelled();
            out.testScored = false;
            if (out.stopped.isEmpty()) out.stopped = ms.error();
            out.loop.length = explanationLength(modes);
            out.baseline.length = explanationLength({out.baselineExplanation});
            counts.assign(modes.size(), 0);
            run.note("scorer", QStringLiteral("not scored on test: %1").arg(ms.error()));
        }
        const auto& last = out.iterations.back().modeScores;
        for (size_t m = 0; m < modes.size(); ++m) {
            ModeResult r;
            r.explanation = modes[m];
            // A mode no test exemplar is assigned to is scored on random exemplars alone:
            // that says nothing about the mode, so it has no score.
            if (ms && counts[m] > 0) r.score = (*ms)[m];
            r.validScore = m < last.size() ? last[m] : 0;
            r.exemplarCount = counts[m];
            r.length = modeLength(modes[m]);
            for (const AtomicComponent& c : run.components) r.componentCount += c.mode == static_cast<int>(m);
            out.modes.push_back(r);
        }
        if (out.testScored)
            run.note("scorer", QStringLiteral("test r = %1 at length %2 (single-pass %3 at length %4, random only %5)")
                                   .arg(out.loop.score, 0, 'f', 3).arg(out.loop.length).arg(out.baseline.score, 0, 'f', 3)
                                   .arg(out.baseline.length).arg(out.loop.randomScore, 0, 'f', 3));
    }
    {
        std::vector<std::vector<float>> reps;
        for (const AtomicComponent& c : run.components) reps.push_back(c.representation);
        const auto plane = principalPlane(reps);
        for (size_t i = 0; i < plane.size(); ++i) run.components[i].mapX = plane[i].first, run.components[i].mapY = plane[i].second;
    }
    out.components = run.components;
    out.transcript = std::move(run.transcript);
    out.seconds = timer.elapsed() / 1000.0;
    if (const auto after = m_backend.usage(); after && usageBefore)
        out.usage = BackendUsage{after->requests - usageBefore->requests, after->promptTokens - usageBefore->promptTokens,
                                 after->completionTokens - usageBefore->completionTokens};
    return out;
}

}  // namespace ns
