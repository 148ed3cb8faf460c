#include "commands.h"
#include "explain_common.h"

#include "activations/corpus_reader.h"
#include "activations/record_json.h"
#include "interchange/neuron_export.h"
#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/mined_layers.h"
#include "util/resource_paths.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <deque>

namespace ns::cli {
namespace {

QString csvField(const QString& s) {
    QString q = s;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

}  // namespace

int runExport(const QStringList& args) {
    Command c(QStringLiteral("Exports a layer's neurons from the cache: csv (one row per neuron: id, max activation, firing "
                             "rate, modes, scores, status), json (NeuronScope's schema: explanations with patterns, "
                             "decisions and their history, scores, top and random exemplars), openai (the directory layout "
                             "of OpenAI's automated-interpretability: neurons/L/N.json and explanations/L/N.jsonl) or "
                             "neuronpedia (Neuronpedia explanation uploads, one per line). docs/interchange.md maps the fields."));
    addModelOption(c);
    c.addValue(QStringLiteral("corpus"), QStringLiteral("Corpus text file (default: the embedded corpus)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(defaultCachePath()), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("neurons"), QStringLiteral("A range A-B (default: every neuron of the layer)."), QStringLiteral("A-B"));
    c.addValue(QStringLiteral("format"), QStringLiteral("csv, json, openai or neuronpedia."), QStringLiteral("FORMAT"), QStringLiteral("csv"));
    c.addValue(QStringLiteral("out"), QStringLiteral("File to write (default: stdout); for openai, the directory."), QStringLiteral("F"));
    c.addValue(QStringLiteral("neuronpedia-model"), QStringLiteral("neuronpedia: the model's id there (default: the model directory's name)."),
               QStringLiteral("ID"));
    c.addValue(QStringLiteral("neuronpedia-source"), QStringLiteral("neuronpedia: the source id after the layer, as in \"3-mlp\"."),
               QStringLiteral("ID"), QStringLiteral("mlp"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    const QString format = c.value(QStringLiteral("format"));
    const bool interchange = format == QLatin1String("openai") || format == QLatin1String("neuronpedia");
    if (format != QLatin1String("csv") && format != QLatin1String("json") && !interchange)
        return fail(QStringLiteral("--format must be csv, json, openai or neuronpedia"));
    if (format == QLatin1String("openai") && !c.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("--format openai writes a directory: give it with --out"));
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    auto model = loadModel(c);
    if (!model) return fail(model.error());
    auto layer = c.intValue(QStringLiteral("layer"), 0, (*model)->config().nLayer - 1);
    if (!layer) return fail(layer.error());
    auto db = CacheDb::open(c.isSet(QStringLiteral("db")) ? c.value(QStringLiteral("db")) : defaultCachePath());
    if (!db) return fail(db.error());
    const QString corpus = c.isSet(QStringLiteral("corpus")) ? c.value(QStringLiteral("corpus")) : defaultCorpusPath();
    auto hash = hashFile(corpus);
    if (!hash) return fail(hash.error());
    ExplainSession session(*model, corpus, **db);
    const MineOptions o = session.mineOptions(*layer);
    auto found = (*db)->findLayer({(*model)->fingerprint(), *hash, *layer, o.key()});
    if (!found) return fail(found.error());
    if (!found->has_value())
        return fail(QStringLiteral("layer %1 is not in %2 for this model and corpus: mine or explain it first").arg(*layer).arg((*db)->path()));
    auto summaries = (*db)->neuronSummaries((*found)->id);
    if (!summaries) return fail(summaries.error());
    auto range = neuronRange(c, (*model)->config().nInner);
    if (!range) return fail(range.error());
    const auto [from, to] = *range;
    auto explained = (*db)->explainedNeurons((*model)->fingerprint(), *hash, *layer);
    if (!explained) return fail(explained.error());
    std::map<int, CacheDb::ExplainedNeuron> status;
    for (const auto& e : *explained) status[e.neuron] = e;

    QByteArray out;
    if (interchange) {
        // Records stay where NeuronExport points at them.
        std::deque<NeuronRecord> records;
        std::vector<NeuronExport> exports;
        for (const NeuronSummary& n : *summaries) {
            if (n.neuron < from || n.neuron > to) continue;
            auto record = (*db)->loadNeuron((*found)->id, n.neuron);
            if (!record) return fail(record.error());
            records.push_back(std::move(*record));
            NeuronExport e;
            e.layer = *layer;
            e.neuron = n.neuron;
            e.record = &records.back();
            auto stored = (*db)->latestExplanation((*model)->fingerprint(), *hash, *layer, n.neuron);
            if (!stored) return fail(stored.error());
            if (stored->has_value()) {
                auto reviews = (*db)->reviews((*model)->fingerprint(), *hash, *layer, n.neuron);
                if (!reviews) return fail(reviews.error());
                if (auto ok = describeExplanation(session, (*stored)->result, *reviews, e); !ok) return fail(ok.error());
            }
            exports.push_back(std::move(e));
        }
        const auto& tok = (*model)->tokenizer();
        const TokenText text = [&tok](int id) { return tok.tokenText(id); };
        if (format == QLatin1String("openai")) {
            auto files = writeOpenAiLayout(c.value(QStringLiteral("out")), exports, text);
            if (!files) return fail(files.error());
            progressLine(QStringLiteral("wrote %1 files under %2").arg(*files).arg(c.value(QStringLiteral("out"))));
            return 0;
        }
        NeuronpediaIds ids{c.isSet(QStringLiteral("neuronpedia-model")) ? c.value(QStringLiteral("neuronpedia-model"))
                                                                         : QDir((*model)->directory()).dirName(),
                           c.value(QStringLiteral("neuronpedia-source"))};
        for (const NeuronExport& e : exports)
            if (!e.explanation.isEmpty())
                out += QByteArray::fromStdString(neuronpediaFeature(e, ids, text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + '\n';
    } else if (format == QLatin1String("csv")) {
        out = "layer,neuron,max_activation,firing_rate,modes,score,baseline_score,random_score,status,explanation\n";
        for (const NeuronSummary& n : *summaries) {
            if (n.neuron < from || n.neuron > to) continue;
            QString row = QStringLiteral("%1,%2,%3,%4").arg(*layer).arg(n.neuron).arg(n.maxActivation, 0, 'g', 6).arg(n.firingRate, 0, 'g', 6);
            auto stored = (*db)->latestExplanation((*model)->fingerprint(), *hash, *layer, n.neuron);
            if (!stored) return fail(stored.error());
            if (stored->has_value()) {
                const auto& r = (*stored)->result;
                row += QStringLiteral(",%1,%2,%3,%4,%5,%6")
                           .arg(r.at("modes").size())
                           .arg(r.value("score", 0.0), 0, 'f', 6)
                           .arg(r.value("baseline_score", 0.0), 0, 'f', 6)
                           .arg(r.value("random_score", 0.0), 0, 'f', 6)
                           .arg(status[n.neuron].status, csvField(status[n.neuron].explanation));
            } else {
                row += QStringLiteral(",,,,,unexplained,");
            }
            out += row.toUtf8() + '\n';
        }
    } else {
        nlohmann::json neurons = nlohmann::json::array();
        for (const NeuronSummary& n : *summaries) {
            if (n.neuron < from || n.neuron > to) continue;
            auto stored = (*db)->latestExplanation((*model)->fingerprint(), *hash, *layer, n.neuron);
            if (!stored) return fail(stored.error());
            auto record = (*db)->loadNeuron((*found)->id, n.neuron);
            if (!record) return fail(record.error());
            nlohmann::json j{{"layer", *layer}, {"neuron", n.neuron}, {"record", recordToJson(*record, (*model)->tokenizer(), 10)}};
            if (stored->has_value()) {
                j["explanation"] = (*stored)->result;
                auto reviews = (*db)->reviews((*model)->fingerprint(), *hash, *layer, n.neuron);
                if (!reviews) return fail(reviews.error());
                nlohmann::json history = nlohmann::json::array();
                for (const Review& r : *reviews)
                    history.push_back({{"mode", r.mode}, {"status", r.status.toStdString()}, {"text", r.text.toStdString()},
                                       {"pattern", r.pattern.isEmpty() ? nlohmann::json() : nlohmann::json::parse(r.pattern.toStdString(), nullptr, false)},
                                       {"score", r.scored ? nlohmann::json(r.score) : nlohmann::json()},
                                       {"author", r.author.toStdString()}, {"time", r.createdAt.toStdString()}});
                j["decisions"] = history;
                j["status"] = status[n.neuron].status.toStdString();
            }
            neurons.push_back(j);
        }
        const nlohmann::json doc{{"schema", "neuronscope-export"}, {"version", 1},
                                 {"model", {{"directory", (*model)->directory().toStdString()}, {"fingerprint", (*model)->fingerprint().toStdString()}}},
                                 {"corpus", {{"path", corpus.toStdString()}, {"sha256", hash->toStdString()}}},
                                 {"neurons", neurons}};
        out = QByteArray::fromStdString(doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace)) + '\n';
    }
    if (!c.isSet(QStringLiteral("out"))) {
        std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), stdout);
        return 0;
    }
    QFile f(c.value(QStringLiteral("out")));
    if (!f.open(QIODevice::WriteOnly) || f.write(out) != out.size())
        return fail(QStringLiteral("%1: cannot write: %2").arg(f.fileName(), f.errorString()));
    return 0;
}

}  // namespace ns::cli
