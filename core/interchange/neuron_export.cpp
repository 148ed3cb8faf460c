#include "interchange/neuron_export.h"

#include "agents/explain_session.h"
#include "agents/pattern_text.h"
#include "interchange/decided_explanation.h"
#include "store/decisions.h"

#include <QStringList>

#include <algorithm>

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
    const bool asProposed = decided->size() == result.value("modes", nlohmann::json::array()).size() &&
                            std::all_of(decided->begin(), decided->end(), [](const DecidedMode& d) { return d.status != decision::edited; });
    if (asProposed) {
        n.score = optionalNumber(result, "score").value_or(0.0);  // null: a partial run not scored on test
    } else {
        for (auto it = reviews.rbegin(); it != reviews.rend(); ++it)
            if (it->status == decision::edited || it->status == decision::rejected) {
                if (it->scored) n.score = it->score;
                break;
            }
    }
    return {};
}

}  // namespace ns
