// neuronscope-bench: prints the engine's speed and memory figures as JSON (not a test).
//   forward tokens/s in C++ and, on the same weights and batch, in Python (python3-torch);
//   mining tokens/s against plain forward passes over the same corpus and layer (the median of
//   three alternating pairs);
//   peak RSS of mining a corpus and the same corpus four times over (separate processes);
//   seconds to tokenize one 1M-letter word (BPE merges on one long pre-token).
#include "activations/miner.h"
#include "model/language_model.h"
#include "util/resource_paths.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <random>

using namespace ns;

namespace {

constexpr int kMiningPairs = 3;

double peakRssMb() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:")) return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

nlohmann::json runChild(const QStringList& args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start(QCoreApplication::applicationFilePath(), args);
    p.waitForFinished(-1);
    try {
        return nlohmann::json::parse(p.readAllStandardOutput().toStdString());
    } catch (...) {
        return {{"error", "child failed"}};
    }
}

/// 4. BPE on one long pre-token (a 1M-letter word): seconds to encode it, once.
nlohmann::json longWordFigures(const BpeTokenizer& tok) {
    std::mt19937 rng(7);
    std::string word(1000000, 'a');
    for (char& c : word) c = static_cast<char>('a' + rng() % 26);
    QElapsedTimer t;
    t.start();
    const size_t tokens = tok.encode(word).size();
    return {{"characters", word.size()}, {"tokens", tokens}, {"seconds", t.elapsed() / 1000.0}};
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption modelOpt(QStringLiteral("model"), QStringLiteral("Model directory."), QStringLiteral("DIR"), defaultModelDir());
    const QCommandLineOption corpusOpt(QStringLiteral("corpus"), QStringLiteral("Corpus."), QStringLiteral("F"), defaultCorpusPath());
    const QCommandLineOption layerOpt(QStringLiteral("layer"), QStringLiteral("Layer to mine (default: the last)."), QStringLiteral("L"), QStringLiteral("-1"));
    const QCommandLineOption childOpt(QStringLiteral("mine-child"), QStringLiteral("Internal: mine F and report peak RSS."), QStringLiteral("F"));
    const QCommandLineOption plainOpt(QStringLiteral("plain"), QStringLiteral("Internal: with --mine-child, forward passes only."));
    const QCommandLineOption forwardOnlyOpt(QStringLiteral("forward-only"), QStringLiteral("Only the forward figures (C++ and Python)."));
    parser.addOptions({modelOpt, corpusOpt, layerOpt, childOpt, plainOpt, forwardOnlyOpt});
    parser.process(app);
    setComputeThreads();

    auto model = LanguageModel::load(parser.value(modelOpt));
    if (!model) {
        std::cerr << model.error().toStdString() << std::endl;
        return 1;
    }
    const auto& m = **model;
    int layer = parser.value(layerOpt).toInt();
    if (layer < 0) layer = m.config().nLayer - 1;
    MineOptions mo;
    mo.layer = layer;
    mo.windowTokens = std::min(64, m.config().nPositions);

    if (parser.isSet(childOpt)) {
        mo.accumulate = !parser.isSet(plainOpt);
        auto r = mineLayer(m, parser.value(childOpt), mo);
        if (!r) {
            std::cerr << r.error().toStdString() << std::endl;
            return 1;
        }
        std::cout << nlohmann::json{{"tokens", r->tokens}, {"seconds", r->seconds}, {"peak_rss_mb", peakRssMb()}}.dump() << std::endl;
        return 0;
    }

    // 1. Forward throughput on a fixed random batch (32 x 64), full model with logits.
    const int B = 32, T = std::min(64, m.config().nPositions), reps = 10;
    std::mt19937 rng(1);
    std::vector<std::vector<int>> batch(B, std::vector<int>(T));
    for (auto& row : batch)
        for (auto& id : row) id = static_cast<int>(rng() % static_cast<unsigned>(m.config().vocabSize));
    m.forward(batch, {}, true);
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < reps; ++i) m.forward(batch, {}, true);
    const double cppTps = double(B) * T * reps / (t.elapsed() / 1000.0);

    QProcess py;
    py.start(QStringLiteral("/usr/bin/python3"),
             {QStringLiteral(NS_BENCH_DIR "/python_forward.py"), QStringLiteral("--model"), m.directory(),
              QStringLiteral("--batch"), QString::number(B), QStringLiteral("--seq"), QString::number(T),
              QStringLiteral("--reps"), QString::number(reps), QStringLiteral("--threads"), QString::number(computeThreads())});
    py.waitForFinished(-1);
    double pyTps = 0;
    try {
        pyTps = nlohmann::json::parse(py.readAllStandardOutput().toStdString()).at("tokens_per_second").get<double>();
    } catch (...) {
        std::cerr << "python benchmark failed: " << py.readAllStandardError().toStdString() << std::endl;
    }

    const nlohmann::json forwardFigures{{"batch", B}, {"seq", T}, {"cpp_tokens_per_second", cppTps}, {"python_tokens_per_second", pyTps},
                                        {"cpp_over_python", pyTps > 0 ? cppTps / pyTps : 0.0}};
    if (parser.isSet(forwardOnlyOpt)) {
        std::cout << nlohmann::json{{"threads", computeThreads()}, {"forward", forwardFigures}}.dump(2) << std::endl;
        return 0;
    }

    // 2. Mining against plain forward passes, and 3. peak RSS on 1x and 4x the corpus.
    const QString corpus = parser.value(corpusOpt);
    QTemporaryDir tmp;
    const QString corpus4 = tmp.filePath(QStringLiteral("corpus4x.txt"));
    {
        QFile in(corpus), out(corpus4);
        in.open(QIODevice::ReadOnly);
        out.open(QIODevice::WriteOnly);
        const QByteArray text = in.readAll();
        for (int i = 0; i < 4; ++i) out.write(text + "\n<|endoftext|>\n");
    }
    const QStringList common{QStringLiteral("--model"), m.directory(), QStringLiteral("--layer"), QString::number(layer)};
    // The two kinds of pass alternate, three pairs: a figure from one pair moves by several
    // percent with whatever else the machine does; the median pair's is the figure.
    auto tps = [](const nlohmann::json& j) {
        return j.contains("seconds") && j["seconds"].get<double>() > 0 ? j["tokens"].get<double>() / j["seconds"].get<double>() : 0.0;
    };
    std::vector<nlohmann::json> plains, mineds;
    std::vector<double> ratios;
    for (int pair = 0; pair < kMiningPairs; ++pair) {
        plains.push_back(runChild(common + QStringList{QStringLiteral("--mine-child"), corpus, QStringLiteral("--plain")}));
        mineds.push_back(runChild(common + QStringList{QStringLiteral("--mine-child"), corpus}));
        ratios.push_back(tps(plains.back()) > 0 ? tps(mineds.back()) / tps(plains.back()) : 0.0);
    }
    std::vector<size_t> order(ratios.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ratios[a] < ratios[b]; });
    const size_t median = order[order.size() / 2];
    const auto& plain = plains[median];
    const auto& mined = mineds[median];
    const auto mined4 = runChild(common + QStringList{QStringLiteral("--mine-child"), corpus4});
    const nlohmann::json out{
        {"model", m.directory().toStdString()},
        {"config", {{"n_layer", m.config().nLayer}, {"n_embd", m.config().nEmbd}, {"d_mlp", m.config().nInner}, {"vocab", m.config().vocabSize}}},
        {"threads", computeThreads()},
        {"forward", forwardFigures},
        {"mining", {{"layer", layer}, {"neurons", m.config().nInner}, {"tokens", mined.value("tokens", 0)},
                    {"plain_forward_tokens_per_second", tps(plain)}, {"mining_tokens_per_second", tps(mined)},
                    {"mining_over_plain_forward", ratios[median]}, {"mining_over_plain_forward_each_pair", ratios}}},
        {"memory", {{"corpus_mb", QFileInfo(corpus).size() / 1e6}, {"peak_rss_mb", mined.value("peak_rss_mb", -1.0)},
                    {"corpus_4x_mb", QFileInfo(corpus4).size() / 1e6}, {"peak_rss_4x_mb", mined4.value("peak_rss_mb", -1.0)},
                    {"plain_forward_peak_rss_mb", plain.value("peak_rss_mb", -1.0)}}}};
    nlohmann::json withTokenizer = out;
    withTokenizer["tokenizer_long_word"] = longWordFigures(m.tokenizer());
    std::cout << withTokenizer.dump(2) << std::endl;
    return 0;
}
