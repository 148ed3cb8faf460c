#include "interchange/neuron_export.h"

#include "agents/explain_session.h"
#include "agents/pattern_text.h"
#include "interchange/decided_explanation.h"
#include "store/decisions.h"

#include <QStringList>


namespace ns {

Expected<void> describeExplanation(ExplainSession& session, const StoredExplanation& run, const std::vector<Review>& allReviews,
                                   NeuronExport& n) {
    const nlohmann::json& result = run.result;
    const std::vector<Review> reviews = decisionsOfRun(allReviews, run.id);
    auto decided = decidedModes(result, reviews, run.id);
    if (!decided) return makeError(QStringLiteral("neuron %1/%2: %3").arg(n.layer).arg(n.neuron).arg(decided.error()));
    QStringList sentences;
    std::vector<ModeExplanation> modes;
    bool runnable = true;
    for (const DecidedMode& d : *decided) {
        sentences << (d.explanation.pattern ? renderPattern(*d.explanation.pattern, WeightDigits::Exact) : d.explanation.text);
        runnable = runnable && d.explanation.pattern.has_value();
        modes.push_back(d.explanation);
    }
    n.explanation = sentences.join(QLatin1Char('\n'));
    n.explainer = QStringLiteral("neuronscope:") + QString::fromStdString(result.value("backend", std::string("unknown")));
    if (runnable) {
        auto sim = session.simulateOnTest({n.layer, n.neuron, {}}, modes, result.value("seed", uint64_t(0)), nullptr, run.splits);
        if (!sim) return makeError(QStringLiteral("neuron %1/%2: %3").arg(n.layer).arg(n.neuron).arg(sim.error()));
        n.score = (*sim)->score;
        n.test = std::move((*sim)->samples);
        n.predicted = std::move((*sim)->simulation);
        return {};
    }
    // Text the offline simulator cannot run: the score kept for the explanation as decided.
    auto typed = loopResultFromJson(result);
    if (!typed) return makeError(QStringLiteral("neuron %1/%2: %3").arg(n.layer).arg(n.neuron).arg(typed.error()));
    typed->runId = run.id;
    n.score = decidedWholeScore(*typed, reviews);
    return {};
}

}  // namespace ns
