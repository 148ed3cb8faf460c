#pragma once

#include "agents/explanation.h"
#include "agents/loop_types.h"
#include "store/cache_db.h"
#include "store/decisions.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

namespace ns {

/// One mode of an explanation as it stands after people's decisions.
struct DecidedMode {
    int mode = 0;                 ///< its index in the loop's result
    ModeExplanation explanation;
    QString status;               ///< "proposed", "approved" or "edited"
    QString author;               ///< "agent" or "person"
    bool patternChanged = false;  ///< an edit with a pattern of its own (else its text alone stands)
};

/// Whether `edit` gives `proposed` a pattern other than the agents' one. An edit that keeps the
/// proposed pattern (the editor shows it) or names none changed only the text: the agents'
/// pattern no longer describes that text, so it is neither run nor scored for it. Patterns are
/// compared as parsed, so layout and key order do not count; one that does not parse counts as
/// changed (decidedModes reports it).
bool editChangesPattern(const ModeExplanation& proposed, const Review& edit);

/// Whether decision `v` about `proposed` carries an edit: an edit, or an approval of an edited
/// text (the approval keeps the edit's text and pattern).
bool carriesEdit(const ModeExplanation& proposed, const Review& v);

/// A run's modes with `latest` (the latest decision per mode, latestDecisions) applied: a mode
/// that carries an edit (carriesEdit) takes the edit's text, and its pattern only when the edit
/// changed it (editChangesPattern); a rejected mode is left out.
Expected<std::vector<DecidedMode>> decidedModes(const std::vector<ModeResult>& modes, const std::vector<Review>& latest);

/// The modes of a stored run with each mode's latest decision about that run applied
/// (latestDecisions, store/decisions.h): an edited mode takes the edit's text and changed
/// pattern, a rejected mode is left out. Decisions about other runs do not apply.
Expected<std::vector<DecidedMode>> decidedModes(const nlohmann::json& result, const std::vector<Review>& reviews, int64_t runId);

/// Whether the score kept with `decision` (about a mode of `modes`) measures what it claims:
/// false for an edit that kept the proposed pattern with a new text, whose score (from before
/// text-only edits were told apart) is that of the old pattern.
bool decisionScoreHolds(const std::vector<ModeResult>& modes, const Review& decision);

/// The decision whose score stands for `latest`: for an approval of an edited text, the latest
/// edit of that mode with that text among `reviews` (of the same run); else `latest` itself.
Review scoredDecision(const std::vector<Review>& reviews, const Review& latest);

/// The whole explanation's test score as people decided it, from `reviews` (oldest first; those
/// of other runs are ignored): the run's own score when no mode is edited or rejected; else the
/// score kept with the latest edit or rejection, which scored the whole explanation as it then
/// stood, or none when that one was not scored or its score does not hold (decisionScoreHolds).
std::optional<double> decidedWholeScore(const LoopResult& run, const std::vector<Review>& reviews);

}  // namespace ns
