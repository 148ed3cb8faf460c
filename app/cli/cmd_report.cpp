#include "commands.h"
#include "explain_common.h"

#include "report_writer.h"

#include "activations/corpus_reader.h"
#include "agents/builtin_backend.h"
#include "agents/explain_session.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "interchange/decided_explanation.h"
#include "store/decisions.h"
#include "store/cache_db.h"
#include "util/resource_paths.h"

#include <QFileInfo>

namespace ns::cli {

int runReport(const QStringList& args) {
    Command c(QStringLiteral("Writes a PDF report of a neuron's explanation, running the agent loop first when none is "
                             "cached. Needs no display."));
    addModelOption(c);
    c.addValue(QStringLiteral("corpus"), QStringLiteral("Corpus text file (default: the embedded corpus)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(defaultCachePath()), QStringLiteral("PATH"));
    addTargetOptions(c);
    c.addValue(QStringLiteral("out"), QStringLiteral("The PDF to write."), QStringLiteral("F.pdf"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("out"))) return fail(QStringLiteral("--out F.pdf is required"));
    auto target = targetFromOptions(c);
    if (!target) return fail(target.error());
    auto model = loadModel(c);
    if (!model) return fail(model.error());
    auto db = CacheDb::open(c.isSet(QStringLiteral("db")) ? c.value(QStringLiteral("db")) : defaultCachePath());
    if (!db) return fail(db.error());
    const QString corpus = c.isSet(QStringLiteral("corpus")) ? c.value(QStringLiteral("corpus")) : defaultCorpusPath();
    ExplainSession session(*model, corpus, **db);
    BuiltinBackend backend(session.table());
    auto out = session.explain(*target, backend, LoopOptions{}, false, [](const LoopEvent& e) {
        if (e.kind == LoopEvent::Kind::Iteration) progressLine(QStringLiteral("  iteration %1: valid r = %2").arg(e.iteration).arg(e.validScore, 0, 'f', 3));
    });
    if (!out) return fail(out.error());
    NeuronReport nr;
    auto typed = loopResultOf(*out);
    if (!typed) return fail(typed.error());
    nr.result = std::move(*typed);
    auto record = session.record(*target);
    if (!record) return fail(record.error());
    nr.record = std::move(*record);
    if (!target->synthetic()) {
        auto hash = hashFile(corpus);
        if (!hash) return fail(hash.error());
        auto reviews = (*db)->reviews((*model)->fingerprint(), *hash, target->layer, target->neuron);
        if (!reviews) return fail(reviews.error());
        nr.decided = latestDecisions(nr.result.modes.size(), *reviews, nr.result.runId);
        nr.reviews = *reviews;
        auto imported = (*db)->importedExplanations((*model)->fingerprint(), *hash, target->layer, target->neuron);
        if (!imported) return fail(imported.error());
        nr.imported = std::move(*imported);
    }
    auto corpusHash = session.corpusHash();
    if (!corpusHash) return fail(corpusHash.error());
    const ReportHeader header = reportHeader(**model, corpus, *corpusHash, backend.name());
    const QString pdf = c.value(QStringLiteral("out"));
    if (auto w = writeReport(pdf, header, {nr}, *session.table()); !w) return fail(w.error());
    printJson({{"neuron", out->result.at("neuron")}, {"out", QFileInfo(pdf).absoluteFilePath().toStdString()},
               {"cached", out->fromCache}, {"score", out->result.at("score")}});
    return 0;
}

}  // namespace ns::cli
