#include "commands.h"
#include "explain_common.h"

#include "interchange/layer_export.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "util/resource_paths.h"

#include <QFile>

namespace ns::cli {

int runExport(const QStringList& args) {
    Command c(QStringLiteral("Exports a layer's neurons from the cache: csv (one row per neuron: id, max activation, firing "
                             "rate, modes, scores, status), json (NeuronScope's schema: explanations with patterns, "
                             "decisions and their history, imported explanations, scores, top and random exemplars), openai "
                             "(the directory layout of OpenAI's automated-interpretability: neurons/L/N.json and "
                             "explanations/L/N.jsonl) or neuronpedia (Neuronpedia explanation uploads, one per line). "
                             "docs/interchange.md maps the fields."));
    addModelOption(c);
    c.addValue(QStringLiteral("corpus"), QStringLiteral("Corpus text file (default: the embedded corpus)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(defaultCachePath()), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("neurons"), QStringLiteral("One neuron N, a range A-B or a comma-separated list of them (default: every "
                                                         "neuron of the layer)."),
               QStringLiteral("LIST"));
    c.addValue(QStringLiteral("format"), QStringLiteral("csv, json, openai or neuronpedia."), QStringLiteral("FORMAT"), QStringLiteral("csv"));
    c.addValue(QStringLiteral("out"), QStringLiteral("File to write (default: stdout); for openai, the directory."), QStringLiteral("F"));
    c.addValue(QStringLiteral("neuronpedia-model"), QStringLiteral("neuronpedia: the model's id there (default: the model directory's name)."),
               QStringLiteral("ID"));
    c.addValue(QStringLiteral("neuronpedia-source"), QStringLiteral("neuronpedia: the source id after the layer, as in \"3-mlp\"."),
               QStringLiteral("ID"), QStringLiteral("mlp"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    auto format = exportFormatNamed(c.value(QStringLiteral("format")));
    if (!format) return fail(format.error());
    if (*format == ExportFormat::OpenAi && !c.isSet(QStringLiteral("out")))
        return fail(QStringLiteral("--format openai writes a directory: give it with --out"));
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    auto model = loadModel(c);
    if (!model) return fail(model.error());
    auto layer = c.intValue(QStringLiteral("layer"), 0, (*model)->config().nLayer - 1);
    if (!layer) return fail(layer.error());
    auto selection = neuronSelection(c, (*model)->config().nInner);
    if (!selection) return fail(selection.error());
    // Exporting only reads: a cache in a directory the user cannot write still exports.
    auto db = CacheDb::open(c.isSet(QStringLiteral("db")) ? c.value(QStringLiteral("db")) : defaultCachePath(), CacheDb::Access::ReadOnly);
    if (!db) return fail(db.error());
    ExplainSession session(*model, c.isSet(QStringLiteral("corpus")) ? c.value(QStringLiteral("corpus")) : defaultCorpusPath(), **db);
    LayerExportRequest request;
    request.layer = *layer;
    if (c.isSet(QStringLiteral("neurons"))) request.neurons = *selection;
    request.format = *format;
    request.neuronpedia = {c.value(QStringLiteral("neuronpedia-model")), c.value(QStringLiteral("neuronpedia-source"))};
    auto out = exportLayer(session, **db, request, *format == ExportFormat::OpenAi ? c.value(QStringLiteral("out")) : QString());
    if (!out) return fail(out.error());
    if (*format == ExportFormat::OpenAi) {
        progressLine(QString::fromUtf8(*out));
        return 0;
    }
    if (!c.isSet(QStringLiteral("out"))) {
        std::fwrite(out->constData(), 1, static_cast<size_t>(out->size()), stdout);
        return 0;
    }
    QFile f(c.value(QStringLiteral("out")));
    if (!f.open(QIODevice::WriteOnly) || f.write(*out) != out->size())
        return fail(QStringLiteral("%1: cannot write: %2").arg(f.fileName(), f.errorString()));
    return 0;
}

}  // namespace ns::cli
