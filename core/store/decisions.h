#pragma once

#include "store/cache_db.h"

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

/// A neuron's status in the browser from the latest decision per mode of its current run:
/// "explained" (none yet), "rejected" (any mode rejected), "approved" (every mode approved),
/// "edited" (any edit), else "partly approved".
QString neuronStatus(const std::vector<Review>& latestPerMode);

}  // namespace ns
