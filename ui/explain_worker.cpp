#include "explain_worker.h"

#include "agents/builtin_backend.h"
#include "agents/llm/llm_backend.h"
#include "util/resource_paths.h"

#include <QDir>
#include <QSaveFile>

#include <algorithm>
#include "agents/explain_session.h"
#include "interchange/import_scoring.h"
#include "interchange/layer_export.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/mined_layers.h"

namespace ns {

ExplainWorker::ExplainWorker(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath)
    : m_model(std::move(model)), m_corpus(std::move(corpusPath)), m_dbPath(std::move(dbPath)) {
    qRegisterMetaType<ns::LoopEvent>();
    qRegisterMetaType<ns::ExplorerSettings>();
}

void ExplainWorker::applySettings(const ExplorerSettings& settings) {
    m_settings = settings;
    m_backend.reset();  // made again from the settings by open()
    setComputeThreads(settings.threads);
}

ExplainWorker::~ExplainWorker() = default;

bool ExplainWorker::open() {
    if (!m_session) {
        auto db = CacheDb::open(m_dbPath);
        if (!db) {
            Q_EMIT failed(db.error());
            return false;
        }
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, m_corpus, *m_db);
    }
    m_session->setTopK(m_settings.topK);
    if (!m_backend) {
        if (m_settings.backend == QLatin1String("openai")) {
            LlmConfig config;
            config.explainer = config.simulator = config.refiner = m_settings.llm;
            config.simulator.logprobs = true;
            config.promptDir = QDir(resourceDir()).filePath(QStringLiteral("prompts"));
            auto b = LlmBackend::create(config, m_session->table());
            if (!b) {
                Q_EMIT failed(b.error());
                return false;
            }
            m_backend = std::move(*b);
        } else {
            m_backend = std::make_unique<BuiltinBackend>(m_session->table());
        }
    }
    return true;
}

void ExplainWorker::mineLayer(int layer) {
    m_cancel = false;
    if (!open()) return;
    setComputeThreads(m_settings.threads);
    auto mined = obtainMinedLayer(*m_db, *m_model, m_corpus, m_session->mineOptions(layer), [&](const MiningProgress& p) {
        Q_EMIT progress(p.bytesTotal ? static_cast<int>(100 * p.bytesDone / p.bytesTotal) : 0, tr("Mining layer %1").arg(layer));
        return !m_cancel.load();
    });
    if (!mined) {
        Q_EMIT failed(mined.error());
        return;
    }
    Q_EMIT layerReady(layer);
}

void ExplainWorker::rescore(int request, int layer, int neuron, const QByteArray& modesJson, qulonglong seed) {
    m_cancel = false;
    if (!open()) return Q_EMIT rescored(request, false, 0, tr("the cache cannot be opened"));
    std::vector<ModeExplanation> modes;
    for (const auto& m : nlohmann::json::parse(modesJson.toStdString(), nullptr, false)) {
        ModeExplanation e{QString::fromStdString(m.value("text", std::string())), std::nullopt};
        if (m.contains("pattern") && m["pattern"].is_object()) {
            auto p = patternFromJson(m["pattern"]);
            if (!p) return Q_EMIT rescored(request, false, 0, p.error());
            e.pattern = *p;
        }
        modes.push_back(std::move(e));
    }
    Backend* text = m_backend && m_backend->name() != QLatin1String("builtin") ? m_backend.get() : nullptr;
    if (text) text->setCancelFlag(&m_cancel);
    auto score = m_session->rescore({layer, neuron, {}}, modes, seed, text);
    if (!score) return Q_EMIT rescored(request, false, 0, score.error());
    Q_EMIT rescored(request, score->has_value(), score->value_or(0.0), QString());
}

LoopOptions ExplainWorker::loopOptions() const {
    LoopOptions o;
    // Every mode costs an LLM explainer call and many simulator calls: fewer modes over HTTP.
    if (m_settings.backend == QLatin1String("openai")) o.maxModes = 4;
    return o;
}

void ExplainWorker::explain(int layer, int neuron, const QString& specPath, bool recompute) {
    m_cancel = false;
    if (!open()) return;
    const ExplainTarget target{layer, neuron, specPath};
    auto out = m_session->explain(
        target, *m_backend, loopOptions(), recompute, [&](const LoopEvent& e) { Q_EMIT loopEvent(e); }, &m_cancel,
        [&](const MiningProgress& p) {
            Q_EMIT progress(p.bytesTotal ? static_cast<int>(100 * p.bytesDone / p.bytesTotal) : 0, tr("Mining"));
            return !m_cancel.load();
        });
    if (!out) {
        Q_EMIT failed(out.error());
        return;
    }
    Q_EMIT explained(QByteArray::fromStdString(out->result.dump()), QByteArray::fromStdString(out->transcript.dump()),
                     out->fromCache);
}

void ExplainWorker::importExplanations(const QString& path) {
    m_cancel = false;
    if (!open()) return;
    Backend* text = m_backend && m_backend->name() != QLatin1String("builtin") ? m_backend.get() : nullptr;
    if (text) text->setCancelFlag(&m_cancel);
    auto run = ns::importExplanations(
        *m_session, *m_db, path, QString(), text, -1,
        [&](int done, int total, const ImportScore&) {
            Q_EMIT progress(100 * done / std::max(1, total), tr("Scoring imported explanations"));
            return !m_cancel.load();
        },
        [&](const MiningProgress& p) {
            Q_EMIT progress(p.bytesTotal ? static_cast<int>(100 * p.bytesDone / p.bytesTotal) : 0, tr("Mining"));
            return !m_cancel.load();
        });
    if (!run) return Q_EMIT failed(run.error());
    nlohmann::json rows = nlohmann::json::array();
    for (const ImportScore& r : run->rows) rows.push_back(importScoreToJson(r));
    Q_EMIT imported(QByteArray::fromStdString(rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), run->format,
                    run->stopped);
}

void ExplainWorker::exportLayer(int layer, const QList<int>& neurons, const QString& formatName, const QString& path,
                                const QString& neuronpediaModel, const QString& neuronpediaSource) {
    m_cancel = false;
    if (!open()) return;
    auto format = exportFormatNamed(formatName);
    if (!format) return Q_EMIT failed(format.error());
    LayerExportRequest request;
    request.layer = layer;
    request.neurons.assign(neurons.begin(), neurons.end());
    request.format = *format;
    request.neuronpedia = {neuronpediaModel, neuronpediaSource};
    const bool directory = *format == ExportFormat::OpenAi;
    auto out = ns::exportLayer(*m_session, *m_db, request, directory ? path : QString(), [&](int done, int total) {
        Q_EMIT progress(100 * done / std::max(1, total), tr("Exporting layer %1").arg(layer));
        return !m_cancel.load();
    });
    if (!out) return Q_EMIT failed(out.error());
    if (directory) return Q_EMIT exported(QString::fromUtf8(*out));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(*out) != out->size() || !f.commit())
        return Q_EMIT failed(tr("%1: cannot write: %2").arg(path, f.errorString()));
    Q_EMIT exported(tr("Wrote %1").arg(path));
}

}  // namespace ns
