// neuronscope-cli: the command-line face of the core. Each command parses its options, calls
// core/, prints JSON on stdout and progress on stderr.
#include "cli_common.h"
#include "commands.h"

#include <QApplication>
#include <QCoreApplication>

#include <cstdio>
#include <cstring>
#include <new>
#include <memory>
#include <functional>
#include <map>

namespace {

struct Entry {
    std::function<int(const QStringList&)> run;
    const char* summary;
};

const std::map<QString, Entry>& commands() {
    using namespace ns::cli;
    static const std::map<QString, Entry> table{
        {QStringLiteral("info"), {runInfo, "the model's configuration"}},
        {QStringLiteral("tokenize"), {runTokenize, "token ids and token texts of a text"}},
        {QStringLiteral("activations"), {runActivations, "MLP neuron activations of a layer on a text"}},
        {QStringLiteral("eval"), {runEval, "mean next-token cross-entropy on a text file"}},
        {QStringLiteral("bigram"), {runBigram, "the bigram baseline loss on a text file"}},
        {QStringLiteral("train-tokenizer"), {runTrainTokenizer, "train a byte-level BPE tokenizer"}},
        {QStringLiteral("train"), {runTrain, "train a GPT-2-architecture model (resumable)"}},
        {QStringLiteral("mine"), {runMine, "record every neuron of a layer over a corpus into the cache"}},
        {QStringLiteral("top"), {runTop, "a neuron's record: top, quantile-bin and random exemplars"}},
        {QStringLiteral("explain"), {runExplain, "explain a neuron with the agent loop"}},
        {QStringLiteral("evaluate"), {runEvaluate, "explain random neurons of a layer; loop against single-pass"}},
        {QStringLiteral("batch"), {runBatch, "explain many neurons of a layer (resumable, shardable)"}},
        {QStringLiteral("export"), {runExport, "a layer's neurons as CSV, JSON, OpenAI's or Neuronpedia's format"}},
        {QStringLiteral("import"), {runImport, "score other tools' explanations on NeuronScope's test split"}},
        {QStringLiteral("merge"), {runMerge, "merge cache files, such as batch shards, into one"}},
        {QStringLiteral("report"), {runReport, "a PDF report of a neuron's explanation (no display needed)"}},
    };
    return table;
}

int usage(FILE* out) {
    std::fprintf(out, "Usage: neuronscope-cli COMMAND [options]   (COMMAND --help for its options)\n\nCommands:\n");
    for (const auto& [name, e] : commands())
        std::fprintf(out, "  %-16s %s\n", name.toUtf8().constData(), e.summary);
    std::fprintf(out, "\nJSON goes to stdout, progress to stderr; errors exit non-zero.\n");
    return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    // `report` paints charts and text into a PDF: that needs a GUI application, offscreen
    // unless the caller chose a platform.
    const bool painting = argc > 1 && std::strcmp(argv[1], "report") == 0;
    if (painting && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> application =
        painting ? std::make_unique<QApplication>(argc, argv) : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication& app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("neuronscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NEURONSCOPE_VERSION));
    const QStringList args = app.arguments();
    if (args.size() < 2) return usage(stderr);
    const QString cmd = args.at(1);
    if (cmd == QLatin1String("--help") || cmd == QLatin1String("-h") || cmd == QLatin1String("help")) return usage(stdout);
    if (cmd == QLatin1String("--version")) {
        std::printf("neuronscope-cli %s\n", NEURONSCOPE_VERSION);
        return 0;
    }
    const auto it = commands().find(cmd);
    if (it == commands().end()) {
        std::fprintf(stderr, "neuronscope-cli: unknown command '%s'\n\n", cmd.toUtf8().constData());
        return usage(stderr);
    }
    QStringList rest = args.mid(2);
    rest.prepend(args.at(0) + QLatin1Char(' ') + cmd);
    try {
        return it->second.run(rest);
    } catch (const std::bad_alloc&) {  // core catches its own; this is the last edge, never an abort
        std::fprintf(stderr, "neuronscope-cli: %s: out of memory\n", cmd.toUtf8().constData());
        return 1;
    }
}
