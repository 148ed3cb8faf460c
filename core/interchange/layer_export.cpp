#include "interchange/layer_export.h"

#include "activations/record_json.h"
#include "agents/explain_session.h"
#include "interchange/decided_explanation.h"
#include "interchange/neuron_export.h"
#include "interchange/openai_format.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QDir>

#include <deque>
#include <map>
#include <set>

namespace ns {
namespace {

using json = nlohmann::json;

QString csvField(const QString& s) {
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

/// A score with six decimals, empty when null (a partial run not scored on test).
QString csvNumber(const json& j, const char* key) {
    const auto v = optionalNumber(j, key);
    return v ? QString::number(*v, 'f', 6) : QString();
}

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(); }

QByteArray dump(const json& j, int indent) {
    return QByteArray::fromStdString(j.dump(indent, ' ', false, json::error_handler_t::replace)) + '\n';
}

}  // namespace

Expected<ExportFormat> exportFormatNamed(const QString& name) {
    if (name == QLatin1String("csv")) return ExportFormat::Csv;
    if (name == QLatin1String("json")) return ExportFormat::Json;
    if (name == QLatin1String("openai")) return ExportFormat::OpenAi;
    if (name == QLatin1String("neuronpedia")) return ExportFormat::Neuronpedia;
    return makeError(QStringLiteral("unknown export format \"%1\": csv, json, openai or neuronpedia").arg(name));
}

Expected<QByteArray> exportLayer(ExplainSession& session, CacheDb& db, const LayerExportRequest& r, const QString& directory,
                                 const ExportProgress& progress) {
    const LanguageModel& model = session.model();
    const QString modelHash = model.fingerprint();
    auto corpus = session.corpusHash();
    if (!corpus) return Error{corpus.error()};
    auto found = db.findLayer({modelHash, *corpus, r.layer, session.mineOptions(r.layer).key()});
    if (!found) return Error{found.error()};
    if (!found->has_value())
        return makeError(QStringLiteral("layer %1 is not in %2 for this model and corpus: mine or explain it first").arg(r.layer).arg(db.path()));
    if (r.format == ExportFormat::OpenAi && directory.isEmpty()) return makeError(QStringLiteral("the OpenAI layout is a directory: name one"));
    auto summaries = db.neuronSummaries((*found)->id);
    if (!summaries) return Error{summaries.error()};
    const std::set<int> wanted(r.neurons.begin(), r.neurons.end());
    std::vector<NeuronSummary> neurons;
    for (const NeuronSummary& n : *summaries)
        if (wanted.empty() || wanted.count(n.neuron)) neurons.push_back(n);
    auto explained = db.explainedNeurons(modelHash, *corpus, r.layer);
    if (!explained) return Error{explained.error()};
    std::map<int, CacheDb::ExplainedNeuron> status;
    for (const auto& e : *explained) status[e.neuron] = e;
    const auto& tok = model.tokenizer();
    const TokenText text = [&tok](int id) { return tok.tokenText(id); };
    auto stop = [&](int done) { return progress && !progress(done, static_cast<int>(neurons.size())); };

    QByteArray out;
    if (r.format == ExportFormat::Csv) {
        out = "layer,neuron,max_activation,firing_rate,modes,score,baseline_score,random_score,status,explanation\n";
        int done = 0;
        for (const NeuronSummary& n : neurons) {
            QString row = QStringLiteral("%1,%2,%3,%4").arg(r.layer).arg(n.neuron).arg(n.maxActivation, 0, 'g', 6).arg(n.firingRate, 0, 'g', 6);
            auto stored = db.latestExplanation(modelHash, *corpus, r.layer, n.neuron);
            if (!stored) return Error{stored.error()};
            if (stored->has_value()) {
                const json& res = (*stored)->result;
                row += QStringLiteral(",%1,%2,%3,%4,%5,%6")
                           .arg(res.at("modes").size())
                           .arg(csvNumber(res, "score"), csvNumber(res, "baseline_score"), csvNumber(res, "random_score"))
                           .arg(status[n.neuron].status, csvField(status[n.neuron].explanation));
            } else {
                row += QStringLiteral(",,,,,unexplained,");
            }
            out += row.toUtf8() + '\n';
            if (stop(++done)) return makeError(QStringLiteral("stopped"));
        }
        return out;
    }
    if (r.format == ExportFormat::Json) {
        json items = json::array();
        int done = 0;
        for (const NeuronSummary& n : neurons) {
            auto record = db.loadNeuron((*found)->id, n.neuron);
            if (!record) return Error{record.error()};
            json j{{"layer", r.layer}, {"neuron", n.neuron}, {"record", recordToJson(*record, tok, 10)}};
            auto stored = db.latestExplanation(modelHash, *corpus, r.layer, n.neuron);
            if (!stored) return Error{stored.error()};
            if (stored->has_value()) {
                j["explanation"] = (*stored)->result;
                auto reviews = db.reviews(modelHash, *corpus, r.layer, n.neuron);
                if (!reviews) return Error{reviews.error()};
                json history = json::array();
                auto typed = loopResultFromJson((*stored)->result);
                if (!typed) return Error{typed.error()};
                for (const Review& v : *reviews) {
                    // A decision's score is the whole explanation's with it, never the mode's;
                    // one that does not hold for the current run's modes is left out.
                    const bool current = v.explanationId == (*stored)->id;
                    const bool holds = v.scored && (!current || decisionScoreHolds(typed->modes, v));
                    history.push_back({{"mode", v.mode}, {"status", v.status.toStdString()}, {"text", v.text.toStdString()},
                                       {"pattern", v.pattern.isEmpty() ? json() : json::parse(v.pattern.toStdString(), nullptr, false)},
                                       {"whole_score", holds ? json(v.score) : json()},
                                       {"author", v.author.toStdString()}, {"time", v.createdAt.toStdString()},
                                       {"run", v.explanationId}, {"current", current}});
                }
                j["decisions"] = history;
                j["status"] = status[n.neuron].status.toStdString();
            }
            auto imported = db.importedExplanations(modelHash, *corpus, r.layer, n.neuron);
            if (!imported) return Error{imported.error()};
            json others = json::array();
            for (const ImportedExplanation& e : *imported)
                others.push_back({{"format", e.format.toStdString()}, {"origin", e.origin.toStdString()},
                                  {"explainer", e.explainer.toStdString()}, {"text", e.text.toStdString()},
                                  {"reported_score", orNull(e.reportedScore)}, {"score", orNull(e.score)},
                                  {"simulated_by", e.simulatedBy.toStdString()}, {"note", e.note.toStdString()},
                                  {"seed", e.seed}, {"time", e.createdAt.toStdString()}});
            if (!others.empty()) j["imported"] = others;
            items.push_back(j);
            if (stop(++done)) return makeError(QStringLiteral("stopped"));
        }
        const json doc{{"schema", "neuronscope-export"}, {"version", 3},
                       {"model", {{"directory", model.directory().toStdString()}, {"fingerprint", modelHash.toStdString()}}},
                       {"corpus", {{"path", session.corpusPath().toStdString()}, {"sha256", corpus->toStdString()}}},
                       {"neurons", items}};
        return dump(doc, 1);
    }

    // The other tools' formats: each neuron's record and its explanation as decided. Records
    // stay where NeuronExport points at them.
    std::deque<NeuronRecord> records;
    std::vector<NeuronExport> exports;
    int done = 0;
    for (const NeuronSummary& n : neurons) {
        auto record = db.loadNeuron((*found)->id, n.neuron);
        if (!record) return Error{record.error()};
        records.push_back(std::move(*record));
        NeuronExport e;
        e.layer = r.layer;
        e.neuron = n.neuron;
        e.record = &records.back();
        auto stored = db.latestExplanation(modelHash, *corpus, r.layer, n.neuron);
        if (!stored) return Error{stored.error()};
        if (stored->has_value()) {
            auto reviews = db.reviews(modelHash, *corpus, r.layer, n.neuron);
            if (!reviews) return Error{reviews.error()};
            if (auto ok = describeExplanation(session, **stored, *reviews, e); !ok) return Error{ok.error()};
        }
        exports.push_back(std::move(e));
        if (stop(++done)) return makeError(QStringLiteral("stopped"));
    }
    if (r.format == ExportFormat::OpenAi) {
        auto files = writeOpenAiLayout(directory, exports, text);
        if (!files) return Error{files.error()};
        return QStringLiteral("wrote %1 files under %2").arg(*files).arg(directory).toUtf8();
    }
    NeuronpediaIds ids = r.neuronpedia;
    if (ids.modelId.isEmpty()) ids.modelId = QDir(model.directory()).dirName();
    if (ids.source.isEmpty()) ids.source = QStringLiteral("mlp");
    for (const NeuronExport& e : exports)
        if (!e.explanation.isEmpty()) out += dump(neuronpediaFeature(e, ids, text), -1);
    return out;
}

}  // namespace ns
