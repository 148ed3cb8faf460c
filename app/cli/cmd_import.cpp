#include "commands.h"
#include "explain_common.h"

#include "agents/backend.h"
#include "interchange/import_scoring.h"
#include "model/language_model.h"
#include "store/cache_db.h"

namespace ns::cli {

int runImport(const QStringList& args) {
    Command c(QStringLiteral("Reads explanations written by other tools (openai: NeuronSimulationResults files or their "
                             "directory; neuronpedia: explanation uploads or exports), scores each with NeuronScope's "
                             "simulator on the same test split as NeuronScope's own explanation of the neuron, and keeps "
                             "them in the cache, where the explorer shows them. Text in NeuronScope's pattern notation "
                             "runs offline; other text needs --backend openai."));
    addSessionOptions(c);
    c.addValue(QStringLiteral("format"), QStringLiteral("openai or neuronpedia (default: detected from the file)."), QStringLiteral("FORMAT"));
    c.addValue(QStringLiteral("in"), QStringLiteral("The file (or, for openai, the directory) to read."), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("layer"), QStringLiteral("Only explanations of this layer."), QStringLiteral("L"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("in"))) return fail(QStringLiteral("--in is required"));
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
    auto run = importExplanations(
        *s->session, *s->db, c.value(QStringLiteral("in")), c.value(QStringLiteral("format")), textSimulator, onlyLayer,
        [](int done, int total, const ImportScore& r) {
            progressLine(QStringLiteral("%1/%2  %3/%4: imported r = %5, NeuronScope r = %6%7")
                             .arg(done).arg(total).arg(r.imported.layer).arg(r.imported.neuron)
                             .arg(r.score ? QString::number(*r.score, 'f', 3) : QStringLiteral("not scored"))
                             .arg(r.ownScore ? QString::number(*r.ownScore, 'f', 3) : QStringLiteral("none"))
                             .arg(r.note.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(r.note)));
            return !g_cancel.load();
        },
        miningProgress());
    if (!run) return fail(run.error());
    nlohmann::json rows = nlohmann::json::array();
    int scored = 0;
    for (const ImportScore& r : run->rows) {
        scored += r.score.has_value();
        rows.push_back(importScoreToJson(r));
    }
    printJson({{"format", run->format.toStdString()}, {"read", run->rows.size()}, {"scored", scored}, {"stopped", run->stopped},
               {"backend", s->backend->name().toStdString()}, {"explanations", rows}});
    return 0;
}

}  // namespace ns::cli
