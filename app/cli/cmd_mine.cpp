#include "cli_common.h"
#include "commands.h"

#include "activations/record_json.h"
#include "model/language_model.h"
#include "store/mined_layers.h"
#include "util/resource_paths.h"

#include <QElapsedTimer>
#include <QFileInfo>

#include <csignal>

namespace ns::cli {
namespace {

volatile std::sig_atomic_t g_cancel = 0;
void onSignal(int) { g_cancel = 1; }

void addMiningOptions(Command& c) {
    addModelOption(c);
    c.addValue(QStringLiteral("corpus"), QStringLiteral("Corpus text file (default: the embedded corpus)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(defaultCachePath()), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addFlag(QStringLiteral("recompute"), QStringLiteral("Mine again even when the layer is cached."));
    c.addValue(QStringLiteral("batch"), QStringLiteral("Windows per mining step (default 32). The records are the same for any value: "
                                                       "the forward pass always runs batches of one fixed shape."),
               QStringLiteral("N"), QStringLiteral("32"));
    c.addValue(QStringLiteral("threads"), QStringLiteral("Compute threads (default: every core, or OMP_NUM_THREADS). "
                                                         "The records are the same for any value."),
               QStringLiteral("N"));
}

/// The cache for mining commands. With `readFirst` (and the file there, and no --recompute) a
/// read-only connection: a cached layer is then read without write access to the directory.
Expected<std::unique_ptr<CacheDb>> openCache(const Command& c, bool readFirst) {
    const QString path = c.isSet(QStringLiteral("db")) ? c.value(QStringLiteral("db")) : defaultCachePath();
    if (readFirst && !c.isSet(QStringLiteral("recompute")) && QFileInfo::exists(path))
        return CacheDb::open(path, CacheDb::Access::ReadOnly);
    return CacheDb::open(path);
}

struct MiningContext {
    std::shared_ptr<LanguageModel> model;
    std::unique_ptr<CacheDb> db;
    MinedLayer layer;
};

// Loads the model, opens the cache and obtains the mined layer, printing progress on stderr.
// With `readFirst` the cache is opened for writing only when the layer must be mined.
Expected<MiningContext> mine(const Command& c, int topK, bool readFirst = false) {
    if (!c.isSet(QStringLiteral("layer"))) return makeError(QStringLiteral("--layer is required"));
    auto model = loadModel(c);
    if (!model) return Error{model.error()};
    auto layer = c.intValue(QStringLiteral("layer"), 0, (*model)->config().nLayer - 1);
    if (!layer) return Error{layer.error()};
    auto db = openCache(c, readFirst);
    if (!db) return Error{db.error()};
    auto batch = c.intValue(QStringLiteral("batch"), 1, 4096);
    if (!batch) return Error{batch.error()};
    if (c.isSet(QStringLiteral("threads"))) {
        auto threads = c.intValue(QStringLiteral("threads"), 1, 1024);
        if (!threads) return Error{threads.error()};
        setComputeThreads(*threads);
    }
    MineOptions o;
    o.layer = *layer;
    o.batchSize = *batch;
    o.topK = topK;
    o.windowTokens = std::min(o.windowTokens, (*model)->config().nPositions);
    const QString corpus = c.isSet(QStringLiteral("corpus")) ? c.value(QStringLiteral("corpus")) : defaultCorpusPath();
    if ((*db)->readOnly()) {
        auto found = findMinedLayer(**db, **model, corpus, o);
        if (!found) return Error{found.error()};
        if (found->has_value()) return MiningContext{std::move(*model), std::move(*db), **found};
        const QString path = (*db)->path();
        db = CacheDb::open(path);  // not cached: mining needs to write
        if (!db) return Error{db.error()};
    }
    std::signal(SIGINT, onSignal);
    QElapsedTimer timer;
    timer.start();
    qint64 lastReport = -1000;
    auto mined = obtainMinedLayer(**db, **model, corpus, o, [&](const MiningProgress& p) {
        if (timer.elapsed() - lastReport >= 1000) {
            lastReport = timer.elapsed();
            progressLine(QStringLiteral("mining layer %1: %2% (%3 tokens, %4 tokens/s)")
                             .arg(o.layer).arg(p.bytesTotal ? 100.0 * p.bytesDone / p.bytesTotal : 0.0, 0, 'f', 1)
                             .arg(p.tokens).arg(p.tokens / std::max(1e-3, timer.elapsed() / 1000.0), 0, 'f', 0));
        }
        return g_cancel == 0;
    }, c.isSet(QStringLiteral("recompute")));
    if (!mined) return Error{mined.error()};
    return MiningContext{std::move(*model), std::move(*db), *mined};
}

}  // namespace

int runMine(const QStringList& args) {
    Command c(QStringLiteral("Records every neuron of a layer over a corpus, in one pass, into the cache."));
    addMiningOptions(c);
    if (int rc = c.parse(args); rc >= 0) return rc;
    auto ctx = mine(c, MineOptions{}.topK);
    if (!ctx) return fail(ctx.error());
    const auto& info = ctx->layer.info;
    printJson({{"layer", c.value(QStringLiteral("layer")).toInt()},
               {"neurons", ctx->model->config().nInner},
               {"cached", ctx->layer.fromCache},
               {"tokens", info.tokens},
               {"windows", info.windows},
               {"documents", info.documents},
               {"seconds", info.seconds},
               {"tokens_per_second", info.seconds > 0 ? info.tokens / info.seconds : 0.0},
               {"db", ctx->db->path().toStdString()}});
    return 0;
}

int runTop(const QStringList& args) {
    Command c(QStringLiteral("A neuron's record (top, quantile-bin and random exemplars, histogram, stats); "
                             "mines the layer first when it is not cached."));
    addMiningOptions(c);
    c.addValue(QStringLiteral("neuron"), QStringLiteral("Neuron (0-based)."), QStringLiteral("N"));
    c.addValue(QStringLiteral("k"), QStringLiteral("Top exemplars to print (default 20)."), QStringLiteral("K"), QStringLiteral("20"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("neuron"))) return fail(QStringLiteral("--neuron is required"));
    auto k = c.intValue(QStringLiteral("k"), 1, 1000);
    if (!k) return fail(k.error());
    auto ctx = mine(c, std::max(MineOptions{}.topK, *k), true);
    if (!ctx) return fail(ctx.error());
    auto neuron = c.intValue(QStringLiteral("neuron"), 0, ctx->model->config().nInner - 1);
    if (!neuron) return fail(neuron.error());
    auto record = ctx->db->loadNeuron(ctx->layer.layerId, *neuron);
    if (!record) return fail(record.error());
    printJson(recordToJson(*record, ctx->model->tokenizer(), *k));
    return 0;
}

}  // namespace ns::cli
