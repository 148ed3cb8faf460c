#include "commands.h"
#include "explain_common.h"

#include "agents/backend.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QElapsedTimer>
#include <QRegularExpression>

namespace ns::cli {

int runBatch(const QStringList& args) {
    Command c(QStringLiteral("Explains many neurons of a layer into the cache. A stopped run started again goes on where it "
                             "left off; --shard i/n takes every n-th neuron from the i-th (0-based), so n machines can share "
                             "a layer, each with its own --db, joined later by merge. Ctrl-C stops after the current neuron. A neuron a failing LLM "
                             "server cut short is kept as partial and explained again by the next run; exit status 3 when any was."));
    addSessionOptions(c);
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("neurons"), QStringLiteral("The neurons: N, A-B (inclusive) or a comma-separated list of them."),
               QStringLiteral("LIST"));
    c.addFlag(QStringLiteral("all"), QStringLiteral("Every neuron of the layer."));
    c.addValue(QStringLiteral("shard"), QStringLiteral("This machine's share: i/n (0 <= i < n)."), QStringLiteral("i/n"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("layer"))) return fail(QStringLiteral("--layer is required"));
    if (c.isSet(QStringLiteral("neurons")) == c.isSet(QStringLiteral("all")))
        return fail(QStringLiteral("give either --neurons (A-B, N or a list) or --all"));
    auto s = openSession(c);
    if (!s) return fail(s.error());
    auto layer = c.intValue(QStringLiteral("layer"), 0, s->model->config().nLayer - 1);
    if (!layer) return fail(layer.error());
    const int N = s->model->config().nInner;
    auto selection = neuronSelection(c, N);
    if (!selection) return fail(selection.error());
    int shard = 0, shards = 1;
    if (c.isSet(QStringLiteral("shard"))) {
        const auto m = QRegularExpression(QStringLiteral("^(\\d+)/(\\d+)$")).match(c.value(QStringLiteral("shard")));
        const QString usage = QStringLiteral("--shard expects i/n with 0 <= i < n <= 1000000, for example 0/4");
        if (!m.hasMatch()) return fail(usage);
        auto n = parseWholeNumber(m.captured(2), 1, 1000000, QStringLiteral("--shard i/n: n"));
        if (!n) return fail(usage + QStringLiteral(" (") + n.error() + QLatin1Char(')'));
        auto i = parseWholeNumber(m.captured(1), 0, *n - 1, QStringLiteral("--shard i/n: i"));
        if (!i) return fail(usage + QStringLiteral(" (") + i.error() + QLatin1Char(')'));
        shard = *i;
        shards = *n;
    }
    std::vector<int> neurons;
    for (size_t i = 0; i < selection->size(); ++i)
        if (static_cast<int>(i % static_cast<size_t>(shards)) == shard) neurons.push_back((*selection)[i]);

    catchInterrupt();
    QElapsedTimer timer;
    timer.start();
    int ran = 0, cached = 0, partial = 0;
    for (size_t i = 0; i < neurons.size(); ++i) {
        if (g_cancel) break;
        // The loop itself is not given the cancel flag: Ctrl-C lets the current neuron finish.
        auto out = s->session->explain({*layer, neurons[i], {}}, *s->backend, s->loop, c.isSet(QStringLiteral("recompute")), {},
                                       nullptr, miningProgress());
        if (!out) return fail(QStringLiteral("neuron %1/%2: %3").arg(*layer).arg(neurons[i]).arg(out.error()));
        // A partial neuron is stored as such; the next batch run explains it again.
        if (out->partial) ++partial;
        else (out->fromCache ? cached : ran)++;
        const double elapsed = timer.elapsed() / 1000.0;
        const double rate = ran > 0 ? ran / elapsed : 0;  // neurons explained per second this run
        const size_t left = neurons.size() - i - 1;
        progressLine(QStringLiteral("%1/%2 neurons (%3/%4 %5): %6 neurons/min, about %7 min left")
                         .arg(i + 1).arg(neurons.size()).arg(*layer).arg(neurons[i])
                         .arg(out->partial    ? QStringLiteral("partial: ") + QString::fromStdString(out->result.value("stopped", std::string()))
                              : out->fromCache ? QStringLiteral("cached")
                                               : QStringLiteral("explained"))
                         .arg(rate * 60, 0, 'f', 1)
                         .arg(rate > 0 ? left / rate / 60 : 0.0, 0, 'f', 1));
    }
    const bool stopped = g_cancel.load();
    printJson({{"layer", *layer}, {"neurons", neurons.size()}, {"explained", ran}, {"cached", cached},
               {"done", ran + cached}, {"partial", partial}, {"stopped", stopped}, {"shard", {shard, shards}},
               {"seconds", timer.elapsed() / 1000.0}, {"db", s->db->path().toStdString()}});
    return stopped ? 130 : partial > 0 ? kExitPartial : 0;
}

int runMerge(const QStringList& args) {
    Command c(QStringLiteral("Merges cache files (for example the shards of a batch) into one: everything is kept once."));
    c.addValue(QStringLiteral("out"), QStringLiteral("The cache to merge into (created when missing)."), QStringLiteral("PATH"));
    c.parser.addPositionalArgument(QStringLiteral("caches"), QStringLiteral("Cache files to merge in."), QStringLiteral("CACHE..."));
    c.acceptsPositional = true;
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("out"))) return fail(QStringLiteral("--out PATH is required"));
    const QStringList inputs = c.parser.positionalArguments();
    if (inputs.isEmpty()) return fail(QStringLiteral("name at least one cache file to merge"));
    auto db = CacheDb::open(c.value(QStringLiteral("out")));
    if (!db) return fail(db.error());
    nlohmann::json merged = nlohmann::json::array();
    for (const QString& in : inputs) {
        auto counts = (*db)->mergeFrom(in);
        if (!counts) return fail(counts.error());
        merged.push_back({{"file", in.toStdString()}, {"layers", counts->layers}, {"explanations", counts->explanations},
                          {"reviews", counts->reviews}, {"imported", counts->imported}});
    }
    auto check = (*db)->integrityCheck();
    if (!check) return fail(check.error());
    printJson({{"out", (*db)->path().toStdString()}, {"merged", merged}, {"integrity", check->toStdString()}});
    return *check == QLatin1String("ok") ? 0 : 1;
}

}  // namespace ns::cli
