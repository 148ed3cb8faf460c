#include "main_window.h"

#include "agents/activity.h"

#include "correlation_chart.h"
#include "exemplar_model.h"
#include "explain_worker.h"
#include "explanation_panel.h"
#include "interchange_dialogs.h"
#include "neuron_document.h"
#include "neuron_list_model.h"
#include "pages/browser_page.h"
#include "pages/distribution_page.h"
#include "pages/exemplars_page.h"
#include "pages/modes_map_page.h"
#include "pages/own_text_page.h"
#include "pages/transcript_page.h"

#include "activations/corpus_reader.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "store/cache_db.h"

#include <QApplication>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace ns {

MainWindow::MainWindow(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath, QWidget* parent)
    : QMainWindow(parent), m_model(std::move(model)), m_corpus(std::move(corpusPath)), m_dbPath(std::move(dbPath)) {
    setWindowTitle(tr("NeuronScope"));
    auto db = CacheDb::open(m_dbPath);
    if (db) {
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, m_corpus, *m_db);
    }
    m_table = m_session ? m_session->table() : std::make_shared<const TokenTable>(m_model->tokenizer());
    if (auto hash = hashFile(m_corpus)) m_corpusHash = *hash;
    m_documents = new DocumentSet(this);

    m_settings = ExplorerSettings::load();
    m_worker = startWorker(m_threads[0]);
    m_layerWorker = startWorker(m_threads[1]);
    m_decisionWorker = startWorker(m_threads[2]);
    Q_EMIT settingsChanged(m_settings);
    if (m_session) m_session->setTopK(m_settings.topK);

    auto* split = new QSplitter(this);
    m_browser = new BrowserPage(m_model->config().nLayer, split);
    split->addWidget(m_browser);
    connect(m_browser, &BrowserPage::layerRequested, this, &MainWindow::loadLayer);
    connect(m_browser, &BrowserPage::neuronRequested, this, &MainWindow::showNeuron);
    connect(m_browser, &BrowserPage::problem, this, &MainWindow::fail);
    auto* right = new QWidget(split);
    auto* rightLayout = new QVBoxLayout(right);
    auto* head = new QHBoxLayout();
    m_title = new QLabel(right);
    m_title->setTextFormat(Qt::PlainText);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_title->setFont(big);
    m_explain = new QPushButton(tr("&Explain"), right);
    m_explain->setToolTip(tr("Run the agent loop on this neuron (Ctrl+E, Neuron > Explain); a cached result opens at once"));
    connect(m_explain, &QPushButton::clicked, this, [this] { explainCurrent(false); });
    head->addWidget(m_title, 1);
    head->addWidget(m_explain);
    rightLayout->addLayout(head);
    m_tabs = new QTabWidget(right);
    rightLayout->addWidget(m_tabs, 1);
    split->addWidget(right);
    // The browser may take half the window, so that its Explanation column can be read.
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);
    split->setSizes({520, 760});
    setCentralWidget(split);
    m_splitter = split;
    buildPages();

    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(260);
    m_progress->setVisible(false);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setToolTip(tr("Stop the running jobs and those waiting (Esc, Neuron > Cancel jobs)"));
    m_cancel->setVisible(false);
    connect(m_cancel, &QPushButton::clicked, this, &MainWindow::cancelJobs);
    m_background = new QLabel(this);
    statusBar()->addPermanentWidget(m_background);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    m_where = new QLabel(this);
    m_where->setToolTip(tr("%1\n%2").arg(m_model->directory(), m_corpus));
    statusBar()->addPermanentWidget(m_where);
    updateWhere();
    buildMenus();
    if (!db) fail(db.error());
    QTimer::singleShot(0, this, [this] { loadLayer(0); });
}

MainWindow::~MainWindow() {
    for (ExplainWorker* w : {m_worker, m_layerWorker, m_decisionWorker}) w->cancel();
    for (QThread& t : m_threads) t.quit();
    for (QThread& t : m_threads) t.wait();
}

void MainWindow::buildPages() {
    m_exemplars = new ExemplarsPage(m_table, m_tabs);
    m_exemplars->setCorpus(m_model, m_corpus);
    m_tabs->addTab(m_exemplars, tr("Exemplars"));
    m_ownText = new OwnTextPage(m_model, m_table, m_tabs);
    connect(m_ownText, &OwnTextPage::failed, this, &MainWindow::fail);
    m_tabs->addTab(m_ownText, tr("Own text"));
    m_distribution = new DistributionPage(m_model, m_table, m_tabs);
    m_tabs->addTab(m_distribution, tr("Histogram && outputs"));
    connect(m_distribution, &DistributionPage::quantileBinChosen, m_exemplars, &ExemplarsPage::showQuantileBin);
    m_modesMap = new ModesMapPage(m_tabs);
    connect(m_modesMap, &ModesMapPage::modeChosen, this, [this](int mode) {
        m_exemplars->showMode(mode);
        m_tabs->setCurrentWidget(m_exemplars);
    });
    m_tabs->addTab(m_modesMap, tr("Modes"));
    m_chart = new CorrelationChart(m_tabs);
    m_tabs->addTab(m_chart, tr("Refinement"));
    m_panel = new ExplanationPanel(m_tabs);
    connect(m_panel, &ExplanationPanel::decisionRequested, this,
            [this](const ExplainTarget& target, Review review, const ModeList& modes, bool rescore) {
                review.modelHash = m_model->fingerprint();
                review.corpusHash = m_corpusHash;
                const qint64 job = issue(m_decisionWorker, {Job::Kind::Decide, target, review.mode, tr("Keeping the decision")});
                QMetaObject::invokeMethod(m_decisionWorker, [w = m_decisionWorker, job, target, review, modes, rescore] {
                    w->decide(job, target, review, modes, rescore);
                });
            });
    m_tabs->addTab(m_panel, tr("Explanations"));
    m_transcript = new TranscriptPage(m_tabs);
    m_tabs->addTab(m_transcript, tr("Transcript"));
}

ExplainWorker* MainWindow::startWorker(QThread& thread) {
    auto* worker = new ExplainWorker(m_model, m_corpus, m_dbPath);
    worker->moveToThread(&thread);
    connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    connect(this, &MainWindow::settingsChanged, worker, &ExplainWorker::applySettings);
    connect(worker, &ExplainWorker::jobStarted, this, [this](qint64 job) {
        const auto it = m_jobs.find(job);
        if (it == m_jobs.end()) return;
        m_progressJob = job;
        m_progress->setValue(0);
        m_progress->setFormat(it->second.what + QStringLiteral(" %p%"));
        if (it->second.kind == Job::Kind::Explain) m_documents->document(it->second.target)->setJob(NeuronDocument::Job::Running, tr("starting"));
        updateJobs();
    });
    connect(worker, &ExplainWorker::progress, this, [this](qint64 job, int percent, const QString& what) {
        if (job != m_progressJob) return;
        m_progress->setFormat(what + QStringLiteral(" %p%"));
        m_progress->setValue(percent);
    });
    connect(worker, &ExplainWorker::layerReady, this, [this](qint64, int layer) {
        m_mining.erase(layer);
        if (layer == m_pendingLayer) loadLayer(layer);
    });
    connect(worker, &ExplainWorker::loopEvent, this, &MainWindow::onLoopEvent);
    connect(worker, &ExplainWorker::explained, this, &MainWindow::onExplained);
    connect(worker, &ExplainWorker::decided, this, &MainWindow::onDecided);
    connect(worker, &ExplainWorker::cancelled, this, [this](qint64 job) {
        const auto it = m_jobs.find(job);
        if (it != m_jobs.end() && it->second.kind == Job::Kind::Mine) m_mining.erase(it->second.target.layer);
        // A Cancel is what the person asked for: said in the status bar, never in a dialog.
        statusBar()->showMessage(it != m_jobs.end() ? tr("Cancelled: %1").arg(it->second.what) : tr("Cancelled"), 8000);
    });
    connect(worker, &ExplainWorker::failed, this, [this](qint64 job, const QString& message) {
        const auto it = m_jobs.find(job);
        if (it != m_jobs.end() && it->second.kind == Job::Kind::Mine) m_mining.erase(it->second.target.layer);
        fail(message);
    });
    connect(worker, &ExplainWorker::imported, this, [this](qint64, const ImportRun& run) {
        if (m_current) load(m_current);
        auto* dialog = new ImportResultsDialog(run, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &ImportResultsDialog::neuronActivated, this, &MainWindow::showNeuron);
        dialog->show();
        Q_EMIT explanationsImported(run);
    });
    connect(worker, &ExplainWorker::exported, this, [this](qint64, const QString& message) {
        statusBar()->showMessage(message, 8000);
        Q_EMIT layerExported(message);
    });
    connect(worker, &ExplainWorker::jobFinished, this, &MainWindow::onJobEnded);
    thread.start();
    return worker;
}

qint64 MainWindow::issue(ExplainWorker* worker, Job job) {
    const qint64 id = worker->issueJob();
    if (job.kind == Job::Kind::Explain) m_documents->document(job.target)->setJob(NeuronDocument::Job::Queued);
    m_jobs[id] = std::move(job);
    updateJobs();
    return id;
}

void MainWindow::onJobEnded(qint64 id) {
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end()) return;
    const Job job = it->second;
    m_jobs.erase(it);
    if (job.kind == Job::Kind::Explain) m_documents->document(job.target)->setJob(NeuronDocument::Job::None);
    if (job.kind == Job::Kind::Decide) m_panel->settle(job.target, job.mode);
    updateJobs();
}

void MainWindow::cancelJobs() {
    for (ExplainWorker* w : {m_worker, m_layerWorker, m_decisionWorker}) w->cancel();
    m_exportCancelled = true;
}

QString MainWindow::backgroundJobs() const {
    QStringList parts;
    int waiting = 0;
    for (const auto& [id, job] : m_jobs) {
        if (job.kind != Job::Kind::Explain) continue;
        const NeuronDocument* doc = m_documents->find(job.target);
        if (!doc || doc == m_current) continue;
        if (doc->job() == NeuronDocument::Job::Running) parts << tr("explaining %1, %2").arg(doc->name(), doc->jobStep());
        else ++waiting;
    }
    if (waiting) parts << tr("%n more waiting", nullptr, waiting);
    return parts.join(QStringLiteral("; "));
}

void MainWindow::updateJobs() {
    m_progress->setVisible(busy());
    m_cancel->setVisible(busy());
    m_background->setText(backgroundJobs());
    // Explain is refused only while this unit has a run on its way.
    m_explain->setEnabled(m_current && m_current->job() == NeuronDocument::Job::None);
}

void MainWindow::fail(const QString& message) {
    statusBar()->showMessage(message, 15000);
    if (!QApplication::platformName().contains(QLatin1String("offscreen"))) QMessageBox::warning(this, tr("NeuronScope"), message);
}

void MainWindow::loadLayer(int layer) {
    if (!m_db) return;
    if (m_corpusHash.isEmpty() || !m_session) return fail(tr("%1: cannot read the corpus").arg(m_corpus));
    m_pendingLayer = layer;
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, layer, m_session->mineOptions(layer).key()});
    if (!found) return fail(found.error());
    if (!found->has_value()) {
        // Mined on its own worker: the current unit stays, and can be explained meanwhile.
        if (m_mining.count(layer)) return;
        m_mining[layer] = true;
        const qint64 job = issue(m_layerWorker, {Job::Kind::Mine, {layer, -1, {}}, -1, tr("Mining layer %1").arg(layer)});
        QMetaObject::invokeMethod(m_layerWorker, [w = m_layerWorker, job, layer] { w->mineLayer(job, layer); });
        return;
    }
    auto summaries = m_db->neuronSummaries((*found)->id);
    if (!summaries) return fail(summaries.error());
    m_pendingLayer = -1;
    m_browser->showLayer(layer, std::move(*summaries));
    refreshExplained();
    const bool opening = m_pendingNeuron >= 0 || !m_current;
    const int neuron = m_pendingNeuron >= 0 ? m_pendingNeuron : m_browser->firstListed();
    m_pendingNeuron = -1;
    if (opening && neuron >= 0) showNeuron(layer, neuron);
    else if (m_current && m_current->target().layer == layer) m_browser->select(m_current->target().neuron);
}

void MainWindow::refreshExplained() {
    if (!m_db) return;
    auto list = m_db->explainedNeurons(m_model->fingerprint(), m_corpusHash, m_browser->model()->layer());
    if (list) m_browser->setExplained(*list);
}

void MainWindow::showNeuron(int layer, int neuron) {
    if (layer < 0 || layer >= m_model->config().nLayer || neuron < 0 || neuron >= m_model->config().nInner)
        return fail(tr("Neuron %1/%2 is not in this model (layers 0-%3, neurons 0-%4)")
                        .arg(layer).arg(neuron).arg(m_model->config().nLayer - 1).arg(m_model->config().nInner - 1));
    if (!m_db || !m_session) return;
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, layer, m_session->mineOptions(layer).key()});
    if (!found) return fail(found.error());
    if (!found->has_value()) {
        m_pendingNeuron = neuron;
        return loadLayer(layer);
    }
    NeuronDocument* doc = m_documents->document({layer, neuron, {}});
    if (!doc->record()) {
        auto record = m_db->loadNeuron((*found)->id, neuron);
        if (!record) return fail(record.error());
        doc->setRecord(std::move(*record));
    }
    load(doc);
    setCurrent(doc);
    // Go to another (mined) layer lists that layer, with this neuron's row current.
    if (m_browser->model()->layer() == layer) m_browser->select(neuron);
    else loadLayer(layer);
    Q_EMIT neuronShown(layer, neuron);
}

void MainWindow::load(NeuronDocument* doc) {
    const ExplainTarget& t = doc->target();
    if (t.synthetic()) return;
    // A run on its way keeps its live chart; its result arrives by itself.
    if (doc->job() == NeuronDocument::Job::None) {
        auto stored = m_db->latestExplanation(m_model->fingerprint(), m_corpusHash, t.layer, t.neuron);
        if (!stored) return fail(stored.error());
        if (stored->has_value() && (!doc->result() || doc->result()->runId != (*stored)->id)) {
            auto typed = loopResultOf(**stored);
            if (!typed) return fail(typed.error());
            doc->setResult(std::move(*typed));
        }
    }
    if (auto reviews = m_db->reviews(m_model->fingerprint(), m_corpusHash, t.layer, t.neuron)) doc->setReviews(std::move(*reviews));
    if (auto imported = m_db->importedExplanations(m_model->fingerprint(), m_corpusHash, t.layer, t.neuron))
        doc->setImported(std::move(*imported));
}

void MainWindow::setCurrent(NeuronDocument* doc) {
    if (m_current && m_current != doc) {
        disconnect(m_current, nullptr, this, nullptr);
        if (m_current->job() == NeuronDocument::Job::None && !m_current->target().synthetic()) m_current->forgetRecord();
    }
    if (m_current != doc) statusBar()->clearMessage();  // the last message may be about the unit left
    m_current = doc;
    auto title = [this] {
        const NeuronDocument* d = m_current;
        if (d->target().synthetic()) return m_title->setText(tr("Calibration neuron %1").arg(d->name()));
        if (!d->record()) return m_title->setText(tr("Neuron %1").arg(d->name()));
        // "Active" as the scores mean it (activity.h), not "above 0", which a GELU neuron is on
        // nearly every token.
        const NeuronRecord& r = *d->record();
        m_title->setText(tr("Neuron %1    max %2, active on %3% of tokens (above %4)")
                             .arg(d->name())
                             .arg(r.stats.max, 0, 'f', 2)
                             .arg(100 * shareAbove(r.histogram, activeThreshold(r)), 0, 'f', 1)
                             .arg(activeThreshold(r), 0, 'f', 2));
        m_title->setToolTip(tr("A token is active when its activation exceeds %1% of the neuron's largest activation; "
                               "the share is read from the token histogram")
                                .arg(100 * kActiveFraction, 0, 'f', 0));
    };
    title();
    if (!doc->target().synthetic()) m_browser->showCurrent(doc->target().layer, doc->target().neuron);
    connect(doc, &NeuronDocument::recordChanged, this, title);
    connect(doc, &NeuronDocument::jobChanged, this, &MainWindow::updateJobs);
    if (doc->record()) m_ownText->setScale(static_cast<float>(std::max(1e-6, doc->record()->stats.max)));
    for (DocumentPage* page : std::initializer_list<DocumentPage*>{m_exemplars, m_ownText, m_distribution, m_modesMap, m_chart, m_panel,
                                                                    m_transcript})
        page->setDocument(doc);
    updateJobs();
}

void MainWindow::explainCurrent(bool recompute) {
    if (!m_current || m_current->target().synthetic() || m_current->job() != NeuronDocument::Job::None) return;
    const ExplainTarget target = m_current->target();
    // After k changed, the layer is being mined again: the run would mine it a second time.
    if (m_mining.count(target.layer))
        return statusBar()->showMessage(tr("Layer %1 is being mined with the new settings; Explain when it is ready.").arg(target.layer), 8000);
    const qint64 job = issue(m_worker, {Job::Kind::Explain, target, -1, tr("Explaining %1").arg(m_current->name())});
    m_tabs->setCurrentWidget(m_chart);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job, target, recompute] { w->explain(job, target, recompute); });
}

void MainWindow::explainSynthetic(const QString& specPath) {
    NeuronDocument* doc = m_documents->document({-1, -1, specPath});
    if (doc->job() != NeuronDocument::Job::None) return;
    setCurrent(doc);
    const ExplainTarget target = doc->target();
    const qint64 job = issue(m_worker, {Job::Kind::Explain, target, -1, tr("Explaining %1").arg(doc->name())});
    m_tabs->setCurrentWidget(m_chart);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job, target] { w->explain(job, target, true); });
}

void MainWindow::onLoopEvent(const ExplainTarget& target, const LoopEvent& e) {
    NeuronDocument* doc = m_documents->document(target);
    if (e.kind == LoopEvent::Kind::Iteration) doc->addLiveIteration(e);
    if (e.kind == LoopEvent::Kind::Progress) doc->setJob(NeuronDocument::Job::Running, e.progress.stage);
    else if (doc == m_current) statusBar()->showMessage(QStringLiteral("%1: %2").arg(e.role, e.message));
    m_background->setText(backgroundJobs());
}

void MainWindow::onExplained(const ExplainTarget& target, const LoopResult& result, bool fromCache) {
    NeuronDocument* doc = m_documents->document(target);
    doc->setResult(result);
    if (!target.synthetic() && m_db)
        if (auto reviews = m_db->reviews(m_model->fingerprint(), m_corpusHash, target.layer, target.neuron)) doc->setReviews(std::move(*reviews));
    statusBar()->showMessage(fromCache ? tr("%1: explanation from the cache").arg(doc->name()) : tr("%1 explained").arg(doc->name()), 5000);
    if (!target.synthetic() && target.layer == m_browser->model()->layer()) refreshExplained();
}

void MainWindow::onDecided(const ExplainTarget& target, const Review& review) {
    m_panel->settle(target, review.mode);
    m_documents->document(target)->addReview(review);
    if (target.layer == m_browser->model()->layer()) refreshExplained();
}

NeuronListModel* MainWindow::neuronList() const { return m_browser->model(); }
ExemplarModel* MainWindow::exemplars() const { return m_exemplars->model(); }
QComboBox* MainWindow::exemplarFilter() const { return m_exemplars->filter(); }
QAbstractItemModel* MainWindow::shownExemplars() const { return m_exemplars->shown(); }
std::vector<int> MainWindow::selectedNeurons() const {
    return m_browser->selectedNeurons(m_current && !m_current->target().synthetic() ? m_current->target().neuron : -1);
}

const std::optional<LoopResult>& MainWindow::result() const {
    static const std::optional<LoopResult> none;
    return m_current ? m_current->result() : none;
}

}  // namespace ns
