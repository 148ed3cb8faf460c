#include "interchange/decided_explanation.h"

namespace ns {

Expected<std::vector<DecidedMode>> decidedModes(const std::vector<ModeResult>& modes, const std::vector<Review>& latest) {
    std::vector<DecidedMode> out;
    for (size_t m = 0; m < modes.size(); ++m) {
        const Review* made = m < latest.size() && !latest[m].status.isEmpty() ? &latest[m] : nullptr;
        if (made && made->status == decision::rejected) continue;
        DecidedMode d;
        d.mode = static_cast<int>(m);
        d.status = made ? made->status : QStringLiteral("proposed");
        d.author = made ? made->author : QStringLiteral("agent");
        d.explanation = modes[m].explanation;
        if (made && made->status == decision::edited) {
            d.explanation.text = made->text;
            // The agent's label named the agent's mode; an edit is named by its own words.
            d.explanation.label.clear();
            d.explanation.pattern.reset();
            if (!made->pattern.isEmpty()) {
                auto p = patternFromJson(nlohmann::json::parse(made->pattern.toStdString(), nullptr, false));
                if (!p) return makeError(QStringLiteral("mode %1's edited pattern: %2").arg(m + 1).arg(p.error()));
                d.explanation.pattern = *p;
            }
        }
        out.push_back(std::move(d));
    }
    return out;
}

Expected<std::vector<DecidedMode>> decidedModes(const nlohmann::json& result, const std::vector<Review>& reviews, int64_t runId) {
    auto typed = loopResultFromJson(result);
    if (!typed) return Error{typed.error()};
    return decidedModes(typed->modes, latestDecisions(typed->modes.size(), reviews, runId));
}

}  // namespace ns
