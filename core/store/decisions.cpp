#include "store/decisions.h"

#include <QStringList>

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

DecisionSummary summarizeDecisions(const std::vector<Review>& latest) {
    DecisionSummary s;
    s.modes = static_cast<int>(latest.size());
    for (const Review& r : latest) {
        s.approved += r.status == decision::approved;
        s.rejected += r.status == decision::rejected;
        s.edited += r.status == decision::edited;
    }
    return s;
}

QString DecisionSummary::text() const {
    QStringList parts;
    if (approved) parts << QStringLiteral("%1 approved").arg(approved);
    if (edited) parts << QStringLiteral("%1 edited").arg(edited);
    if (rejected) parts << QStringLiteral("%1 rejected").arg(rejected);
    if (parts.isEmpty()) return QStringLiteral("none decided of %1").arg(modes);
    return QStringLiteral("%1 of %2").arg(parts.join(QStringLiteral(", "))).arg(modes);
}

double DecisionSummary::sortKey() const {
    if (modes <= 0) return 0;
    return static_cast<double>(decided()) / modes + 1e-3 * static_cast<double>(approved) / modes;
}

bool matchesDecisionFilter(const DecisionSummary& s, DecisionFilter filter) {
    switch (filter) {
    case DecisionFilter::Any: return true;
    case DecisionFilter::Undecided: return s.undecided() > 0;
    case DecisionFilter::Rejected: return s.rejected > 0;
    case DecisionFilter::Edited: return s.edited > 0;
    case DecisionFilter::FullyApproved: return s.modes > 0 && s.approved == s.modes;
    case DecisionFilter::FullyDecided: return s.modes > 0 && s.undecided() == 0;
    }
    return false;
}

QString neuronStatus(const std::vector<Review>& latest) {
    const DecisionSummary s = summarizeDecisions(latest);
    if (s.decided() == 0) return QStringLiteral("explained");
    if (s.rejected) return QStringLiteral("rejected");
    if (s.edited) return QStringLiteral("edited");
    if (s.approved == s.modes) return QStringLiteral("approved");
    return QStringLiteral("partly approved");
}

}  // namespace ns
