#include "cli_common.h"
#include "commands.h"

#include "tokenizer/bpe_trainer.h"
#include "train/trainer.h"

#include <QElapsedTimer>

#include <csignal>

namespace ns::cli {
namespace {
volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }
}  // namespace

int runTrainTokenizer(const QStringList& args) {
    Command c(QStringLiteral("Trains a GPT-2-style byte-level BPE tokenizer and writes vocab.json and merges.txt."));
    c.addValue(QStringLiteral("text"), QStringLiteral("Training text (UTF-8; documents separated by <|endoftext|>)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("out"), QStringLiteral("Output directory."), QStringLiteral("DIR"));
    c.addValue(QStringLiteral("vocab-size"), QStringLiteral("Vocabulary size including bytes and <|endoftext|> (default 8192)."),
               QStringLiteral("N"), QStringLiteral("8192"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    if (!c.isSet(QStringLiteral("text")) || !c.isSet(QStringLiteral("out"))) return fail(QStringLiteral("--text and --out are required"));
    auto vs = c.intValue(QStringLiteral("vocab-size"), 257, 1 << 20);
    if (!vs) return fail(vs.error());
    BpeTrainOptions o;
    o.textFile = c.value(QStringLiteral("text"));
    o.outDir = c.value(QStringLiteral("out"));
    o.vocabSize = *vs;
    QElapsedTimer t;
    t.start();
    auto r = trainBpe(o, [](int done, int wanted) {
        if (done % 1000 == 0) progressLine(QStringLiteral("merges %1/%2").arg(done).arg(wanted));
        return true;
    });
    if (!r) return fail(r.error());
    printJson({{"out", o.outDir.toStdString()}, {"vocab_size", o.vocabSize}, {"seconds", t.elapsed() / 1000.0}});
    return 0;
}

int runTrain(const QStringList& args) {
    Command c(QStringLiteral("Trains a GPT-2-architecture model on a text file; resumes from its checkpoints."));
    const auto S = QStringLiteral("N");
    c.addValue(QStringLiteral("text"), QStringLiteral("Training text (documents separated by <|endoftext|>)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("valid"), QStringLiteral("Held-out text for the final validation loss."), QStringLiteral("F"));
    c.addValue(QStringLiteral("tokenizer"), QStringLiteral("Directory with vocab.json and merges.txt."), QStringLiteral("DIR"));
    c.addValue(QStringLiteral("out"), QStringLiteral("Output directory (Hugging Face layout)."), QStringLiteral("DIR"));
    c.addValue(QStringLiteral("checkpoints"), QStringLiteral("Checkpoint directory (default OUT/checkpoints)."), QStringLiteral("DIR"));
    c.addValue(QStringLiteral("layers"), QStringLiteral("Transformer blocks (default 4)."), S, QStringLiteral("4"));
    c.addValue(QStringLiteral("d-model"), QStringLiteral("Residual width (default 256)."), S, QStringLiteral("256"));
    c.addValue(QStringLiteral("d-mlp"), QStringLiteral("MLP width: neurons per layer (default 1024)."), S, QStringLiteral("1024"));
    c.addValue(QStringLiteral("heads"), QStringLiteral("Attention heads (default 4)."), S, QStringLiteral("4"));
    c.addValue(QStringLiteral("context"), QStringLiteral("Context length (default 256)."), S, QStringLiteral("256"));
    c.addValue(QStringLiteral("batch"), QStringLiteral("Sequences per step (default 16)."), S, QStringLiteral("16"));
    c.addValue(QStringLiteral("steps"), QStringLiteral("Optimizer steps (default 1000)."), S, QStringLiteral("1000"));
    c.addValue(QStringLiteral("warmup"), QStringLiteral("Warm-up steps (default 100)."), S, QStringLiteral("100"));
    c.addValue(QStringLiteral("lr"), QStringLiteral("Peak learning rate (default 0.001)."), QStringLiteral("X"), QStringLiteral("0.001"));
    c.addValue(QStringLiteral("min-lr"), QStringLiteral("Final learning rate (default 0.0001)."), QStringLiteral("X"), QStringLiteral("0.0001"));
    c.addValue(QStringLiteral("weight-decay"), QStringLiteral("AdamW weight decay (default 0.1)."), QStringLiteral("X"), QStringLiteral("0.1"));
    c.addValue(QStringLiteral("seed"), QStringLiteral("Seed of initialisation and data order (default 1234)."), S, QStringLiteral("1234"));
    c.addValue(QStringLiteral("checkpoint-every"), QStringLiteral("Steps between checkpoints (default 200)."), S, QStringLiteral("200"));
    if (int rc = c.parse(args); rc >= 0) return rc;
    for (const char* req : {"text", "tokenizer", "out"})
        if (!c.isSet(QString::fromLatin1(req))) return fail(QStringLiteral("--%1 is required").arg(QString::fromLatin1(req)));

    TrainOptions o;
    o.textFile = c.value(QStringLiteral("text"));
    o.validFile = c.value(QStringLiteral("valid"));
    o.tokenizerDir = c.value(QStringLiteral("tokenizer"));
    o.outDir = c.value(QStringLiteral("out"));
    o.checkpointDir = c.value(QStringLiteral("checkpoints"));
    struct IntOpt { const char* name; int* dst; int min, max; };
    int steps = 0, seed = 0;
    const IntOpt ints[] = {{"layers", &o.config.nLayer, 1, 96},      {"d-model", &o.config.nEmbd, 8, 8192},
                           {"d-mlp", &o.config.nInner, 8, 65536},    {"heads", &o.config.nHead, 1, 128},
                           {"context", &o.config.nPositions, 2, 8192}, {"batch", &o.batchSize, 1, 4096},
                           {"steps", &steps, 1, 100000000},          {"warmup", &o.warmupSteps, 1, 100000000},
                           {"seed", &seed, 0, 2147483647},           {"checkpoint-every", &o.checkpointEvery, 1, 100000000}};
    for (const auto& io : ints) {
        auto v = c.intValue(QString::fromLatin1(io.name), io.min, io.max);
        if (!v) return fail(v.error());
        *io.dst = *v;
    }
    o.steps = steps;
    o.seed = static_cast<uint64_t>(seed);
    const struct { const char* name; double* dst; double min, max; } reals[] = {
        {"lr", &o.learningRate, 1e-9, 10}, {"min-lr", &o.minLearningRate, 0, 10}, {"weight-decay", &o.weightDecay, 0, 10}};
    for (const auto& r : reals) {
        auto v = c.doubleValue(QString::fromLatin1(r.name), r.min, r.max);
        if (!v) return fail(v.error());
        *r.dst = *v;
    }
    o.config.vocabSize = 1;  // replaced by the tokenizer's size

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    auto r = trainModel(o, [](const TrainProgress& p) {
        progressLine(QStringLiteral("%1step %2/%3 loss %4 lr %5 %6 tokens/s")
                         .arg(p.resumed ? QStringLiteral("(resumed) ") : QString())
                         .arg(p.step).arg(p.steps).arg(p.loss, 0, 'f', 4).arg(p.learningRate, 0, 'g', 3)
                         .arg(p.tokensPerSecond, 0, 'f', 0));
        return g_stop == 0;
    });
    if (!r) return fail(r.error());
    nlohmann::json j{{"out", o.outDir.toStdString()}, {"steps", r->steps}, {"completed", r->completed},
                     {"train_loss", r->finalTrainLoss}, {"train_tokens", r->trainTokens}, {"seconds", r->seconds}};
    if (r->validLoss >= 0) j["valid_loss"] = r->validLoss;
    printJson(j);
    return r->completed ? 0 : 3;
}

}  // namespace ns::cli
