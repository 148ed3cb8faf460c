#pragma once

#include "agents/explanation.h"
#include "agents/loop_types.h"
#include "store/cache_db.h"
#include "store/decisions.h"
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

/// A run's modes with `latest` (the latest decision per mode, latestDecisions) applied: an
/// edited mode takes the edit's text and pattern, a rejected mode is left out.
Expected<std::vector<DecidedMode>> decidedModes(const std::vector<ModeResult>& modes, const std::vector<Review>& latest);

/// The modes of a stored run with each mode's latest decision about that run applied
/// (latestDecisions, store/decisions.h): an edited mode takes the edit's text and pattern, a
/// rejected mode is left out. Decisions about other runs do not apply.
Expected<std::vector<DecidedMode>> decidedModes(const nlohmann::json& result, const std::vector<Review>& reviews, int64_t runId);

}  // namespace ns
