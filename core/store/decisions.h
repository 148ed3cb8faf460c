#pragma once

#include "store/cache_db.h"
#include "store/decision_summary.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace ns {

/// The statuses a person's decision about a mode can have (Review::status).
namespace decision {
inline const QString approved = QStringLiteral("approved");
inline const QString edited = QStringLiteral("edited");
inline const QString rejected = QStringLiteral("rejected");
}  // namespace decision

/// The decisions about one run (Review::explanationId == runId), oldest first as given.
/// Decisions about other runs of the same neuron stay in the history but never apply here.
std::vector<Review> decisionsOfRun(const std::vector<Review>& reviews, int64_t runId);

/// The latest decision about each of `modes` modes of run `runId` (a Review with an empty
/// status where none was made); `reviews` oldest first, as CacheDb::reviews gives them.
std::vector<Review> latestDecisions(size_t modes, const std::vector<Review>& reviews, int64_t runId);

/// Counts the latest decision per mode (latestDecisions) of one run.
DecisionSummary summarizeDecisions(const std::vector<Review>& latestPerMode);

/// Which explained neurons the browser lists, by what people decided about their latest run.
enum class DecisionFilter { Any, Undecided, Rejected, Edited, FullyApproved, FullyDecided };
/// Any: every summary; Undecided: some mode without a decision; Rejected / Edited: some mode
/// rejected / edited; FullyApproved: every mode approved; FullyDecided: no mode left.
bool matchesDecisionFilter(const DecisionSummary& summary, DecisionFilter filter);

/// A neuron's status in one word from the latest decision per mode of its current run (CSV and
/// JSON exports): "explained" (none yet), "rejected" (any mode rejected), "approved" (every
/// mode approved), "edited" (any edit), else "partly approved".
QString neuronStatus(const std::vector<Review>& latestPerMode);

}  // namespace ns
