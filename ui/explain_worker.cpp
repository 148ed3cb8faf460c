#include "explain_worker.h"

#include "agents/builtin_backend.h"
#include "agents/llm/llm_backend.h"
#include "interchange/import_scoring.h"
#include "interchange/layer_export.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/mined_layers.h"
#include "util/resource_paths.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>

namespace ns {
namespace {

/// Emits jobFinished when a job's slot returns, however it returns.
class JobEnd {
public:
    JobEnd(ExplainWorker* worker, qint64 job) : m_worker(worker), m_job(job) {}
    ~JobEnd() { Q_EMIT m_worker->jobFinished(m_job); }
    JobEnd(const JobEnd&) = delete;
    JobEnd& operator=(const JobEnd&) = delete;

private:
    ExplainWorker* m_worker;
    qint64 m_job;
};

int percentOf(const MiningProgress& p) { return p.bytesTotal ? static_cast<int>(100 * p.bytesDone / p.bytesTotal) : 0; }

}  // namespace

ExplainWorker::ExplainWorker(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath)
    : m_model(std::move(model)), m_corpus(std::move(corpusPath)), m_dbPath(std::move(dbPath)) {
    qRegisterMetaType<ns::LoopEvent>();
    qRegisterMetaType<ns::LoopResult>();
    qRegisterMetaType<ns::ExplainTarget>();
    qRegisterMetaType<ns::Review>();
    qRegisterMetaType<ns::ModeList>();
    qRegisterMetaType<ns::ImportRun>();
    qRegisterMetaType<ns::ExplorerSettings>();
}

ExplainWorker::~ExplainWorker() = default;

qint64 ExplainWorker::issueJob() {
    // One sequence for every worker of the process, so that a job id names one job.
    static std::atomic<qint64> next{0};
    std::lock_guard<std::mutex> lock(m_jobMutex);
    m_lastIssued = ++next;
    return m_lastIssued;
}

void ExplainWorker::cancel() {
    std::lock_guard<std::mutex> lock(m_jobMutex);
    m_cancelledThrough = m_lastIssued;
    m_cancel = true;
}

bool ExplainWorker::begin(qint64 job) {
    bool cancelled = false;
    {
        std::lock_guard<std::mutex> lock(m_jobMutex);
        cancelled = job <= m_cancelledThrough;
        m_cancel = cancelled;
    }
    if (cancelled) Q_EMIT this->cancelled(job);
    else Q_EMIT jobStarted(job);
    return !cancelled;
}

void ExplainWorker::applySettings(const ExplorerSettings& settings) {
    m_settings = settings;
    m_backend.reset();  // made again from the settings by open()
    setComputeThreads(settings.threads);
}

bool ExplainWorker::open(qint64 job) {
    if (!m_session) {
        auto db = CacheDb::open(m_dbPath);
        if (!db) {
            Q_EMIT failed(job, db.error());
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
                Q_EMIT failed(job, b.error());
                return false;
            }
            m_backend = std::move(*b);
        } else {
            m_backend = std::make_unique<BuiltinBackend>(m_session->table());
        }
    }
    return true;
}

Backend* ExplainWorker::textSimulator() {
    Backend* text = m_backend && m_backend->name() != QLatin1String("builtin") ? m_backend.get() : nullptr;
    if (text) text->setCancelFlag(&m_cancel);
    return text;
}

void ExplainWorker::mineLayer(qint64 job, int layer) {
    const JobEnd end(this, job);
    if (!begin(job) || !open(job)) return;
    auto mined = obtainMinedLayer(*m_db, *m_model, m_corpus, m_session->mineOptions(layer), [&](const MiningProgress& p) {
        Q_EMIT progress(job, percentOf(p), tr("Mining layer %1").arg(layer));
        return !m_cancel.load();
    });
    if (!mined) return m_cancel ? Q_EMIT cancelled(job) : Q_EMIT failed(job, mined.error());
    Q_EMIT layerReady(job, layer);
}

LoopOptions ExplainWorker::loopOptions() const {
    LoopOptions o;
    // Every mode costs an LLM explainer call and many simulator calls: fewer modes over HTTP.
    if (m_settings.backend == QLatin1String("openai")) o.maxModes = 4;
    return o;
}

void ExplainWorker::explain(qint64 job, const ExplainTarget& target, bool recompute) {
    const JobEnd end(this, job);
    if (!begin(job) || !open(job)) return;
    const QString name = target.synthetic() ? QFileInfo(target.specPath).fileName() : QStringLiteral("%1/%2").arg(target.layer).arg(target.neuron);
    auto out = m_session->explain(
        target, *m_backend, loopOptions(), recompute,
        [&](const LoopEvent& e) {
            // The bar counts the loop's real steps ("0/5: iteration 3 of 12"), not the whole run.
            if (e.kind == LoopEvent::Kind::Progress) Q_EMIT progress(job, e.progress.percent(), tr("Explaining %1: %2").arg(name, e.progress.stage));
            Q_EMIT loopEvent(target, e);
        },
        &m_cancel,
        [&](const MiningProgress& p) {
            Q_EMIT progress(job, percentOf(p), tr("Explaining %1: mining its layer").arg(name));
            return !m_cancel.load();
        });
    if (!out) return m_cancel ? Q_EMIT cancelled(job) : Q_EMIT failed(job, out.error());
    auto typed = loopResultOf(*out);
    if (!typed) return Q_EMIT failed(job, typed.error());
    Q_EMIT explained(target, *typed, out->fromCache);
}

void ExplainWorker::decide(qint64 job, const ExplainTarget& target, const Review& review, const ModeList& modes, bool rescore) {
    const JobEnd end(this, job);
    if (!begin(job) || !open(job)) return;
    Review kept = review;
    // The time it is kept at, as the cache stores it and the history shows it.
    if (kept.createdAt.isEmpty()) kept.createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    if (rescore) {
        // On the windows the judged run was scored on, whatever the mining options are today.
        auto run = m_db->explanationById(review.explanationId);
        if (!run) return Q_EMIT failed(job, run.error());
        if (!run->has_value()) return Q_EMIT failed(job, tr("The run this decision judged is no longer in the cache."));
        const uint64_t seed = (*run)->result.value("seed", uint64_t(0));
        auto score = m_session->rescore(target, modes, seed, textSimulator(), (*run)->splits);
        if (!score) return m_cancel ? Q_EMIT cancelled(job) : Q_EMIT failed(job, tr("Scoring the edit failed: %1").arg(score.error()));
        kept.scored = score->has_value();
        kept.score = score->value_or(0.0);
    }
    auto id = m_db->addReview(kept);
    if (!id) return Q_EMIT failed(job, id.error());
    kept.id = *id;
    Q_EMIT decided(target, kept);
}

void ExplainWorker::importExplanations(qint64 job, const QString& path) {
    const JobEnd end(this, job);
    if (!begin(job) || !open(job)) return;
    auto run = ns::importExplanations(
        *m_session, *m_db, path, QString(), textSimulator(), -1,
        [&](int done, int total, const ImportScore&) {
            Q_EMIT progress(job, 100 * done / std::max(1, total), tr("Scoring imported explanations"));
            return !m_cancel.load();
        },
        [&](const MiningProgress& p) {
            Q_EMIT progress(job, percentOf(p), tr("Mining"));
            return !m_cancel.load();
        });
    if (!run) return m_cancel ? Q_EMIT cancelled(job) : Q_EMIT failed(job, run.error());
    Q_EMIT imported(job, *run);
}

void ExplainWorker::exportLayer(qint64 job, int layer, const QList<int>& neurons, const QString& formatName, const QString& path,
                                const QString& neuronpediaModel, const QString& neuronpediaSource) {
    const JobEnd end(this, job);
    if (!begin(job) || !open(job)) return;
    auto format = exportFormatNamed(formatName);
    if (!format) return Q_EMIT failed(job, format.error());
    LayerExportRequest request;
    request.layer = layer;
    request.neurons.assign(neurons.begin(), neurons.end());
    request.format = *format;
    request.neuronpedia = {neuronpediaModel, neuronpediaSource};
    const bool directory = *format == ExportFormat::OpenAi;
    auto out = ns::exportLayer(*m_session, *m_db, request, directory ? path : QString(), [&](int done, int total) {
        Q_EMIT progress(job, 100 * done / std::max(1, total), tr("Exporting layer %1").arg(layer));
        return !m_cancel.load();
    });
    if (!out) return m_cancel ? Q_EMIT cancelled(job) : Q_EMIT failed(job, out.error());
    if (directory) return Q_EMIT exported(job, QString::fromUtf8(*out));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(*out) != out->size() || !f.commit())
        return Q_EMIT failed(job, tr("%1: cannot write: %2").arg(path, f.errorString()));
    Q_EMIT exported(job, tr("Wrote %1").arg(path));
}

}  // namespace ns
