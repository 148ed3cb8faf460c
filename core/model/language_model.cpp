#include "model/language_model.h"

#include "model/compute_pool.h"
#include "model/gpt2_net.h"
#include "model/safetensors.h"
#include "model/weight_layout.h"
#include "text/utf8.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QThread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <atomic>
#include <mutex>
#include <new>

namespace ns {

namespace {
std::atomic<int> g_computeThreads{0};  // 0: not chosen yet
}  // namespace

void setComputeThreads(int threads) {
    const int n = threads > 0 ? threads : std::max(1, QThread::idealThreadCount());
    g_computeThreads = n;
    torch::set_num_threads(n);  // for the trainer, whose kernels use torch's own threads
}
int computeThreads() {
    const int n = g_computeThreads.load();
    return n > 0 ? n : torch::get_num_threads();
}

struct LanguageModel::Impl {
    QString dir;
    QString fingerprint;
    ModelConfig config;
    std::optional<BpeTokenizer> tokenizer;
    std::shared_ptr<Gpt2Net> net;
};

LanguageModel::LanguageModel() : d(std::make_unique<Impl>()) {}
LanguageModel::~LanguageModel() = default;
const ModelConfig& LanguageModel::config() const { return d->config; }
const BpeTokenizer& LanguageModel::tokenizer() const { return *d->tokenizer; }
const QString& LanguageModel::directory() const { return d->dir; }
const QString& LanguageModel::fingerprint() const { return d->fingerprint; }

namespace {

QString shapeText(const std::vector<int64_t>& s) {
    QStringList parts;
    for (auto v : s) parts << QString::number(v);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

Expected<void> loadWeights(Gpt2Net& net, const SafetensorsFile& file) {
    torch::NoGradGuard noGrad;
    const ModelConfig& c = net.config();
    // Names and layer indices were checked by checkWeightLayout before the net was allocated.
    std::map<std::string, const TensorInfo*> byName;
    for (const auto& t : file.tensors()) {
        const auto parsed = parseLayerTensorName(t.name);
        if (parsed && (parsed->rest == "attn.bias" || parsed->rest == "attn.masked_bias")) continue;  // legacy mask buffers
        byName[std::string(withoutTransformerPrefix(t.name))] = &t;
    }
    // First every name and shape, so nothing is read from a file that disagrees with its config.
    std::vector<std::pair<const TensorInfo*, torch::Tensor>> plan;
    auto check = [&](const TensorInfo& info, const torch::Tensor& dst) -> Expected<void> {
        if (info.shape != dst.sizes().vec())
            return makeError(QStringLiteral("%1: tensor '%2' has shape %3, but config.json implies %4")
                                 .arg(file.path(), toDisplayText(info.name), shapeText(info.shape), shapeText(dst.sizes().vec())));
        plan.emplace_back(&info, dst);
        return {};
    };
    for (auto& [name, tensor] : net.namedWeights()) {
        const auto it = byName.find(name);
        if (it == byName.end())
            return makeError(QStringLiteral("%1: tensor '%2' is missing (looked for it with and without the 'transformer.' prefix)")
                                 .arg(file.path(), QString::fromStdString(name)));
        if (auto r = check(*it->second, tensor); !r) return r;
    }
    torch::Tensor head;
    if (const auto it = byName.find("lm_head.weight"); it != byName.end()) {
        head = torch::zeros({c.vocabSize, c.nEmbd});
        if (auto r = check(*it->second, head); !r) return r;
    }
    for (auto& [info, dst] : plan) {
        const std::vector<float> v = file.toFloat(*info);
        for (float x : v)
            if (!std::isfinite(x))
                return makeError(QStringLiteral("%1: tensor '%2' holds NaN or infinite values").arg(file.path(), toDisplayText(info->name)));
        std::memcpy(dst.data_ptr<float>(), v.data(), v.size() * sizeof(float));
    }
    if (head.defined()) net.setLmHead(head);
    return {};
}

QString hashFiles(const QStringList& paths) {
    QCryptographicHash h(QCryptographicHash::Sha256);
    for (const QString& p : paths) {
        QFile f(p);
        if (f.open(QIODevice::ReadOnly)) h.addData(&f);
        h.addData(QByteArrayView("\0", 1));
    }
    return QString::fromLatin1(h.result().toHex());
}

}  // namespace

Expected<std::shared_ptr<LanguageModel>> LanguageModel::load(const QString& dirPath) {
    static std::once_flag threadsOnce;
    std::call_once(threadsOnce, [] {
#ifdef __GLIBC__
        // Keep freed buffers up to 256 MB in the heap for the next forward pass. By default glibc
        // maps anything over 32 MB afresh (a batch's logits: 64 MB for 32 x 64 tokens) and hands
        // it back on free, so every pass faulted its pages in again: a third of its time.
        // The miner still returns free pages to the system every few batches (malloc_trim).
        mallopt(M_MMAP_THRESHOLD, 256 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
        // Torch starts with one thread; use every core unless OMP_NUM_THREADS says otherwise.
        if (qEnvironmentVariableIsEmpty("OMP_NUM_THREADS")) setComputeThreads();
    });
    const QDir dir(dirPath);
    if (!dir.exists()) return makeError(QStringLiteral("%1: no such model directory").arg(dirPath));
    auto config = ModelConfig::load(dir.filePath(QStringLiteral("config.json")));
    if (!config) return Error{config.error()};
    auto tok = BpeTokenizer::loadDirectory(dirPath);
    if (!tok) return Error{tok.error()};
    if (tok->vocabSize() != config->vocabSize)
        return makeError(QStringLiteral("%1: the tokenizer has %2 tokens but config.json says vocab_size = %3; "
                                        "the tokenizer does not belong to this model")
                             .arg(dirPath).arg(tok->vocabSize()).arg(config->vocabSize));
    const QString weightsPath = dir.filePath(QStringLiteral("model.safetensors"));
    if (!QFile::exists(weightsPath))
        return makeError(QStringLiteral("%1: model.safetensors is missing").arg(dirPath));
    auto file = SafetensorsFile::open(weightsPath);
    if (!file) return Error{file.error()};

    if (auto r = checkWeightLayout(file.value(), config.value()); !r) return Error{r.error()};

    std::shared_ptr<LanguageModel> m(new LanguageModel());
    try {
        m->d->net = std::make_shared<Gpt2Net>(config.value());
        if (auto r = loadWeights(*m->d->net, file.value()); !r) return Error{r.error()};
        m->d->net->eval();
        for (auto& p : m->d->net->parameters()) p.set_requires_grad(false);  // inference only
    } catch (const c10::Error& e) {
        return makeError(QStringLiteral("%1: cannot build the model: %2").arg(dirPath, QString::fromUtf8(e.what_without_backtrace())));
    } catch (const std::bad_alloc&) {
        return makeError(QStringLiteral("%1: not enough memory for the model config.json describes").arg(dirPath));
    }
    m->d->dir = dir.absolutePath();
    m->d->config = config.value();
    m->d->tokenizer = std::move(tok.value());
    QStringList files{dir.filePath(QStringLiteral("config.json")), weightsPath};
    for (const char* n : {"vocab.json", "merges.txt", "encoder.json", "vocab.bpe"})
        if (dir.exists(QString::fromLatin1(n))) files << dir.filePath(QString::fromLatin1(n));
    m->d->fingerprint = hashFiles(files);
    return m;
}

Expected<ForwardResult> LanguageModel::forward(const std::vector<std::vector<int>>& batch,
                                               const std::vector<Tap>& taps, bool logits) const {
    return run(batch, taps, logits, false);
}

namespace {

int64_t tapWidth(const Tap& tap, const ModelConfig& c) { return tap.kind == Tap::Kind::ResidPre ? c.nEmbd : c.nInner; }

}  // namespace

Expected<ForwardResult> LanguageModel::run(const std::vector<std::vector<int>>& batch, const std::vector<Tap>& taps,
                                           bool logits, bool neuronMajor) const {
    const auto& c = d->config;
    if (batch.empty() || batch.front().empty()) return makeError(QStringLiteral("nothing to run: the batch is empty"));
    const size_t T = batch.front().size();
    if (T > static_cast<size_t>(c.nPositions))
        return makeError(QStringLiteral("a sequence of %1 tokens is longer than the model's context (%2)").arg(T).arg(c.nPositions));
    int lastLayer = -1;
    std::vector<Tap> wanted;
    for (const Tap& t : taps) {
        if (t.layer < 0 || t.layer >= c.nLayer)
            return makeError(QStringLiteral("layer %1 is out of range: the model has layers 0..%2").arg(t.layer).arg(c.nLayer - 1));
        lastLayer = std::max(lastLayer, t.layer);
        if (std::find(wanted.begin(), wanted.end(), t) == wanted.end()) wanted.push_back(t);
    }
    if (logits) lastLayer = -1;
    std::vector<int64_t> flat;
    flat.reserve(batch.size() * T);
    for (const auto& row : batch) {
        if (row.size() != T) return makeError(QStringLiteral("the rows of a batch must have equal lengths"));
        for (int id : row) {
            if (id < 0 || id >= c.vocabSize)
                return makeError(QStringLiteral("token id %1 is out of range for vocabulary size %2").arg(id).arg(c.vocabSize));
            flat.push_back(id);
        }
    }
    // Every output is allocated once, whole; each chunk of rows writes its own part of it.
    const int64_t B = static_cast<int64_t>(batch.size()), TT = static_cast<int64_t>(T);
    ForwardResult r;
    for (const Tap& tap : wanted) {
        TensorData& td = r.taps[tap];
        const int64_t X = tapWidth(tap, c);
        td.shape = neuronMajor ? std::vector<int64_t>{X, B, TT} : std::vector<int64_t>{B, TT, X};
        td.values.resize(static_cast<size_t>(B * TT * X));
    }
    if (logits) {
        r.logits.shape = {B, TT, c.vocabSize};
        r.logits.values.resize(static_cast<size_t>(B * TT * c.vocabSize));
    }
    const int64_t rows = kForwardChunkRows;
    std::atomic<int> layersRun{0};
    const QString error = runOnSingleCoreThreads((B + rows - 1) / rows, computeThreads(), [&](int64_t chunk) {
        const int64_t b0 = chunk * rows, n = std::min(rows, B - b0);
        const auto ids = torch::from_blob(flat.data() + b0 * TT, {n, TT}, torch::kLong);
        torch::Tensor logitsOut;
        if (logits)  // the logits are written straight into the result's buffer
            logitsOut = torch::from_blob(r.logits.values.data() + b0 * TT * c.vocabSize, {n, TT, c.vocabSize}, torch::kFloat);
        std::map<Tap, torch::Tensor> out;
        int run = 0;
        d->net->forward(ids, wanted, &out, lastLayer, &run, logitsOut);
        layersRun = run;
        for (const auto& [tap, t] : out) {
            TensorData& td = r.taps.at(tap);
            const int64_t X = td.values.size() / static_cast<size_t>(B * TT);
            if (!neuronMajor) {  // rows b0..b0+n of [B, T, X]
                torch::from_blob(td.values.data() + b0 * TT * X, {n, TT, X}, torch::kFloat).copy_(t);
            } else {  // [X, B, T]: this chunk's rows are a [X, n, T] slice of every neuron's block
                torch::from_blob(td.values.data() + b0 * TT, {X, n, TT}, {B * TT, TT, 1}, torch::kFloat).copy_(t.permute({2, 0, 1}));
            }
        }
    });
    if (!error.isEmpty()) return makeError(QStringLiteral("forward pass failed: %1").arg(error));
    r.layersRun = layersRun;
    return r;
}

Expected<TensorData> LanguageModel::mlpActivations(const std::vector<std::vector<int>>& batch, int layer) const {
    auto r = run(batch, {neuronTap(layer)}, false, false);
    if (!r) return Error{r.error()};
    return std::move(r->taps.begin()->second);
}

Expected<TensorData> LanguageModel::mlpActivationsByNeuron(const std::vector<std::vector<int>>& batch, int layer) const {
    auto r = run(batch, {neuronTap(layer)}, false, true);
    if (!r) return Error{r.error()};
    return std::move(r->taps.begin()->second);
}

Expected<std::vector<float>> LanguageModel::outputLogits(int layer, int neuron) const {
    if (layer < 0 || layer >= d->config.nLayer || neuron < 0 || neuron >= d->config.nInner)
        return makeError(QStringLiteral("neuron %1/%2 is not in the model").arg(layer).arg(neuron));
    std::vector<float> out;
    const QString error = runOnSingleCoreThreads(1, 1, [&](int64_t) {
        const torch::Tensor logits = torch::mv(d->net->unembedding(), d->net->outputWeights(layer, neuron)).contiguous();
        out.assign(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    });
    if (!error.isEmpty()) return makeError(QStringLiteral("output weights of %1/%2: %3").arg(layer).arg(neuron).arg(error));
    return out;
}

Expected<LanguageModel::Loss> LanguageModel::loss(const std::vector<int>& ids) const {
    if (ids.size() < 2) return makeError(QStringLiteral("need at least two tokens to measure a loss"));
    for (int id : ids)
        if (id < 0 || id >= d->config.vocabSize) return makeError(QStringLiteral("token id %1 is out of range").arg(id));
    // Windows of n_positions + 1 tokens that overlap by one, each predicting its last n_positions.
    const size_t step = static_cast<size_t>(d->config.nPositions);
    std::vector<size_t> starts;
    for (size_t start = 0; start + 1 < ids.size(); start += step) starts.push_back(start);
    std::vector<double> sums(starts.size(), 0.0);
    const QString error = runOnSingleCoreThreads(static_cast<int64_t>(starts.size()), computeThreads(), [&](int64_t w) {
        const size_t start = starts[static_cast<size_t>(w)], end = std::min(ids.size(), start + step + 1);
        std::vector<int64_t> window(ids.begin() + start, ids.begin() + end);
        const int64_t n = static_cast<int64_t>(window.size());
        auto t = torch::from_blob(window.data(), {1, n}, torch::kLong);
        auto logits = d->net->forward(t.slice(1, 0, n - 1), {}, nullptr);
        sums[static_cast<size_t>(w)] = torch::nn::functional::cross_entropy(
            logits.view({n - 1, -1}), t.slice(1, 1, n).reshape({-1}),
            torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
    });
    if (!error.isEmpty()) return makeError(QStringLiteral("loss computation failed: %1").arg(error));
    Loss total;
    total.tokens = static_cast<int64_t>(ids.size()) - 1;
    double sum = 0;
    for (double s : sums) sum += s;  // in window order, so the figure does not depend on the threads
    total.meanNats = sum / static_cast<double>(total.tokens);
    return total;
}

}  // namespace ns
