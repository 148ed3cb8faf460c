#include "agents/activation_source.h"

#include "agents/token_table.h"
#include "model/language_model.h"

#include <algorithm>
#include <numeric>

namespace ns {
namespace {

/// Calls run(batch, indices) for batches of rows sorted by length, each padded to its longest
/// row with total padded tokens at most maxTokens.
template <class Fn>
Expected<void> inLengthBatches(const std::vector<std::vector<int>>& rows, size_t maxTokens, Fn&& run) {
    std::vector<size_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rows[a].size() < rows[b].size(); });
    size_t i = 0;
    while (i < order.size()) {
        std::vector<size_t> idx;
        size_t T = 0;
        while (i < order.size()) {
            const size_t len = std::max<size_t>(1, rows[order[i]].size());
            if (!idx.empty() && std::max(T, len) * (idx.size() + 1) > maxTokens) break;
            T = std::max(T, len);
            idx.push_back(order[i++]);
        }
        std::vector<std::vector<int>> batch;
        batch.reserve(idx.size());
        for (size_t r : idx) {
            auto row = rows[r];
            row.resize(T, 0);
            batch.push_back(std::move(row));
        }
        if (auto r = run(batch, idx, T); !r) return r;
    }
    return {};
}

constexpr size_t kBatchTokens = 4096;

}  // namespace

ModelNeuronSource::ModelNeuronSource(std::shared_ptr<const LanguageModel> model, int layer, int neuron)
    : m_model(std::move(model)), m_layer(layer), m_neuron(neuron) {}

QString ModelNeuronSource::label() const { return QStringLiteral("%1/%2").arg(m_layer).arg(m_neuron); }

Expected<std::vector<std::vector<float>>> ModelNeuronSource::activations(const std::vector<std::vector<int>>& rows) const {
    std::vector<std::vector<float>> out(rows.size());
    const int ctx = m_model->config().nPositions;
    for (const auto& r : rows)
        if (static_cast<int>(r.size()) > ctx)
            return makeError(QStringLiteral("a probe of %1 tokens exceeds the model's context of %2").arg(r.size()).arg(ctx));
    auto done = inLengthBatches(rows, kBatchTokens, [&](const std::vector<std::vector<int>>& batch,
                                                        const std::vector<size_t>& idx, size_t T) -> Expected<void> {
        auto acts = m_model->mlpActivations(batch, m_layer);  // [B, T, d_mlp]
        if (!acts) return Error{acts.error()};
        for (size_t b = 0; b < idx.size(); ++b) {
            auto& o = out[idx[b]];
            o.resize(rows[idx[b]].size());
            for (size_t t = 0; t < o.size(); ++t) o[t] = acts->at(static_cast<int64_t>(b), static_cast<int64_t>(t), m_neuron);
            m_tokens += static_cast<int64_t>(o.size());
        }
        (void)T;
        return {};
    });
    if (!done) return Error{done.error()};
    return out;
}

CalibrationSource::CalibrationSource(CalibrationNeuron spec, std::shared_ptr<const TokenTable> table)
    : m_spec(std::move(spec)), m_table(std::move(table)) {}

QString CalibrationSource::label() const { return QStringLiteral("synthetic:%1").arg(m_spec.name()); }

Expected<std::vector<std::vector<float>>> CalibrationSource::activations(const std::vector<std::vector<int>>& rows) const {
    std::vector<std::vector<float>> out;
    out.reserve(rows.size());
    for (const auto& row : rows) {
        QStringList texts;
        texts.reserve(static_cast<int>(row.size()));
        for (int id : row) texts << (id >= 0 && id < m_table->vocabSize() ? m_table->text(id) : QString());
        auto acts = m_spec.activations(texts);
        if (!acts) return Error{acts.error()};
        out.push_back(std::move(*acts));
        m_tokens += static_cast<int64_t>(row.size());
    }
    return out;
}

Representer::Representer(std::shared_ptr<const LanguageModel> model, int layer, bool tokenAlone)
    : m_model(std::move(model)), m_layer(layer), m_tokenAlone(tokenAlone) {}

Expected<std::vector<std::vector<float>>> Representer::at(const std::vector<std::vector<int>>& rows,
                                                          const std::vector<int>& positions) const {
    std::vector<std::vector<float>> out(rows.size());
    // Only the prefix up to each position matters under causal attention.
    std::vector<std::vector<int>> prefixes(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
        if (m_tokenAlone && positions[r] >= 0 && positions[r] < static_cast<int>(rows[r].size()))
            prefixes[r] = {rows[r][static_cast<size_t>(positions[r])]};
        else
            prefixes[r].assign(rows[r].begin(), rows[r].begin() + std::min<size_t>(rows[r].size(), positions[r] + 1));
    }
    const Tap tap{m_layer, Tap::Kind::ResidPre};
    auto done = inLengthBatches(prefixes, kBatchTokens, [&](const std::vector<std::vector<int>>& batch,
                                                            const std::vector<size_t>& idx, size_t) -> Expected<void> {
        auto res = m_model->forward(batch, {tap});
        if (!res) return Error{res.error()};
        const TensorData& t = res->taps.at(tap);  // [B, T, d_model]
        const int64_t D = t.shape[2];
        for (size_t b = 0; b < idx.size(); ++b) {
            const int64_t pos = static_cast<int64_t>(prefixes[idx[b]].size()) - 1;
            auto& o = out[idx[b]];
            o.resize(static_cast<size_t>(D));
            for (int64_t d = 0; d < D; ++d) o[static_cast<size_t>(d)] = t.at(static_cast<int64_t>(b), pos, d);
        }
        return {};
    });
    if (!done) return Error{done.error()};
    return out;
}

}  // namespace ns
