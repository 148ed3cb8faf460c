#include "interchange/decided_explanation.h"

namespace ns {

std::vector<Review> latestDecisions(size_t modes, const std::vector<Review>& reviews) {
    std::vector<Review> out(modes);
    for (const Review& r : reviews)
        if (r.mode >= 0 && static_cast<size_t>(r.mode) < modes) out[static_cast<size_t>(r.mode)] = r;
    return out;
}

Expected<std::vector<DecidedMode>> decidedModes(const nlohmann::json& result, const std::vector<Review>& reviews) {
    std::vector<DecidedMode> out;
    const auto& modes = result.value("modes", nlohmann::json::array());
    const std::vector<Review> latest = latestDecisions(modes.size(), reviews);
    for (size_t m = 0; m < modes.size(); ++m) {
        const Review* decision = latest[m].status.isEmpty() ? nullptr : &latest[m];
        if (decision && decision->status == QLatin1String("rejected")) continue;
        DecidedMode d;
        d.mode = static_cast<int>(m);
        d.status = decision ? decision->status : QStringLiteral("proposed");
        d.author = decision ? decision->author : QStringLiteral("agent");
        const bool edited = decision && decision->status == QLatin1String("edited");
        nlohmann::json pattern;
        if (edited) {
            d.explanation.text = decision->text;
            if (!decision->pattern.isEmpty()) pattern = nlohmann::json::parse(decision->pattern.toStdString(), nullptr, false);
        } else {
            d.explanation.text = QString::fromStdString(modes[m].value("explanation", std::string()));
            pattern = modes[m].value("pattern", nlohmann::json());
        }
        if (pattern.is_object()) {
            auto p = patternFromJson(pattern);
            if (!p) return makeError(QStringLiteral("mode %1's stored pattern: %2").arg(m + 1).arg(p.error()));
            d.explanation.pattern = *p;
        } else if (!pattern.is_null()) {
            return makeError(QStringLiteral("mode %1's stored pattern is not JSON").arg(m + 1));
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace ns
