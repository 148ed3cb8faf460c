#include "commands.h"
#include "explain_common.h"

#include "agents/backend.h"
#include "interchange/import_scoring.h"
#include "interchange/neuronpedia_format.h"
#include "interchange/openai_format.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QFile>

namespace ns::cli {
namespace {

nlohmann::json orNull(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

}  // namespace

int runImport(const QStringList& args) {
    Command c(QStringLiteral("Reads explanations written by other tools (openai: NeuronSimulationResults files or their "
                             "directory; neuronpedia: explanation uploads or exports) and scores each with NeuronScope's "
                             "simulator on the same test split as NeuronScope's own explanation of the neuron. Text in "
                             "NeuronScope's pattern notation runs offline; other text needs --backend openai."));
    addSessionOptions(c);
    c.addValue(QStringLiteral("format"), QStringLiteral("openai or neuronpedia."), QStringLiteral("FORMAT"));
    c.addValue(QStringLiteral("in"), QStringLiteral("The file (or, for openai, the directory) to read."), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("layer"), QStringLiteral("Only explanations of this layer."), QStringLiteral("L"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    const QString format = c.value(QStringLiteral("format"));
    if (format != QLatin1String("openai") && format != QLatin1String("neuronpedia"))
        return fail(QStringLiteral("--format must be openai or neuronpedia"));
    if (!c.isSet(QStringLiteral("in"))) return fail(QStringLiteral("--in is required"));
    auto imported = format == QLatin1String("openai") ? readOpenAiExplanations(c.value(QStringLiteral("in")))
                                                      : readNeuronpediaExplanations(c.value(QStringLiteral("in")));
    if (!imported) return fail(imported.error());
    auto s = openSession(c);
    if (!s) return fail(s.error());
    int onlyLayer = -1;
    if (c.isSet(QStringLiteral("layer"))) {
        auto layer = c.intValue(QStringLiteral("layer"), 0, s->model->config().nLayer - 1);
        if (!layer) return fail(layer.error());
        onlyLayer = *layer;
    }
    // The built-in backend runs patterns only; an LLM backend also simulates free text.
    Backend* textSimulator = s->backend->name() == QLatin1String("builtin") ? nullptr : s->backend.get();
    catchInterrupt();
    nlohmann::json rows = nlohmann::json::array();
    int scored = 0;
    for (const ForeignExplanation& e : *imported) {
        if (g_cancel) return fail(QStringLiteral("stopped"));
        if (onlyLayer >= 0 && e.layer != onlyLayer) continue;
        auto r = scoreImported(*s->session, *s->db, e, textSimulator);
        if (!r) return fail(r.error());
        scored += r->score.has_value();
        progressLine(QStringLiteral("%1/%2: imported r = %3, NeuronScope r = %4%5")
                         .arg(e.layer).arg(e.neuron)
                         .arg(r->score ? QString::number(*r->score, 'f', 3) : QStringLiteral("not scored"))
                         .arg(r->ownScore ? QString::number(*r->ownScore, 'f', 3) : QStringLiteral("none"))
                         .arg(r->note.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r->note)));
        rows.push_back({{"layer", e.layer},
                        {"neuron", e.neuron},
                        {"origin", e.origin.toStdString()},
                        {"explanation", e.text.toStdString()},
                        {"explainer", e.explainer.toStdString()},
                        {"reported_score", orNull(e.score)},
                        {"score", orNull(r->score)},
                        {"simulated_by", r->simulatedBy.toStdString()},
                        {"note", r->note.toStdString()},
                        {"seed", r->seed},
                        {"neuronscope_explanation", r->ownExplanation.toStdString()},
                        {"neuronscope_score", orNull(r->ownScore)}});
    }
    printJson({{"format", format.toStdString()}, {"read", imported->size()}, {"scored", scored},
               {"backend", s->backend->name().toStdString()}, {"explanations", rows}});
    return 0;
}

}  // namespace ns::cli
