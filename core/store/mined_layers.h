#pragma once

#include "activations/miner.h"
#include "store/cache_db.h"
#include "util/expected.h"

#include <optional>

namespace ns {

class LanguageModel;

struct MinedLayer {
    int64_t layerId = 0;
    MinedLayerInfo info;
    bool fromCache = false;
};

/// The mined layer for this model, corpus and options when the cache has it (reads only).
Expected<std::optional<MinedLayer>> findMinedLayer(CacheDb& db, const LanguageModel& model, const QString& corpusPath,
                                                   const MineOptions& options);

/// The mined layer for this model, corpus and options: from the cache when it is there (never
/// recomputed), else mined now and stored.
Expected<MinedLayer> obtainMinedLayer(CacheDb& db, const LanguageModel& model, const QString& corpusPath,
                                      const MineOptions& options,
                                      const std::function<bool(const MiningProgress&)>& progress = {},
                                      bool recompute = false);

}  // namespace ns
