#include "store/mined_layers.h"

#include "activations/corpus_reader.h"
#include "model/language_model.h"

#include <QFileInfo>

namespace ns {

Expected<std::optional<MinedLayer>> findMinedLayer(CacheDb& db, const LanguageModel& model, const QString& corpusPath,
                                                   const MineOptions& options) {
    auto corpusHash = hashFile(corpusPath);
    if (!corpusHash) return Error{corpusHash.error()};
    auto found = db.findLayer({model.fingerprint(), *corpusHash, options.layer, options.key()});
    if (!found) return Error{found.error()};
    if (!found->has_value()) return std::optional<MinedLayer>{};
    return std::optional<MinedLayer>{MinedLayer{(*found)->id, **found, true}};
}

Expected<MinedLayer> obtainMinedLayer(CacheDb& db, const LanguageModel& model, const QString& corpusPath,
                                      const MineOptions& options,
                                      const std::function<bool(const MiningProgress&)>& progress, bool recompute) {
    auto corpusHash = hashFile(corpusPath);
    if (!corpusHash) return Error{corpusHash.error()};
    const LayerKey key{model.fingerprint(), *corpusHash, options.layer, options.key()};
    if (!recompute) {
        auto found = db.findLayer(key);
        if (!found) return Error{found.error()};
        if (found->has_value()) return MinedLayer{(*found)->id, **found, true};
    }
    auto records = mineLayer(model, corpusPath, options, progress);
    if (!records) return Error{records.error()};
    auto id = db.storeLayer(key, *records, model.directory(), QFileInfo(corpusPath).absoluteFilePath());
    if (!id) return Error{id.error()};
    MinedLayer out;
    out.layerId = *id;
    out.info = MinedLayerInfo{*id, records->tokens, records->windows, records->documents, records->seconds, {}};
    return out;
}

}  // namespace ns
