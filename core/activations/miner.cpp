#include "activations/miner.h"

#include "activations/corpus_reader.h"
#include "activations/corpus_windows.h"
#include "activations/neuron_accumulator.h"
#include "model/half_float.h"
#include "model/language_model.h"
#include "util/splitmix.h"

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <map>
#include <thread>

namespace ns {
namespace {


/// The random windows every neuron shares: the R windows of smallest key, with all neurons'
/// activations (half precision), replaced as smaller keys arrive.
struct RandomWindows {
    struct Slot {
        std::shared_ptr<const TokenWindow> window;
        std::vector<uint16_t> acts;  // [neuron][token]
        int length = 0;
    };
    std::map<uint64_t, Slot> slots;  // by key
    size_t capacity = 0;

    bool wants(uint64_t key) const {
        return slots.size() < capacity || (!slots.empty() && key < slots.rbegin()->first);
    }
    void add(uint64_t key, Slot slot) {
        slots.emplace(key, std::move(slot));
        if (slots.size() > capacity) slots.erase(std::prev(slots.end()));
    }
};

/// A NaN or infinite activation (a model whose pre-activation overflows float, a spec beyond
/// float's range) would corrupt every statistic of its neuron: it is an error naming where it is.
/// `acts` is [N, rows, T] with the windows in its first rows; padding and filler rows are skipped.
Expected<void> checkFinite(const TensorData& acts, const std::vector<std::shared_ptr<const TokenWindow>>& windows,
                           int N, size_t T, int layer) {
    const size_t rows = acts.values.size() / (static_cast<size_t>(N) * T);
    for (size_t i = 0; i < acts.values.size(); ++i) {
        if (std::isfinite(acts.values[i])) continue;
        const size_t n = i / (rows * T), b = (i / T) % rows, t = i % T;
        if (b >= windows.size() || t >= windows[b]->tokens.size()) continue;  // padding
        const QString where = layer < 0 ? QStringLiteral("the calibration neuron") : QStringLiteral("layer %1, neuron %2").arg(layer).arg(n);
        return makeError(QStringLiteral("%1 has a non-finite activation (%2) at token %3 of document %4 (token id %5); "
                                        "the model's weights or the spec overflow float")
                             .arg(where, QString::number(acts.values[i]))
                             .arg(windows[b]->offset + static_cast<int64_t>(t))
                             .arg(windows[b]->document)
                             .arg(windows[b]->tokens[t]));
    }
    return {};
}

}  // namespace

QString MineOptions::key() const {
    // "f": the forward chunk's rows, which fix the last bits of every activation; records mined
    // before chunks existed have no such part, so a cache mines them again. "p": top windows are
    // distinct passages (no two peaks within one window length of one document).
    return QStringLiteral("w%1-k%2-q%3x%4-r%5-h%6-s%7-f%8-p")
        .arg(windowTokens).arg(topK).arg(quantileBins).arg(perBin).arg(randomCount).arg(histogramBins).arg(seed)
        .arg(kForwardChunkRows);
}

Expected<LayerRecords> mineLayer(const LanguageModel& model, const QString& corpusPath, const MineOptions& o,
                                 const std::function<bool(const MiningProgress&)>& progress) {
    const ModelConfig& cfg = model.config();
    if (o.layer < 0 || o.layer >= cfg.nLayer)
        return makeError(QStringLiteral("layer %1 is out of range: the model has layers 0..%2").arg(o.layer).arg(cfg.nLayer - 1));
    if (o.windowTokens < 2 || o.windowTokens > cfg.nPositions)
        return makeError(QStringLiteral("window length %1 must be from 2 to the model's context (%2)").arg(o.windowTokens).arg(cfg.nPositions));
    auto forward = [&](const std::vector<std::vector<int>>& batch) { return model.mlpActivationsByNeuron(batch, o.layer); };
    return mineNeurons(model.tokenizer(), corpusPath, o, cfg.nInner, forward, progress);
}

Expected<LayerRecords> mineNeurons(const BpeTokenizer& tok, const QString& corpusPath, const MineOptions& o, int N,
                                   const BatchActivations& activationsOf,
                                   const std::function<bool(const MiningProgress&)>& progress) {
    if (o.topK < 1 || o.batchSize < 1 || o.quantileBins < 1 || o.perBin < 0 || o.randomCount < 0 || o.histogramBins < 2 ||
        o.histogramBins % 2 || o.windowTokens < 2 || N < 1)
        return makeError(QStringLiteral("mining options out of range (k, batch and bins must be positive; histogram bins even)"));
    auto reader = CorpusReader::open(corpusPath);
    if (!reader) return Error{reader.error()};

    std::vector<NeuronAccumulator> acc(static_cast<size_t>(N), NeuronAccumulator(o));
    RandomWindows random;
    random.capacity = static_cast<size_t>(o.randomCount);
    LayerRecords out;
    out.layer = o.layer;
    QElapsedTimer timer;
    timer.start();

    // Windows wait here until a step is full. A step is whole chunks of kForwardChunkRows
    // windows, so every window lands in the same chunk, at the same row, whatever batchSize says;
    // at least one chunk per compute thread keeps every core busy.
    std::vector<std::shared_ptr<const TokenWindow>> pending;
    const size_t R = static_cast<size_t>(kForwardChunkRows);
    const size_t stepWindows = std::max((static_cast<size_t>(o.batchSize) + R - 1) / R, static_cast<size_t>(computeThreads())) * R;
    const size_t T = static_cast<size_t>(o.windowTokens);

    int64_t batches = 0;
    auto runBatch = [&]() -> Expected<void> {
        if (pending.empty()) return {};
        const size_t B = pending.size(), rows = (B + R - 1) / R * R;
        // Every row padded to the window length and missing rows filled, so that each chunk has
        // one shape. Right padding is harmless: causal attention keeps it out of earlier positions.
        std::vector<std::vector<int>> batch(rows, std::vector<int>(T, 0));
        for (size_t b = 0; b < B; ++b) std::copy(pending[b]->tokens.begin(), pending[b]->tokens.end(), batch[b].begin());
        auto acts = activationsOf(batch);  // [N, rows, T]
        if (!acts) return Error{acts.error()};
        if (acts->values.size() != static_cast<size_t>(N) * rows * T)
            return makeError(QStringLiteral("the activation source returned a wrong number of values"));
        auto actsOf = [&](int n, size_t b) { return acts->values.data() + (static_cast<size_t>(n) * rows + b) * T; };
        std::vector<uint64_t> windowKeys(B);
        for (size_t b = 0; b < B; ++b) {
            out.tokens += static_cast<int64_t>(pending[b]->tokens.size());
            windowKeys[b] = splitmix64(o.seed ^ splitmix64(static_cast<uint64_t>(pending[b]->id)));
        }
        if (auto finite = checkFinite(*acts, pending, N, T, o.layer); !finite) return finite;
        // Neurons are independent: split them over the cores between two forward passes.
        auto accumulate = [&](int from, int to) {
            for (int n = from; n < to; ++n)
                for (size_t b = 0; b < B; ++b)
                    acc[static_cast<size_t>(n)].add(pending[b], actsOf(n, b), static_cast<int>(pending[b]->tokens.size()),
                                                    splitmix64(windowKeys[b] + static_cast<uint64_t>(n)));
        };
        const int parts = o.accumulate ? std::max(1, std::min(computeThreads(), N)) : 0;
        std::vector<std::thread> workers;
        for (int p = 1; p < parts; ++p) workers.emplace_back(accumulate, N * p / parts, N * (p + 1) / parts);
        if (parts > 0) accumulate(0, N / parts);
        for (auto& t : workers) t.join();

        for (size_t b = 0; b < B && o.accumulate; ++b) {
            const uint64_t randomKey = splitmix64(windowKeys[b] ^ 0x5EED5EED5EED5EEDull);
            if (!random.wants(randomKey)) continue;
            const int len = static_cast<int>(pending[b]->tokens.size());
            RandomWindows::Slot slot{pending[b], std::vector<uint16_t>(static_cast<size_t>(N) * len), len};
            for (int n = 0; n < N; ++n)
                for (int t = 0; t < len; ++t) slot.acts[static_cast<size_t>(n) * len + t] = floatToHalf(actsOf(n, b)[t]);
            random.add(randomKey, std::move(slot));
        }
        out.windows += static_cast<int64_t>(B);
        pending.clear();
#ifdef __GLIBC__
        // The forward pass frees megabyte buffers that small long-lived samples then split;
        // glibc keeps those pages. Handing free pages back keeps memory flat as the corpus grows.
        if (++batches % 8 == 0) malloc_trim(0);
#endif
        if (progress && !progress({(*reader)->bytesRead(), (*reader)->totalBytes(), out.tokens, out.windows}))
            return makeError(QStringLiteral("mining cancelled"));
        return {};
    };

    std::string doc;
    int64_t nextId = 0;
    while ((*reader)->next(&doc)) {
        bool failed = false;
        Error error;
        cutWindows(tok.encode(doc), (*reader)->documentIndex(), o.windowTokens, &nextId,
                   [&](std::shared_ptr<TokenWindow> w) {
                       if (failed) return;
                       pending.push_back(std::move(w));
                       if (pending.size() == stepWindows)
                           if (auto r = runBatch(); !r) failed = true, error = Error{r.error()};
                   });
        if (failed) return error;
    }
    if (auto r = runBatch(); !r) return Error{r.error()};
    if (out.windows == 0) return makeError(QStringLiteral("%1: the corpus holds no text").arg(corpusPath));
    out.documents = (*reader)->documentIndex() + 1;

    out.neurons.reserve(static_cast<size_t>(N));
    for (int n = 0; n < N && o.accumulate; ++n) {
        NeuronRecord r = acc[static_cast<size_t>(n)].finish(o.layer, n, o);
        for (const auto& [key, slot] : random.slots) {
            Exemplar e;
            e.window = slot.window;
            e.activations.resize(static_cast<size_t>(slot.length));
            for (int t = 0; t < slot.length; ++t) e.activations[t] = halfToFloat(slot.acts[static_cast<size_t>(n) * slot.length + t]);
            const auto it = std::max_element(e.activations.begin(), e.activations.end());
            e.max = *it;
            e.maxIndex = static_cast<int>(it - e.activations.begin());
            r.random.push_back(std::move(e));
        }
        std::sort(r.random.begin(), r.random.end(), [](const auto& a, const auto& b) { return a.window->id < b.window->id; });
        out.neurons.push_back(std::move(r));
    }
    out.seconds = timer.elapsed() / 1000.0;
    return out;
}

}  // namespace ns
