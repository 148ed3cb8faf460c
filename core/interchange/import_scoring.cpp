#include "interchange/import_scoring.h"

#include "agents/backend.h"
#include "agents/explain_session.h"
#include "agents/pattern_text.h"
#include "interchange/neuron_export.h"
#include "model/language_model.h"
#include "store/cache_db.h"

namespace ns {

Expected<ImportScore> scoreImported(ExplainSession& session, CacheDb& db, const ForeignExplanation& imported, Backend* textSimulator) {
    ImportScore out;
    out.imported = imported;
    const auto& config = session.model().config();
    if (imported.layer < 0 || imported.layer >= config.nLayer || imported.neuron < 0 || imported.neuron >= config.nInner) {
        out.note = QStringLiteral("the model has no neuron %1/%2 (%3 layers of %4 neurons)")
                       .arg(imported.layer).arg(imported.neuron).arg(config.nLayer).arg(config.nInner);
        return out;
    }
    auto corpus = session.corpusHash();
    if (!corpus) return Error{corpus.error()};
    auto stored = db.latestExplanation(session.model().fingerprint(), *corpus, imported.layer, imported.neuron);
    if (!stored) return Error{stored.error()};
    if (stored->has_value()) {
        const nlohmann::json& result = (*stored)->result;
        out.seed = result.value("seed", uint64_t(0));
        auto reviews = db.reviews(session.model().fingerprint(), *corpus, imported.layer, imported.neuron);
        if (!reviews) return Error{reviews.error()};
        NeuronExport own;
        own.layer = imported.layer;
        own.neuron = imported.neuron;
        if (auto ok = describeExplanation(session, result, *reviews, own); !ok) return Error{ok.error()};
        out.ownExplanation = own.explanation;
        out.ownScore = own.score;
    }

    std::vector<ModeExplanation> modes;
    auto patterns = parsePatternText(imported.text);
    if (patterns) {
        for (const ModePattern& p : *patterns) modes.push_back({renderPattern(p), p});
        out.simulatedBy = QStringLiteral("pattern");
    } else if (textSimulator) {
        modes.push_back({imported.text, std::nullopt});
        out.simulatedBy = QStringLiteral("llm");
    } else {
        out.note = QStringLiteral("free text: only an LLM simulator can score it (--backend openai)");
        return out;
    }
    auto score = session.rescore({imported.layer, imported.neuron, {}}, modes, out.seed, textSimulator);
    if (!score) {
        out.simulatedBy.clear();
        out.note = score.error();
        return out;
    }
    out.score = *score;
    return out;
}

}  // namespace ns
