#include "store/decisions.h"

namespace ns {

std::vector<Review> decisionsOfRun(const std::vector<Review>& reviews, int64_t runId) {
    std::vector<Review> out;
    for (const Review& r : reviews)
        if (r.explanationId == runId) out.push_back(r);
    return out;
}

std::vector<Review> latestDecisions(size_t modes, const std::vector<Review>& reviews, int64_t runId) {
    std::vector<Review> out(modes);
    for (const Review& r : reviews)
        if (r.explanationId == runId && r.mode >= 0 && static_cast<size_t>(r.mode) < modes) out[static_cast<size_t>(r.mode)] = r;
    return out;
}

QString neuronStatus(const std::vector<Review>& latest) {
    int approved = 0, rejected = 0, edited = 0, decided = 0;
    for (const Review& r : latest) {
        if (r.status.isEmpty()) continue;
        ++decided;
        approved += r.status == decision::approved;
        rejected += r.status == decision::rejected;
        edited += r.status == decision::edited;
    }
    if (decided == 0) return QStringLiteral("explained");
    if (rejected) return QStringLiteral("rejected");
    if (edited) return QStringLiteral("edited");
    if (approved == static_cast<int>(latest.size())) return QStringLiteral("approved");
    return QStringLiteral("partly approved");
}

}  // namespace ns
