#include "model/language_model.h"

#include "model/gpt2_net.h"
#include "model/safetensors.h"
#include "model/weight_layout.h"
#include "text/utf8.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QThread>

#include <mutex>
#include <new>

namespace ns {

void setComputeThreads(int threads) {
    torch::set_num_threads(threads > 0 ? threads : std::max(1, QThread::idealThreadCount()));
}
int computeThreads() { return torch::get_num_threads(); }

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

Expected<ForwardResult> LanguageModel::run(const std::vector<std::vector<int>>& batch, const std::vector<Tap>& taps,
                                           bool logits, bool neuronMajor) const {
    const auto& c = d->config;
    if (batch.empty() || batch.front().empty()) return makeError(QStringLiteral("nothing to run: the batch is empty"));
    const size_t T = batch.front().size();
    if (T > static_cast<size_t>(c.nPositions))
        return makeError(QStringLiteral("a sequence of %1 tokens is longer than the model's context (%2)").arg(T).arg(c.nPositions));
    int lastLayer = -1;
    for (const Tap& t : taps) {
        if (t.layer < 0 || t.layer >= c.nLayer)
            return makeError(QStringLiteral("layer %1 is out of range: the model has layers 0..%2").arg(t.layer).arg(c.nLayer - 1));
        lastLayer = std::max(lastLayer, t.layer);
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
    try {
        torch::NoGradGuard noGrad;
        const auto ids = torch::from_blob(flat.data(), {static_cast<int64_t>(batch.size()), static_cast<int64_t>(T)}, torch::kLong);
        std::map<Tap, torch::Tensor> out;
        ForwardResult r;
        torch::Tensor logitsOut;
        if (logits) {  // the logits are written straight into the result's buffer
            const int64_t B = static_cast<int64_t>(batch.size()), TT = static_cast<int64_t>(T);
            r.logits.shape = {B, TT, c.vocabSize};
            r.logits.values.resize(static_cast<size_t>(B * TT * c.vocabSize));
            logitsOut = torch::from_blob(r.logits.values.data(), {B, TT, c.vocabSize}, torch::kFloat);
        }
        d->net->forward(ids, taps, &out, lastLayer, &r.layersRun, logitsOut);
        auto toData = [](const torch::Tensor& t) {
            TensorData td;
            td.shape = t.sizes().vec();
            const auto dense = t.contiguous();
            td.values.assign(dense.data_ptr<float>(), dense.data_ptr<float>() + dense.numel());
            return td;
        };
        for (const auto& [tap, t] : out) r.taps[tap] = toData(neuronMajor ? t.permute({2, 0, 1}) : t);
        return r;
    } catch (const c10::Error& e) {
        return makeError(QStringLiteral("forward pass failed: %1").arg(QString::fromUtf8(e.what_without_backtrace())));
    }
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
    try {
        torch::NoGradGuard guard;
        const torch::Tensor logits = torch::mv(d->net->unembedding(), d->net->outputWeights(layer, neuron)).contiguous();
        return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
    } catch (const c10::Error& e) {
        return makeError(QStringLiteral("output weights of %1/%2: %3").arg(layer).arg(neuron).arg(QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0)));
    }
}

Expected<LanguageModel::Loss> LanguageModel::loss(const std::vector<int>& ids) const {
    Loss total;
    if (ids.size() < 2) return makeError(QStringLiteral("need at least two tokens to measure a loss"));
    const size_t window = static_cast<size_t>(d->config.nPositions) + 1;
    double sum = 0;
    try {
        torch::NoGradGuard noGrad;
        for (size_t start = 0; start + 1 < ids.size(); start += window - 1) {
            const size_t end = std::min(ids.size(), start + window);
            std::vector<int64_t> chunk(ids.begin() + start, ids.begin() + end);
            for (int64_t id : chunk)
                if (id < 0 || id >= d->config.vocabSize)
                    return makeError(QStringLiteral("token id %1 is out of range").arg(id));
            const int64_t n = static_cast<int64_t>(chunk.size());
            auto t = torch::from_blob(chunk.data(), {1, n}, torch::kLong);
            auto logits = d->net->forward(t.slice(1, 0, n - 1), {}, nullptr);
            auto l = torch::nn::functional::cross_entropy(
                logits.view({n - 1, -1}), t.slice(1, 1, n).reshape({-1}),
                torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
            sum += l.item<double>();
            total.tokens += n - 1;
        }
    } catch (const c10::Error& e) {
        return makeError(QStringLiteral("loss computation failed: %1").arg(QString::fromUtf8(e.what_without_backtrace())));
    }
    total.meanNats = sum / static_cast<double>(total.tokens);
    return total;
}

}  // namespace ns
