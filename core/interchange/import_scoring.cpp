#include "interchange/import_scoring.h"

#include "agents/backend.h"
#include "agents/explain_session.h"
#include "agents/pattern_text.h"
#include "interchange/neuron_export.h"
#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QFile>
#include <QFileInfo>

namespace ns {

Expected<ImportScore> scoreImported(ExplainSession& session, CacheDb& db, const ForeignExplanation& imported, Backend* textSimulator,
                                    const ImportMiningProgress& mining) {
    ImportScore out;
    out.imported = imported;
    const auto& config = session.model().config();
    if (imported.layer < 0 || imported.layer >= config.nLayer || imported.neuron < 0 || imported.neuron >= config.nInner) {
        out.note = QStringLiteral("the model has no neuron %1/%2 (%3 layers of %4 neurons)")
                       .arg(imported.layer).arg(imported.neuron).arg(config.nLayer).arg(config.nInner);
        return out;
    }
    // The layer is mined first when the cache lacks it: that is the long part, and it reports.
    if (auto record = session.record({imported.layer, imported.neuron, {}}, mining); !record) return Error{record.error()};
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
        if (auto ok = describeExplanation(session, **stored, *reviews, own); !ok) return Error{ok.error()};
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
        out.note = QStringLiteral("free text: only an LLM simulator can score it (choose the openai backend)");
        return out;
    }
    // On the windows of NeuronScope's latest run, as stored with it.
    const nlohmann::json splits = stored->has_value() ? (*stored)->splits : nlohmann::json();
    auto score = session.rescore({imported.layer, imported.neuron, {}}, modes, out.seed, textSimulator, splits);
    if (!score) {
        out.simulatedBy.clear();
        out.note = score.error();
        return out;
    }
    out.score = *score;
    return out;
}

nlohmann::json importScoreToJson(const ImportScore& r) {
    const auto orNull = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    const ForeignExplanation& e = r.imported;
    return {{"layer", e.layer},
            {"neuron", e.neuron},
            {"origin", e.origin.toStdString()},
            {"explanation", e.text.toStdString()},
            {"explainer", e.explainer.toStdString()},
            {"reported_score", orNull(e.score)},
            {"score", orNull(r.score)},
            {"simulated_by", r.simulatedBy.toStdString()},
            {"note", r.note.toStdString()},
            {"seed", r.seed},
            {"neuronscope_explanation", r.ownExplanation.toStdString()},
            {"neuronscope_score", orNull(r.ownScore)}};
}

QString detectImportFormat(const QString& path) {
    if (QFileInfo(path).isDir()) return QStringLiteral("openai");
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return QStringLiteral("neuronpedia");
    const QByteArray head = f.read(1 << 16);
    return head.contains("\"scored_explanations\"") || head.contains("\"NeuronSimulationResults\"") ? QStringLiteral("openai")
                                                                                                     : QStringLiteral("neuronpedia");
}

Expected<ImportRun> importExplanations(ExplainSession& session, CacheDb& db, const QString& path, QString format, Backend* textSimulator,
                                       int onlyLayer, const ImportProgress& progress, const ImportMiningProgress& mining) {
    if (format.isEmpty()) format = detectImportFormat(path);
    if (format != QLatin1String("openai") && format != QLatin1String("neuronpedia"))
        return makeError(QStringLiteral("unknown import format \"%1\" (openai or neuronpedia)").arg(format));
    auto read = format == QLatin1String("openai") ? readOpenAiExplanations(path) : readNeuronpediaExplanations(path);
    if (!read) return Error{read.error()};
    auto corpus = session.corpusHash();
    if (!corpus) return Error{corpus.error()};
    ImportRun run;
    run.format = format;
    std::vector<const ForeignExplanation*> todo;
    for (const ForeignExplanation& e : *read)
        if (onlyLayer < 0 || e.layer == onlyLayer) todo.push_back(&e);
    for (const ForeignExplanation* e : todo) {
        auto scored = scoreImported(session, db, *e, textSimulator, mining);
        if (!scored) return Error{scored.error()};
        const auto& config = session.model().config();
        if (e->layer < config.nLayer && e->neuron < config.nInner) {
            ImportedExplanation stored;
            stored.modelHash = session.model().fingerprint();
            stored.corpusHash = *corpus;
            stored.layer = e->layer;
            stored.neuron = e->neuron;
            stored.format = format;
            stored.origin = e->origin;
            stored.explainer = e->explainer;
            stored.text = e->text;
            stored.reportedScore = e->score;
            stored.score = scored->score;
            stored.simulatedBy = scored->simulatedBy;
            stored.note = scored->note;
            stored.seed = scored->seed;
            if (auto ok = db.storeImported(stored); !ok) return Error{ok.error()};
        }
        run.rows.push_back(std::move(*scored));
        if (progress && !progress(static_cast<int>(run.rows.size()), static_cast<int>(todo.size()), run.rows.back())) {
            run.stopped = true;
            break;
        }
    }
    return run;
}

}  // namespace ns
