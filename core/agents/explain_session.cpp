#include "agents/explain_session.h"

#include "activations/corpus_reader.h"
#include "activations/corpus_windows.h"
#include "agents/activation_source.h"
#include "agents/backend.h"
#include "agents/splits.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/mined_layers.h"
#include "util/bounded_read.h"

#include <QCryptographicHash>
#include <map>
#include <QFile>
#include <QFileInfo>

namespace ns {
namespace {

// Bump when the loop's method changes what a run produces, so old cached runs are not reused.
constexpr const char* kLoopVersion = "loop-1";

Expected<QByteArray> readSpec(const QString& path) { return readBoundedFile(path, kMaxConfigBytes); }

QString sha256(const QByteArray& bytes) {
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

}  // namespace

ExplainSession::ExplainSession(std::shared_ptr<const LanguageModel> model, QString corpusPath, CacheDb& db)
    : m_model(std::move(model)), m_corpusPath(std::move(corpusPath)), m_db(db),
      m_table(std::make_shared<TokenTable>(m_model->tokenizer())) {}

ExplainSession::~ExplainSession() = default;

MineOptions ExplainSession::mineOptions(int layer) const {
    MineOptions o;
    o.layer = layer;
    o.topK = m_topK;
    o.windowTokens = std::min(o.windowTokens, m_model->config().nPositions);
    return o;
}

Expected<QString> ExplainSession::corpusHash() {
    if (m_corpusHash.isEmpty()) {
        auto h = hashFile(m_corpusPath);
        if (!h) return Error{h.error()};
        m_corpusHash = *h;
    }
    return m_corpusHash;
}

Expected<std::shared_ptr<const CorpusWindows>> ExplainSession::corpusWindows() {
    if (!m_windows) {
        auto w = readCorpusWindows(m_model->tokenizer(), m_corpusPath, mineOptions(0).windowTokens);
        if (!w) return Error{w.error()};
        m_windows = *w;
    }
    return m_windows;
}

Expected<std::unique_ptr<ActivationSource>> ExplainSession::source(const ExplainTarget& t) const {
    if (t.synthetic()) {
        auto spec = CalibrationNeuron::load(t.specPath);
        if (!spec) return Error{spec.error()};
        return std::unique_ptr<ActivationSource>(new CalibrationSource(*spec, m_table));
    }
    const ModelConfig& cfg = m_model->config();
    if (t.layer < 0 || t.layer >= cfg.nLayer)
        return makeError(QStringLiteral("layer %1 is out of range: the model has layers 0..%2").arg(t.layer).arg(cfg.nLayer - 1));
    if (t.neuron < 0 || t.neuron >= cfg.nInner)
        return makeError(QStringLiteral("neuron %1 is out of range: layer %2 has neurons 0..%3").arg(t.neuron).arg(t.layer).arg(cfg.nInner - 1));
    return std::unique_ptr<ActivationSource>(new ModelNeuronSource(m_model, t.layer, t.neuron));
}

Expected<NeuronRecord> ExplainSession::record(const ExplainTarget& t, const MiningProgressFn& progress) {
    if (!t.synthetic()) {
        if (auto s = source(t); !s) return Error{s.error()};
        auto mined = obtainMinedLayer(m_db, *m_model, m_corpusPath, mineOptions(t.layer), progress);
        if (!mined) return Error{mined.error()};
        return m_db.loadNeuron(mined->layerId, t.neuron);
    }
    // A calibration neuron goes through the same miner, its activations computed from its spec.
    auto bytes = readSpec(t.specPath);
    if (!bytes) return Error{bytes.error()};
    auto spec = CalibrationNeuron::parse(*bytes, t.specPath);
    if (!spec) return Error{spec.error()};
    auto hash = corpusHash();
    if (!hash) return Error{hash.error()};
    MineOptions o = mineOptions(0);
    o.layer = -1;
    const LayerKey key{m_model->fingerprint(), *hash, -1, o.key() + QStringLiteral("-spec") + sha256(*bytes)};
    auto found = m_db.findLayer(key);
    if (!found) return Error{found.error()};
    int64_t layerId = 0;
    if (found->has_value()) {
        layerId = (*found)->id;
    } else {
        const CalibrationSource src(*spec, m_table);
        auto activationsOf = [&](const std::vector<std::vector<int>>& batch) -> Expected<TensorData> {
            auto acts = src.activations(batch);
            if (!acts) return Error{acts.error()};
            TensorData t;
            const size_t T = batch.empty() ? 0 : batch[0].size();
            t.shape = {1, static_cast<int64_t>(batch.size()), static_cast<int64_t>(T)};
            for (const auto& row : *acts) t.values.insert(t.values.end(), row.begin(), row.end());
            return t;
        };
        auto records = mineNeurons(m_model->tokenizer(), m_corpusPath, o, 1, activationsOf, progress);
        if (!records) return Error{records.error()};
        if (records->neurons.empty() || records->neurons[0].stats.max <= 0)
            return makeError(QStringLiteral("%1: none of the spec's modes fires anywhere in the corpus %2")
                                 .arg(t.specPath, QFileInfo(m_corpusPath).fileName()));
        auto id = m_db.storeLayer(key, *records, m_model->directory(), QFileInfo(m_corpusPath).absoluteFilePath());
        if (!id) return Error{id.error()};
        layerId = *id;
    }
    return m_db.loadNeuron(layerId, 0);
}

Expected<QString> ExplainSession::cacheKey(const ExplainTarget& t, const Backend& backend, const LoopOptions& options) {
    auto hash = corpusHash();
    if (!hash) return Error{hash.error()};
    nlohmann::json k{{"version", kLoopVersion},
                     {"model", m_model->fingerprint().toStdString()},
                     {"corpus", hash->toStdString()},
                     {"mining", mineOptions(std::max(0, t.layer)).key().toStdString()},
                     {"layer", t.layer},
                     {"neuron", t.neuron},
                     {"backend", backend.name().toStdString()},
                     {"backend_parameters", backend.parameters()},
                     {"loop", options.toJson()}};
    if (t.synthetic()) {
        auto bytes = readSpec(t.specPath);
        if (!bytes) return Error{bytes.error()};
        k["spec"] = sha256(*bytes).toStdString();
    }
    return sha256(QByteArray::fromStdString(k.dump()));
}

Expected<std::optional<double>> ExplainSession::rescore(const ExplainTarget& t, const std::vector<ModeExplanation>& modes, uint64_t seed,
                                                        Backend* textSimulator, const nlohmann::json& storedSplits) {
    auto sim = simulateOnTest(t, modes, seed, textSimulator, storedSplits);
    if (!sim) return Error{sim.error()};
    if (!sim->has_value()) return std::optional<double>{};
    return std::optional<double>((*sim)->score);
}

Expected<std::optional<ExplainSession::TestSimulation>> ExplainSession::simulateOnTest(const ExplainTarget& t,
                                                                                       const std::vector<ModeExplanation>& modes,
                                                                                       uint64_t seed, Backend* textSimulator,
                                                                                       const nlohmann::json& storedSplits) {
    for (const ModeExplanation& m : modes)
        if (!m.pattern && !textSimulator) return std::optional<TestSimulation>{};
    auto rec = record(t);
    if (!rec) return Error{rec.error()};
    TestSimulation out;
    const bool stored = storedSplits.is_object() && storedSplits.contains("test");
    if (stored) {
        auto samples = storedTestSamples(t, *rec, storedSplits);
        if (!samples) return Error{samples.error()};
        out.samples = std::move(*samples);
    } else {
        out.samples = splitRecord(*rec, seed).test;
    }
    Simulation& whole = out.simulation;
    whole.resize(out.samples.size());
    for (size_t i = 0; i < whole.size(); ++i) whole[i].assign(out.samples[i].ids.size(), 0.f);
    for (const ModeExplanation& m : modes) {
        Simulation sim;
        if (m.pattern) {
            const CompiledPattern p(*m.pattern, *m_table);
            for (const Sample& s : out.samples) sim.push_back(p.run(s.ids));
        } else {
            textSimulator->attachCache(m_db.readOnly() ? nullptr : &m_db);
            auto s = textSimulator->simulate(m, out.samples);
            if (!s) return Error{s.error()};
            sim = std::move(*s);
        }
        for (size_t i = 0; i < whole.size() && i < sim.size(); ++i)
            for (size_t k = 0; k < whole[i].size() && k < sim[i].size(); ++k) whole[i][k] = std::max(whole[i][k], sim[i][k]);
    }
    out.score = pooledScore(out.samples, whole);
    return std::optional<TestSimulation>(std::move(out));
}

Expected<std::vector<Sample>> ExplainSession::storedTestSamples(const ExplainTarget& t, const NeuronRecord& rec,
                                                                const nlohmann::json& storedSplits) {
    std::map<int64_t, const Exemplar*> held;
    for (const Exemplar& e : rec.top) held.emplace(e.window ? e.window->id : -1, &e);
    for (const QuantileBin& b : rec.quantiles)
        for (const Exemplar& e : b.exemplars) held.emplace(e.window ? e.window->id : -1, &e);
    for (const Exemplar& e : rec.random) held.emplace(e.window ? e.window->id : -1, &e);
    std::vector<Sample> out;
    std::vector<size_t> missing;
    for (const auto& entry : storedSplits["test"]) {
        if (!entry.is_object() || !entry.contains("window") || !entry["window"].is_number_integer())
            return makeError(QStringLiteral("the stored split names a window that is not a number"));
        Sample s;
        s.windowId = entry["window"].get<int64_t>();
        s.document = entry.value("document", int64_t(-1));
        const std::string kind = entry.value("kind", std::string("top"));
        s.kind = kind == "random" ? SampleKind::Random : kind == "quantile" ? SampleKind::Quantile : SampleKind::Top;
        if (const auto it = held.find(s.windowId); it != held.end()) {
            s.ids = it->second->window->tokens;
            s.acts = it->second->activations;
            s.acts.resize(s.ids.size(), 0.f);
        } else {
            missing.push_back(out.size());
        }
        out.push_back(std::move(s));
    }
    if (missing.empty()) return out;
    // Windows today's record no longer holds (the mining options changed): run them again.
    auto windows = corpusWindows();
    if (!windows) return Error{windows.error()};
    std::map<int64_t, const TokenWindow*> byId;
    for (const auto& w : (*windows)->windows) byId.emplace(w->id, w.get());
    std::vector<std::vector<int>> rows;
    for (size_t i : missing) {
        const auto it = byId.find(out[i].windowId);
        if (it == byId.end())
            return makeError(QStringLiteral("window %1 of the stored split is not in the corpus").arg(out[i].windowId));
        out[i].ids = it->second->tokens;
        rows.push_back(out[i].ids);
    }
    auto src = source(t);
    if (!src) return Error{src.error()};
    auto acts = (*src)->activations(rows);
    if (!acts) return Error{acts.error()};
    for (size_t k = 0; k < missing.size() && k < acts->size(); ++k) {
        Sample& s = out[missing[k]];
        s.acts = (*acts)[k];
        s.acts.resize(s.ids.size(), 0.f);
    }
    return out;
}

Expected<LoopResult> loopResultOf(const StoredExplanation& stored) {
    auto r = loopResultFromJson(stored.result);
    if (!r) return makeError(QStringLiteral("stored run %1: %2").arg(stored.id).arg(r.error()));
    r->runId = stored.id;
    r->splits = stored.splits;
    r->transcript = stored.transcript;
    return r;
}

Expected<LoopResult> loopResultOf(const ExplainOutcome& outcome) {
    auto r = loopResultFromJson(outcome.result);
    if (!r) return Error{r.error()};
    r->runId = outcome.runId;
    r->splits = outcome.splits;
    r->transcript = outcome.transcript;
    return r;
}

Expected<std::optional<ExplainOutcome>> ExplainSession::cached(const ExplainTarget& t, const Backend& backend,
                                                               const LoopOptions& options) {
    auto key = cacheKey(t, backend, options);
    if (!key) return Error{key.error()};
    auto found = m_db.findExplanation(*key);
    if (!found) return Error{found.error()};
    if (!found->has_value()) return std::optional<ExplainOutcome>{};
    // A partial run is kept to be seen, not to answer a repeated run unless asked.
    if ((*found)->partial && !m_acceptPartial) return std::optional<ExplainOutcome>{};
    return std::optional<ExplainOutcome>(
        ExplainOutcome{(*found)->result, (*found)->transcript, true, (*found)->id, (*found)->splits, (*found)->partial});
}

Expected<ExplainOutcome> ExplainSession::explain(const ExplainTarget& t, Backend& backend, const LoopOptions& options,
                                                 bool recompute, const std::function<void(const LoopEvent&)>& listener,
                                                 const std::atomic<bool>* cancel, const MiningProgressFn& progress) {
    auto key = cacheKey(t, backend, options);
    if (!key) return Error{key.error()};
    if (!recompute) {
        auto found = cached(t, backend, options);
        if (!found) return Error{found.error()};
        if (found->has_value()) return std::move(**found);
    }
    auto rec = record(t, progress);
    if (!rec) return Error{rec.error()};
    auto src = source(t);
    if (!src) return Error{src.error()};
    auto windows = corpusWindows();
    if (!windows) return Error{windows.error()};
    // A real neuron's components are compared as its own layer sees them, in context. A
    // calibration neuron's modes are rules over token text, which the model's embedding of the
    // token on its own represents.
    const Representer representer(m_model, t.synthetic() ? 0 : t.layer, t.synthetic());
    const int filler = m_model->tokenizer().endOfTextId() >= 0 ? m_model->tokenizer().endOfTextId() : 0;
    Orchestrator orchestrator(**src, representer, m_table, *windows, backend, filler);
    backend.attachCache(m_db.readOnly() ? nullptr : &m_db);
    auto result = orchestrator.run(*rec, options, listener, cancel);
    if (!result) return Error{result.error()};

    StoredExplanation stored;
    stored.key = *key;
    stored.layer = t.synthetic() ? -1 : t.layer;
    stored.neuron = t.synthetic() ? -1 : t.neuron;
    stored.modelHash = m_model->fingerprint();
    stored.corpusHash = m_corpusHash;
    stored.result = loopResultToJson(*result, *m_table);
    stored.splits = result->splits;
    stored.transcript = result->transcript;
    // A run cut short by a failing backend is kept marked partial: the next run tries again.
    stored.partial = !result->stopped.isEmpty();
    auto id = m_db.storeExplanation(stored);
    if (!id) return Error{id.error()};
    return ExplainOutcome{stored.result, stored.transcript, false, *id, stored.splits, stored.partial};
}

}  // namespace ns
