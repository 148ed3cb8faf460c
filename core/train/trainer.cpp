#include "train/trainer.h"

#include "model/gpt2_net.h"
#include "model/safetensors.h"
#include "tokenizer/bpe_tokenizer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QThread>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <sstream>

namespace ns {
namespace {

constexpr double kPi = 3.14159265358979323846;

Expected<QByteArray> readFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    return f.readAll();
}

/// Tokenizes a text once and keeps the ids beside the checkpoints, keyed by text and tokenizer.
Expected<std::vector<int>> tokenizedCorpus(const QString& textPath, const BpeTokenizer& tok,
                                           const QString& tokenizerKey, const QString& cacheDir) {
    auto text = readFile(textPath);
    if (!text) return Error{text.error()};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(*text);
    h.addData(tokenizerKey.toUtf8());
    const QString cachePath = QDir(cacheDir).filePath(QStringLiteral("tokens-%1.bin").arg(QString::fromLatin1(h.result().toHex().left(16))));
    QFile cached(cachePath);
    if (cached.open(QIODevice::ReadOnly)) {
        const QByteArray raw = cached.readAll();
        std::vector<int> ids(static_cast<size_t>(raw.size()) / sizeof(int));
        std::memcpy(ids.data(), raw.constData(), ids.size() * sizeof(int));
        return ids;
    }
    std::vector<int> ids = tok.encode(std::string_view(text->constData(), static_cast<size_t>(text->size())), true);
    QSaveFile out(cachePath);
    if (out.open(QIODevice::WriteOnly)) {
        out.write(reinterpret_cast<const char*>(ids.data()), static_cast<qint64>(ids.size() * sizeof(int)));
        out.commit();
    }
    return ids;
}

double scheduledRate(const TrainOptions& o, int64_t step) {
    if (step < o.warmupSteps) return o.learningRate * static_cast<double>(step + 1) / o.warmupSteps;
    const double progress = static_cast<double>(step - o.warmupSteps) / std::max<int64_t>(1, o.steps - o.warmupSteps);
    return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1.0 + std::cos(kPi * std::min(1.0, progress)));
}

std::string runKey(const TrainOptions& o, const QString& tokenizerKey) {
    nlohmann::json j;
    j["config"] = nlohmann::json::parse(o.config.toJson());
    j["batch"] = o.batchSize;
    j["steps"] = o.steps;
    j["warmup"] = o.warmupSteps;
    j["lr"] = o.learningRate;
    j["min_lr"] = o.minLearningRate;
    j["wd"] = o.weightDecay;
    j["seed"] = o.seed;
    j["tokenizer"] = tokenizerKey.toStdString();
    return j.dump();
}

}  // namespace

Expected<TrainResult> trainModel(const TrainOptions& optsIn, const std::function<bool(const TrainProgress&)>& progress) {
    TrainOptions o = optsIn;
    if (o.checkpointDir.isEmpty()) o.checkpointDir = QDir(o.outDir).filePath(QStringLiteral("checkpoints"));
    if (!QDir().mkpath(o.outDir) || !QDir().mkpath(o.checkpointDir))
        return makeError(QStringLiteral("%1: cannot create the output directory").arg(o.outDir));
    auto tok = BpeTokenizer::loadDirectory(o.tokenizerDir);
    if (!tok) return Error{tok.error()};
    o.config.vocabSize = tok->vocabSize();
    if (const QString p = o.config.validate(); !p.isEmpty()) return makeError(QStringLiteral("model configuration: ") + p);
    if (o.steps <= 0 || o.batchSize <= 0) return makeError(QStringLiteral("steps and batch size must be positive"));

    QString tokenizerKey;
    {
        QCryptographicHash h(QCryptographicHash::Sha256);
        for (const char* n : {"vocab.json", "merges.txt"}) {
            auto b = readFile(QDir(o.tokenizerDir).filePath(QString::fromLatin1(n)));
            if (b) h.addData(*b);
        }
        tokenizerKey = QString::fromLatin1(h.result().toHex());
    }
    auto ids = tokenizedCorpus(o.textFile, tok.value(), tokenizerKey, o.checkpointDir);
    if (!ids) return Error{ids.error()};
    const int64_t T = o.config.nPositions;
    if (static_cast<int64_t>(ids->size()) < T + 2)
        return makeError(QStringLiteral("%1: too little text for one training sequence of %2 tokens").arg(o.textFile).arg(T));
    const auto data = torch::from_blob(ids->data(), {static_cast<int64_t>(ids->size())}, torch::kInt).to(torch::kLong);

    if (qEnvironmentVariableIsEmpty("OMP_NUM_THREADS")) torch::set_num_threads(std::max(1, QThread::idealThreadCount()));
    auto net = std::make_shared<Gpt2Net>(o.config);
    net->initialise(o.seed);
    net->train();

    std::vector<torch::Tensor> decay, noDecay;
    for (auto& [name, t] : net->namedWeights()) (t.dim() >= 2 ? decay : noDecay).push_back(t);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.95}).weight_decay(o.weightDecay)));
    groups.emplace_back(noDecay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.learningRate).betas({0.9, 0.95}).weight_decay(0.0)));
    torch::optim::AdamW optimizer(groups);

    std::mt19937_64 rng(o.seed);
    int64_t step = 0;
    const QString ckptPath = QDir(o.checkpointDir).filePath(QStringLiteral("checkpoint.pt"));
    const QString statePath = QDir(o.checkpointDir).filePath(QStringLiteral("checkpoint.json"));
    const std::string key = runKey(o, tokenizerKey);
    bool resumed = false;

    try {
        if (QFile::exists(ckptPath) && QFile::exists(statePath)) {
            auto stateBytes = readFile(statePath);
            const auto state = nlohmann::json::parse(stateBytes->toStdString());
            if (state.value("run", std::string()) != key)
                return makeError(QStringLiteral("%1: a checkpoint of a different run is here; remove it or choose another directory").arg(o.checkpointDir));
            torch::serialize::InputArchive in;
            in.load_from(ckptPath.toStdString());
            torch::NoGradGuard noGrad;
            for (auto& [name, t] : net->namedWeights()) {
                torch::Tensor v;
                in.read("model/" + name, v);
                t.copy_(v);
            }
            optimizer.load(in);
            std::istringstream rs(state["rng"].get<std::string>());
            rs >> rng;
            step = state["step"].get<int64_t>();
            resumed = true;
        }

        auto saveCheckpoint = [&]() -> Expected<void> {
            torch::serialize::OutputArchive out;
            for (auto& [name, t] : net->namedWeights()) out.write("model/" + name, t);
            optimizer.save(out);
            const QString tmp = ckptPath + QStringLiteral(".tmp");
            out.save_to(tmp.toStdString());
            std::ostringstream rs;
            rs << rng;
            nlohmann::json state{{"run", key}, {"step", step}, {"rng", rs.str()}};
            QSaveFile sf(statePath);
            if (!sf.open(QIODevice::WriteOnly)) return makeError(statePath + QStringLiteral(": cannot write"));
            // The weights go into place first; the state names the step they belong to.
            QFile::remove(ckptPath);
            if (!QFile::rename(tmp, ckptPath)) return makeError(ckptPath + QStringLiteral(": cannot write"));
            sf.write(QByteArray::fromStdString(state.dump()));
            if (!sf.commit()) return makeError(statePath + QStringLiteral(": cannot write"));
            return {};
        };

        QElapsedTimer timer;
        timer.start();
        double lossSum = 0;
        int lossCount = 0;
        int64_t tokensSince = 0;
        QElapsedTimer since;
        since.start();
        TrainResult result;
        std::uniform_int_distribution<int64_t> pick(0, static_cast<int64_t>(ids->size()) - T - 2);
        bool reportedResume = false;
        while (step < o.steps) {
            const double lr = scheduledRate(o, step);
            for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
            std::vector<torch::Tensor> rows;
            for (int b = 0; b < o.batchSize; ++b) rows.push_back(data.narrow(0, pick(rng), T + 1));
            const auto batch = torch::stack(rows);
            const auto x = batch.slice(1, 0, T), y = batch.slice(1, 1, T + 1);
            optimizer.zero_grad();
            auto logits = net->forward(x, {}, nullptr);
            auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, o.config.vocabSize}), y.reshape({-1}));
            loss.backward();
            torch::nn::utils::clip_grad_norm_(net->parameters(), 1.0);
            optimizer.step();
            ++step;
            const double l = loss.item<double>();
            if (!std::isfinite(l)) return makeError(QStringLiteral("training diverged at step %1 (loss is not finite); lower the learning rate").arg(step));
            lossSum += l;
            ++lossCount;
            tokensSince += o.batchSize * T;
            result.finalTrainLoss = l;
            const bool last = step == o.steps;
            if (step % o.logEvery == 0 || last) {
                TrainProgress p{step, o.steps, lossSum / lossCount, lr,
                                tokensSince / std::max(1e-9, since.elapsed() / 1000.0), resumed && !reportedResume};
                reportedResume = true;
                result.finalTrainLoss = p.loss;
                lossSum = 0;
                lossCount = 0;
                tokensSince = 0;
                since.restart();
                const bool goOn = !progress || progress(p);
                if (!goOn) {
                    if (auto r = saveCheckpoint(); !r) return Error{r.error()};
                    result.steps = step;
                    result.seconds = timer.elapsed() / 1000.0;
                    return result;
                }
            }
            if (step % o.checkpointEvery == 0 && !last)
                if (auto r = saveCheckpoint(); !r) return Error{r.error()};
        }
        if (auto r = saveCheckpoint(); !r) return Error{r.error()};

        // Output in Hugging Face layout: config, weights, tokenizer.
        net->eval();
        QDir out(o.outDir);
        std::vector<torch::Tensor> keep;
        std::vector<TensorToWrite> tensors;
        for (auto& [name, t] : net->namedWeights()) {
            keep.push_back(t.detach().contiguous());
            tensors.push_back({name, keep.back().sizes().vec(), keep.back().data_ptr<float>(), DType::F32});
        }
        if (auto r = writeSafetensors(out.filePath(QStringLiteral("model.safetensors")), tensors, {{"format", "pt"}}); !r)
            return Error{r.error()};
        QSaveFile cfg(out.filePath(QStringLiteral("config.json")));
        cfg.open(QIODevice::WriteOnly);
        cfg.write(QByteArray::fromStdString(o.config.toJson()));
        if (!cfg.commit()) return makeError(out.filePath(QStringLiteral("config.json")) + QStringLiteral(": cannot write"));
        for (const char* n : {"vocab.json", "merges.txt"}) {
            const QString dst = out.filePath(QString::fromLatin1(n));
            const QString src = QDir(o.tokenizerDir).filePath(QString::fromLatin1(n));
            if (QFileInfo(src).absoluteFilePath() == QFileInfo(dst).absoluteFilePath()) continue;
            QFile::remove(dst);
            if (!QFile::copy(src, dst)) return makeError(dst + QStringLiteral(": cannot write"));
        }
        if (!o.validFile.isEmpty()) {
            auto vids = tokenizedCorpus(o.validFile, tok.value(), tokenizerKey, o.checkpointDir);
            if (!vids) return Error{vids.error()};
            torch::NoGradGuard noGrad;
            double sum = 0;
            int64_t n = 0;
            for (size_t s = 0; s + T + 1 <= vids->size(); s += T) {
                std::vector<int64_t> chunk(vids->begin() + s, vids->begin() + s + T + 1);
                auto t = torch::from_blob(chunk.data(), {1, T + 1}, torch::kLong);
                auto lg = net->forward(t.slice(1, 0, T), {}, nullptr);
                sum += torch::nn::functional::cross_entropy(lg.view({T, -1}), t.slice(1, 1, T + 1).reshape({-1}),
                                                            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
                n += T;
            }
            result.validLoss = n ? sum / n : -1;
        }
        result.steps = step;
        result.trainTokens = static_cast<int64_t>(ids->size());
        result.seconds = timer.elapsed() / 1000.0;
        result.completed = true;
        return result;
    } catch (const c10::Error& e) {
        return makeError(QStringLiteral("training failed: %1").arg(QString::fromUtf8(e.what_without_backtrace())));
    } catch (const std::exception& e) {
        return makeError(QStringLiteral("training failed: %1").arg(QString::fromUtf8(e.what())));
    }
}

}  // namespace ns
