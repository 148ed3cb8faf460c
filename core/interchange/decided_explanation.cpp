#include "interchange/decided_explanation.h"

#include <algorithm>

namespace ns {

bool editChangesPattern(const ModeExplanation& proposed, const Review& edit) {
    if (edit.pattern.trimmed().isEmpty()) return false;
    auto p = patternFromJson(nlohmann::json::parse(edit.pattern.toStdString(), nullptr, false));
    if (!p) return true;
    return !proposed.pattern || patternToJson(*p) != patternToJson(*proposed.pattern);
}

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
        if (made && carriesEdit(modes[m].explanation, *made)) {
            d.explanation.text = made->text;
            // The agent's label named the agent's mode; an edit is named by its own words.
            d.explanation.label.clear();
            d.explanation.pattern.reset();
            d.patternChanged = editChangesPattern(modes[m].explanation, *made);
            if (d.patternChanged) {
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

bool carriesEdit(const ModeExplanation& proposed, const Review& v) {
    return v.status == decision::edited || (v.status == decision::approved && !v.text.isEmpty() && v.text != proposed.text);
}

bool decisionScoreHolds(const std::vector<ModeResult>& modes, const Review& v) {
    if (v.status != decision::edited || v.mode < 0 || static_cast<size_t>(v.mode) >= modes.size()) return true;
    const ModeExplanation& proposed = modes[static_cast<size_t>(v.mode)].explanation;
    // Same pattern, new text: the score was the old pattern's. No pattern: the LLM simulator's.
    return v.pattern.trimmed().isEmpty() || editChangesPattern(proposed, v);
}

Review scoredDecision(const std::vector<Review>& reviews, const Review& latest) {
    Review out = latest;
    if (latest.status != decision::approved) return out;
    for (const Review& v : reviews)
        if (v.explanationId == latest.explanationId && v.mode == latest.mode && v.status == decision::edited && v.text == latest.text)
            out = v;
    return out;
}

std::optional<double> decidedWholeScore(const LoopResult& run, const std::vector<Review>& reviews) {
    const auto ofRun = decisionsOfRun(reviews, run.runId);
    const auto latestChange = std::find_if(ofRun.rbegin(), ofRun.rend(), [](const Review& v) {
        return v.status == decision::edited || v.status == decision::rejected;
    });
    if (latestChange == ofRun.rend()) return run.testScored ? std::optional<double>(run.loop.score) : std::nullopt;
    if (!latestChange->scored || !decisionScoreHolds(run.modes, *latestChange)) return std::nullopt;
    // It scored the explanation as it stood then; a later approval of a rejected mode changed it.
    const std::vector<Review> upToChange(ofRun.begin(), latestChange.base());
    auto then = decidedModes(run.modes, latestDecisions(run.modes.size(), upToChange, run.runId));
    auto now = decidedModes(run.modes, latestDecisions(run.modes.size(), ofRun, run.runId));
    if (!then || !now || then->size() != now->size()) return std::nullopt;
    for (size_t i = 0; i < now->size(); ++i) {
        const ModeExplanation &a = (*then)[i].explanation, &b = (*now)[i].explanation;
        if ((*then)[i].mode != (*now)[i].mode || a.text != b.text || a.pattern.has_value() != b.pattern.has_value() ||
            (a.pattern && patternToJson(*a.pattern) != patternToJson(*b.pattern)))
            return std::nullopt;
    }
    return latestChange->score;
}

}  // namespace ns
