#pragma once

#include "agents/explanation.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace ns {

/// One mode of an explanation as it stands after people's decisions.
struct DecidedMode {
    int mode = 0;                 ///< its index in the loop's result
    ModeExplanation explanation;
    QString status;               ///< "proposed", "approved" or "edited"
    QString author;               ///< "agent" or "person"
};

/// The latest decision about each of `modes` modes (a Review with an empty status where none
/// was made); `reviews` come oldest first, as CacheDb::reviews gives them.
std::vector<Review> latestDecisions(size_t modes, const std::vector<Review>& reviews);

/// The loop's modes (a stored result's "modes") with each mode's latest decision applied: an
/// edited mode takes the edit's text and pattern, a rejected mode is left out.
Expected<std::vector<DecidedMode>> decidedModes(const nlohmann::json& result, const std::vector<Review>& reviews);

}  // namespace ns
