#include "main_window.h"

#include "correlation_chart.h"
#include "explanation_panel.h"
#include "interchange_dialogs.h"
#include "exemplar_model.h"
#include "explain_worker.h"
#include "neuron_list_model.h"
#include "report_writer.h"
#include "token_strip_delegate.h"

#include "activations/corpus_reader.h"
#include "agents/activation_source.h"
#include "agents/explain_session.h"
#include "agents/pattern.h"
#include "agents/token_table.h"
#include "model/language_model.h"
#include "interchange/decided_explanation.h"
#include "store/cache_db.h"

#include "plot.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScreen>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <numeric>

namespace ns {

void ExemplarFilter::setChoice(int choice) {
    m_choice = choice;
    invalidate();
    if (choice == -2) sort(0, Qt::DescendingOrder);
    else if (choice == -3) sort(0, Qt::DescendingOrder);
    else sort(-1);
}

bool ExemplarFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    if (m_choice < 0) return true;
    return sourceModel()->index(row, 0, parent).data(ExemplarModel::ModeRole).toInt() == m_choice;
}

bool ExemplarFilter::lessThan(const QModelIndex& a, const QModelIndex& b) const {
    const int role = m_choice == -2 ? ExemplarModel::FalsePositiveRole : ExemplarModel::FalseNegativeRole;
    return a.data(role).toFloat() < b.data(role).toFloat();
}

namespace {

QColor modeColour(int mode) {
    static const QColor palette[] = {QColor(31, 119, 180), QColor(44, 160, 44), QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
    return mode < 0 ? Qt::lightGray : palette[mode % 8];
}

void addJson(QTreeWidgetItem* parent, const QString& key, const nlohmann::json& j) {
    auto* item = new QTreeWidgetItem(parent);
    item->setText(0, key);
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) addJson(item, QString::fromStdString(it.key()), it.value());
    } else if (j.is_array()) {
        item->setText(1, QObject::tr("%1 items").arg(j.size()));
        for (size_t i = 0; i < j.size(); ++i) addJson(item, QString::number(i), j[i]);
    } else {
        item->setText(1, j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump()));
    }
}

}  // namespace

MainWindow::MainWindow(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath, QWidget* parent)
    : QMainWindow(parent), m_model(std::move(model)), m_corpus(std::move(corpusPath)), m_dbPath(std::move(dbPath)) {
    setWindowTitle(tr("NeuronScope"));
    auto db = CacheDb::open(m_dbPath);
    if (db) {
        m_db = std::move(*db);
        m_session = std::make_unique<ExplainSession>(m_model, m_corpus, *m_db);
    }
    // One token table for the window: the session's when there is one.
    m_table = m_session ? m_session->table() : std::make_shared<const TokenTable>(m_model->tokenizer());
    if (auto hash = hashFile(m_corpus)) m_corpusHash = *hash;

    m_worker = new ExplainWorker(m_model, m_corpus, m_dbPath);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &MainWindow::startMining, m_worker, &ExplainWorker::mineLayer);
    connect(this, &MainWindow::startExplain, m_worker, &ExplainWorker::explain);
    connect(m_worker, &ExplainWorker::progress, this, [this](int percent, const QString& what) {
        m_progress->setValue(percent);
        m_progress->setFormat(what + QStringLiteral(" %p%"));
    });
    connect(m_worker, &ExplainWorker::layerReady, this, [this](int layer) {
        setBusy(false);
        loadLayer(layer);
    });
    connect(m_worker, &ExplainWorker::loopEvent, this, &MainWindow::onLoopEvent);
    connect(m_worker, &ExplainWorker::explained, this, [this](const QByteArray& r, const QByteArray& t, bool fromCache) {
        setBusy(false);
        statusBar()->showMessage(fromCache ? tr("Explanation from the cache") : tr("Explained"), 5000);
        showResult(nlohmann::json::parse(r.toStdString(), nullptr, false), nlohmann::json::parse(t.toStdString(), nullptr, false));
        refreshExplained();
    });
    connect(this, &MainWindow::startImport, m_worker, &ExplainWorker::importExplanations);
    connect(this, &MainWindow::startExport, m_worker, &ExplainWorker::exportLayer);
    connect(m_worker, &ExplainWorker::imported, this, [this](const QByteArray& rows, const QString& format, bool stopped) {
        setBusy(false);
        const nlohmann::json parsed = nlohmann::json::parse(rows.toStdString(), nullptr, false);
        if (m_neuron >= 0) m_panel->showImported(m_layer, m_neuron);
        auto* dialog = new ImportResultsDialog(parsed.is_array() ? parsed : nlohmann::json::array(), format, stopped, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &ImportResultsDialog::neuronActivated, this, &MainWindow::showNeuron);
        dialog->show();
        Q_EMIT explanationsImported(rows);
    });
    connect(m_worker, &ExplainWorker::exported, this, [this](const QString& message) {
        setBusy(false);
        statusBar()->showMessage(message, 8000);
        Q_EMIT layerExported(message);
    });
    connect(m_worker, &ExplainWorker::failed, this, [this](const QString& m) {
        setBusy(false);
        fail(m);
    });
    m_settings = ExplorerSettings::load();
    connect(this, &MainWindow::settingsChanged, m_worker, &ExplainWorker::applySettings);
    m_thread.start();
    Q_EMIT settingsChanged(m_settings);
    if (m_session) m_session->setTopK(m_settings.topK);

    auto* split = new QSplitter(this);
    split->addWidget(buildBrowser());
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
    m_explain->setToolTip(tr("Run the agent loop on this neuron (Ctrl+E); a cached result opens at once"));
    m_explain->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(m_explain, &QPushButton::clicked, this, [this] { explainCurrent(false); });
    head->addWidget(m_title, 1);
    head->addWidget(m_explain);
    rightLayout->addLayout(head);
    m_tabs = new QTabWidget(right);
    rightLayout->addWidget(m_tabs, 1);
    split->addWidget(right);
    split->setStretchFactor(1, 3);
    split->setSizes({440, 840});
    setCentralWidget(split);
    buildTabs();

    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(260);
    m_progress->setVisible(false);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setToolTip(tr("Stop the running job (Esc)"));
    m_cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    m_cancel->setVisible(false);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_worker->cancel();
        m_exportCancelled = true;
    });
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    m_where = new QLabel(this);
    m_where->setToolTip(tr("%1\n%2").arg(m_model->directory(), m_corpus));
    statusBar()->addPermanentWidget(m_where);
    updateWhere();

    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("Open &model directory..."), QKeySequence::Open, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Hugging Face model directory"), m_model->directory());
        if (!dir.isEmpty()) Q_EMIT openRequested(dir, m_corpus, m_dbPath);
    });
    file->addAction(tr("Open &corpus..."), this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Corpus text file"), QFileInfo(m_corpus).absolutePath(),
                                                       tr("Text (*.txt);;All files (*)"));
        if (!f.isEmpty()) Q_EMIT openRequested(m_model->directory(), f, m_dbPath);
    });
    file->addAction(tr("Open c&ache..."), this, [this] {
        // For example a cache merged from the shards of a batch run.
        const QString f = QFileDialog::getOpenFileName(this, tr("NeuronScope cache"), QFileInfo(m_dbPath).absolutePath(),
                                                       tr("SQLite (*.sqlite *.db);;All files (*)"));
        if (!f.isEmpty()) Q_EMIT openRequested(m_model->directory(), m_corpus, f);
    });
    auto* recent = file->addMenu(tr("&Recent"));
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        const QStringList list = QSettings().value(QStringLiteral("recent")).toStringList();
        for (const QString& entry : list) {
            const QStringList parts = entry.split(QLatin1Char('\n'));
            if (parts.size() != 2) continue;
            recent->addAction(tr("%1 on %2").arg(QFileInfo(parts[0]).fileName(), QFileInfo(parts[1]).fileName()), this,
                              [this, parts] { Q_EMIT openRequested(parts[0], parts[1], m_dbPath); });
        }
        if (recent->isEmpty()) recent->addAction(tr("(none yet)"))->setEnabled(false);
    });
    file->addAction(tr("&Settings..."), QKeySequence::Preferences, this, &MainWindow::editSettings);
    file->addSeparator();
    file->addAction(tr("&Export PDF..."), QKeySequence::Print, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export PDF"), QStringLiteral("neuronscope-report.pdf"),
                                                          tr("PDF (*.pdf)"));
        if (path.isEmpty()) return;
        if (auto r = exportPdf(path, selectedNeurons()); !r) fail(r.error());
        else statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
    });
    file->addAction(tr("Export &layer..."), this, [this] {
        if (m_layer < 0) return fail(tr("Open a layer first."));
        const std::vector<int> selected = selectedNeurons();
        LayerExportDialog dialog(m_layer, m_model->config().nInner, QList<int>(selected.begin(), selected.end()),
                                 QDir(m_model->directory()).dirName(), this);
        if (dialog.exec() != QDialog::Accepted) return;
        exportLayer(dialog.neurons(), dialog.format(), dialog.path(), dialog.neuronpediaModel(), dialog.neuronpediaSource());
    });
    file->addAction(tr("&Import explanations..."), this, [this] {
        // A file of OpenAI NeuronSimulationResults or of Neuronpedia explanations; the format is
        // read from it.
        const QString f = QFileDialog::getOpenFileName(this, tr("Explanations written by another tool"), QDir::homePath(),
                                                       tr("JSON (*.json *.jsonl);;All files (*)"));
        if (!f.isEmpty()) importExplanations(f);
    });
    file->addAction(tr("Import OpenAI explanations &folder..."), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("A folder of L/N.jsonl files, or one holding explanations/"),
                                                            QDir::homePath());
        if (!d.isEmpty()) importExplanations(d);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    auto* neuronMenu = menuBar()->addMenu(tr("&Neuron"));
    neuronMenu->addAction(tr("&Explain"), this, [this] { explainCurrent(false); });
    neuronMenu->addAction(tr("Explain &again"), this, [this] { explainCurrent(true); });
    neuronMenu->addAction(tr("&Go to L/N..."), QKeySequence(Qt::CTRL | Qt::Key_G), this, [this] { m_goto->setFocus(); m_goto->selectAll(); });

    // The default size fits a small laptop screen too.
    const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1366, 768);
    resize(std::min(1280, avail.width() * 95 / 100), std::min(820, avail.height() * 92 / 100));
    // Layout as the person left it; this model and corpus go to the top of the recent list.
    {
        QSettings settings;
        restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
        restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
        split->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
        QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
        const QString entry = QFileInfo(m_model->directory()).absoluteFilePath() + QLatin1Char('\n') + QFileInfo(m_corpus).absoluteFilePath();
        recent.removeAll(entry);
        recent.prepend(entry);
        settings.setValue(QStringLiteral("recent"), recent.mid(0, 8));
    }
    m_splitter = split;
    if (!db) fail(db.error());
    QTimer::singleShot(0, this, [this] { loadLayer(0); });
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::updateWhere() {
    m_where->setText(tr("model: %1   corpus: %2   backend: %3")
                         .arg(QFileInfo(m_model->directory()).fileName(), QFileInfo(m_corpus).fileName(),
                              m_settings.backend == QLatin1String("openai") ? tr("%1 at %2").arg(m_settings.llm.model, m_settings.llm.baseUrl)
                                                                           : tr("built-in")));
}

void MainWindow::editSettings() {
    SettingsDialog dialog(m_settings, this);
    if (dialog.exec() != QDialog::Accepted) return;
    const int oldK = m_settings.topK;
    m_settings = dialog.settings();
    m_settings.save();
    Q_EMIT settingsChanged(m_settings);
    m_panel->setTextSimulator(m_settings.backend == QLatin1String("openai"));
    updateWhere();
    if (m_session) m_session->setTopK(m_settings.topK);
    if (oldK != m_settings.topK && m_layer >= 0) {
        const int layer = m_layer;
        m_layer = -1;
        m_pendingNeuron = m_neuron;
        loadLayer(layer);
    }
}

MainWindow::~MainWindow() {
    m_worker->cancel();
    m_thread.quit();
    m_thread.wait();
}

QWidget* MainWindow::buildBrowser() {
    auto* w = new QWidget(this);
    auto* layout = new QVBoxLayout(w);
    auto* row = new QHBoxLayout();
    row->addWidget(new QLabel(tr("Layer"), w));
    m_layerBox = new QSpinBox(w);
    m_layerBox->setRange(0, m_model->config().nLayer - 1);
    m_layerBox->setToolTip(tr("The layer whose neurons are listed"));
    row->addWidget(m_layerBox);
    m_goto = new QLineEdit(w);
    m_goto->setPlaceholderText(tr("L/N, e.g. 2/17"));
    m_goto->setToolTip(tr("Type layer/neuron and press Enter (Ctrl+G)"));
    row->addWidget(m_goto, 1);
    layout->addLayout(row);
    m_filter = new QLineEdit(w);
    m_filter->setPlaceholderText(tr("Filter: neuron id or explanation text"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);
    m_neurons = new NeuronListModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_neurons);
    m_proxy->setSortRole(Qt::UserRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table_view = new QTableView(w);
    m_table_view->setModel(m_proxy);
    m_table_view->setSortingEnabled(true);
    m_table_view->sortByColumn(NeuronListModel::Max, Qt::DescendingOrder);
    m_table_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table_view->verticalHeader()->setVisible(false);
    m_table_view->horizontalHeader()->setStretchLastSection(true);
    for (int c = 0; c < NeuronListModel::Explanation; ++c)
        m_table_view->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table_view->verticalHeader()->setDefaultSectionSize(m_table_view->fontMetrics().height() + 6);
    layout->addWidget(m_table_view, 1);
    connect(m_layerBox, &QSpinBox::valueChanged, this, [this](int l) {
        if (l != m_layer) loadLayer(l);
    });
    connect(m_goto, &QLineEdit::returnPressed, this, [this] {
        const auto m = QRegularExpression(QStringLiteral("^\\s*(\\d+)\\s*[/:. ]\\s*(\\d+)\\s*$")).match(m_goto->text());
        if (!m.hasMatch()) return fail(tr("Type a neuron as layer/neuron, for example 2/17"));
        showNeuron(m.captured(1).toInt(), m.captured(2).toInt());
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (i.isValid()) showNeuron(m_layer, m_neurons->neuronAt(m_proxy->mapToSource(i).row()));
    });
    return w;
}

void MainWindow::buildTabs() {
    // Exemplars, filtered by mode or ordered by the explanation's worst misses.
    m_exemplars = new ExemplarModel(this);
    m_exemplarProxy = new ExemplarFilter(this);
    m_exemplarProxy->setSourceModel(m_exemplars);
    auto* exemplarPage = new QWidget(m_tabs);
    auto* exemplarLayout = new QVBoxLayout(exemplarPage);
    m_exemplarFilter = new QComboBox(exemplarPage);
    m_exemplarFilter->setToolTip(tr("Show the exemplars of one mode, or those the explanation gets most wrong"));
    m_exemplarFilter->addItem(tr("All exemplars"), -1);
    auto* legend = new QLabel(tr("Background: true activation (orange up to the neuron's maximum, blue below zero). "
                                 "Bar under a token: the explanation's simulation. Frame: the maximum. Underline: a "
                                 "component's trigger and the context tokens that mattered."),
                              exemplarPage);
    legend->setWordWrap(true);
    auto* filterRow = new QHBoxLayout();
    filterRow->addWidget(m_exemplarFilter);
    filterRow->addWidget(legend, 1);
    exemplarLayout->addLayout(filterRow);
    m_exemplarView = new QListView(exemplarPage);
    exemplarLayout->addWidget(m_exemplarView, 1);
    connect(m_exemplarFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_exemplarProxy->setChoice(m_exemplarFilter->currentData().toInt());
    });
    m_exemplarView->setModel(m_exemplarProxy);
    m_exemplarView->setItemDelegate(new TokenStripDelegate(m_exemplarView));
    m_exemplarView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_exemplarView->setUniformItemSizes(false);
    m_exemplarView->setResizeMode(QListView::Adjust);
    m_tabs->addTab(exemplarPage, tr("Exemplars"));

    // Own text.
    auto* own = new QWidget(m_tabs);
    auto* ownLayout = new QVBoxLayout(own);
    m_ownText = new QPlainTextEdit(own);
    m_ownText->setPlaceholderText(tr("Type or paste text: the neuron's activation on every token appears below."));
    m_ownText->setMaximumHeight(120);
    m_ownModel = new ExemplarModel(this);
    auto* ownView = new QListView(own);
    ownView->setModel(m_ownModel);
    ownView->setItemDelegate(new TokenStripDelegate(ownView));
    ownLayout->addWidget(m_ownText);
    ownLayout->addWidget(ownView, 1);
    m_ownTimer = new QTimer(this);
    m_ownTimer->setSingleShot(true);
    m_ownTimer->setInterval(250);
    connect(m_ownText, &QPlainTextEdit::textChanged, m_ownTimer, qOverload<>(&QTimer::start));
    connect(m_ownTimer, &QTimer::timeout, this, &MainWindow::showOwnText);
    m_tabs->addTab(own, tr("Own text"));

    // Histogram and output tokens.
    auto* dist = new QWidget(m_tabs);
    auto* distLayout = new QHBoxLayout(dist);
    m_histogram = new QCustomPlot(dist);
    m_histogram->xAxis->setLabel(tr("activation"));
    m_histogram->yAxis->setLabel(tr("tokens (log)"));
    m_histogram->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_histogram->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    distLayout->addWidget(m_histogram, 3);
    auto* outputs = new QVBoxLayout();
    outputs->addWidget(new QLabel(tr("Output weights promote"), dist));
    m_promoted = new QListWidget(dist);
    outputs->addWidget(m_promoted);
    outputs->addWidget(new QLabel(tr("... and suppress"), dist));
    m_suppressed = new QListWidget(dist);
    outputs->addWidget(m_suppressed);
    distLayout->addLayout(outputs, 1);
    m_tabs->addTab(dist, tr("Histogram && outputs"));

    // Cluster map.
    m_clusterMap = new QCustomPlot(m_tabs);
    m_clusterMap->xAxis->setLabel(tr("first principal component"));
    m_clusterMap->yAxis->setLabel(tr("second principal component"));
    m_clusterMap->legend->setVisible(true);
    m_clusterMap->setToolTip(QString());
    m_clusterMap->setMouseTracking(true);
    // Hover names the component under the pointer; a click shows that mode's exemplars.
    connect(m_clusterMap, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int c = componentAt(e->pos());
        if (c < 0) return QToolTip::hideText();
        const auto& comp = m_result["components"][static_cast<size_t>(c)];
        QString context;
        for (const auto& t : comp.value("context", nlohmann::json::array()))
            context += QStringLiteral(" \u201C%1\u201D").arg(TokenStripDelegate::shown(QString::fromStdString(t.value("token", std::string()))));
        QToolTip::showText(e->globalPosition().toPoint(),
                           tr("trigger \u201C%1\u201D, activation %2, mode %3%4")
                               .arg(TokenStripDelegate::shown(QString::fromStdString(comp.value("trigger", std::string()))))
                               .arg(comp.value("activation", 0.0), 0, 'f', 2)
                               .arg(comp.value("mode", -1) + 1)
                               .arg(context.isEmpty() ? QString() : tr("; context that mattered:%1").arg(context)),
                           m_clusterMap);
    });
    connect(m_clusterMap, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int c = componentAt(e->pos());
        if (c < 0) return;
        const int mode = m_result["components"][static_cast<size_t>(c)].value("mode", -1);
        const int item = m_exemplarFilter->findData(mode);
        if (item >= 0) m_exemplarFilter->setCurrentIndex(item);
        m_tabs->setCurrentIndex(0);
    });
    m_tabs->addTab(m_clusterMap, tr("Modes"));

    // Live refinement chart.
    m_chart = new CorrelationChart(m_tabs);
    m_tabs->addTab(m_chart, tr("Refinement"));

    // Explanations, and what people decided about them.
    m_panel = new ExplanationPanel(m_db.get(), m_session.get(), m_model->fingerprint(), m_corpusHash, m_tabs);
    connect(m_panel, &ExplanationPanel::reviewed, this, &MainWindow::refreshExplained);
    connect(m_panel, &ExplanationPanel::rescoreRequested, m_worker, &ExplainWorker::rescore);
    connect(m_worker, &ExplainWorker::rescored, m_panel, &ExplanationPanel::finishRescore);
    m_panel->setTextSimulator(m_settings.backend == QLatin1String("openai"));
    m_tabs->addTab(m_panel, tr("Explanations"));

    // Transcript.
    m_transcript = new QTreeWidget(m_tabs);
    m_transcript->setHeaderLabels({tr("Step"), tr("Detail")});
    m_transcript->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tabs->addTab(m_transcript, tr("Transcript"));
}

void MainWindow::fail(const QString& message) {
    statusBar()->showMessage(message, 15000);
    if (!QApplication::platformName().contains(QLatin1String("offscreen")))
        QMessageBox::warning(this, tr("NeuronScope"), message);
}

void MainWindow::setBusy(bool busy, const QString& what) {
    m_busy = busy;
    m_progress->setVisible(busy);
    m_cancel->setVisible(busy);
    m_explain->setEnabled(!busy);
    m_progress->setValue(0);
    m_progress->setFormat(what + QStringLiteral(" %p%"));
}

void MainWindow::loadLayer(int layer) {
    if (!m_db) return;
    if (m_corpusHash.isEmpty() || !m_session) return fail(tr("%1: cannot read the corpus").arg(m_corpus));
    const MineOptions o = m_session->mineOptions(layer);
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, layer, o.key()});
    if (!found) return fail(found.error());
    if (!found->has_value()) {
        if (m_busy) return;
        setBusy(true, tr("Mining layer %1").arg(layer));
        m_layer = -1;
        Q_EMIT startMining(layer);
        return;
    }
    auto summaries = m_db->neuronSummaries((*found)->id);
    if (!summaries) return fail(summaries.error());
    m_layer = layer;
    {
        const QSignalBlocker block(m_layerBox);
        m_layerBox->setValue(layer);
    }
    m_neurons->setLayer(layer, std::move(*summaries));
    refreshExplained();
    const int neuron = m_pendingNeuron >= 0 ? m_pendingNeuron : m_neurons->neuronAt(0);
    m_pendingNeuron = -1;
    showNeuron(layer, neuron);
}

void MainWindow::refreshExplained() {
    if (!m_db) return;
    auto list = m_db->explainedNeurons(m_model->fingerprint(), m_corpusHash, m_layer);
    if (!list) return;
    for (const auto& e : *list) m_neurons->setExplained(e.neuron, {e.status, e.score, e.explanation});
}

void MainWindow::showNeuron(int layer, int neuron) {
    if (layer < 0 || layer >= m_model->config().nLayer || neuron < 0 || neuron >= m_model->config().nInner)
        return fail(tr("Neuron %1/%2 is not in this model (layers 0-%3, neurons 0-%4)")
                        .arg(layer).arg(neuron).arg(m_model->config().nLayer - 1).arg(m_model->config().nInner - 1));
    if (layer != m_layer) {
        m_pendingNeuron = neuron;
        loadLayer(layer);
        return;
    }
    m_neuron = neuron;
    if (!m_db) return;
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, layer, m_session->mineOptions(layer).key()});
    if (!found || !found->has_value()) return;
    auto record = m_db->loadNeuron((*found)->id, neuron);
    if (!record) return fail(record.error());
    m_title->setText(tr("Neuron %1/%2    max %3, firing on %4% of tokens")
                         .arg(layer).arg(neuron).arg(record->stats.max, 0, 'f', 2).arg(100 * record->stats.firingRate, 0, 'f', 1));
    m_exemplarFilter->clear();
    m_exemplarFilter->addItem(tr("All exemplars"), -1);
    showRecord(*record);
    const int row = m_neurons->rowOf(neuron);
    if (row >= 0) {
        const QModelIndex i = m_proxy->mapFromSource(m_neurons->index(row, 0));
        const QSignalBlocker block(m_table_view->selectionModel());
        m_table_view->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table_view->scrollTo(i);
    }
    // A cached explanation opens at once.
    m_result = nlohmann::json();
    m_chart->clear();
    m_panel->clear(tr("Not explained yet: press Explain."));
    m_transcript->clear();
    m_clusterMap->clearGraphs();
    m_clusterMap->replot();
    if (auto cached = m_db->latestExplanation(m_model->fingerprint(), m_corpusHash, layer, neuron); cached && cached->has_value())
        showResult((*cached)->result, (*cached)->transcript);
    m_panel->showImported(layer, neuron);
    Q_EMIT neuronShown(layer, neuron);
}

void MainWindow::showRecord(const NeuronRecord& record) {
    m_exemplars->setRecord(record, *m_table);
    // Histogram (log counts; empty bins left out).
    m_histogram->clearPlottables();
    auto* bars = new QCPBars(m_histogram->xAxis, m_histogram->yAxis);
    QVector<double> x, y;
    const auto& h = record.histogram;
    for (size_t i = 0; i < h.counts.size(); ++i)
        if (h.counts[i] > 0) x << 0.5 * (h.edges[i] + h.edges[i + 1]), y << static_cast<double>(h.counts[i]);
    bars->setData(x, y);
    if (h.edges.size() > 1) bars->setWidth(h.edges[1] - h.edges[0]);
    bars->setBrush(QColor(255, 140, 40));
    bars->setPen(Qt::NoPen);
    m_histogram->rescaleAxes();
    m_histogram->yAxis->setRangeLower(0.8);
    m_histogram->replot();
    // Output weights through the unembedding.
    m_promoted->clear();
    m_suppressed->clear();
    if (auto logits = m_model->outputLogits(record.layer, record.neuron)) {
        std::vector<int> order(logits->size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return (*logits)[a] > (*logits)[b]; });
        for (int i = 0; i < 12 && i < static_cast<int>(order.size()); ++i) {
            const int top = order[static_cast<size_t>(i)], bottom = order[order.size() - 1 - static_cast<size_t>(i)];
            m_promoted->addItem(QStringLiteral("%1   %2").arg((*logits)[top], 6, 'f', 2).arg(TokenStripDelegate::shown(m_table->text(top))));
            m_suppressed->addItem(QStringLiteral("%1   %2").arg((*logits)[bottom], 6, 'f', 2).arg(TokenStripDelegate::shown(m_table->text(bottom))));
        }
    }
    showOwnText();
}

int MainWindow::componentAt(const QPoint& pos) const {
    if (!m_result.is_object() || !m_result.contains("components")) return -1;
    const auto& comps = m_result["components"];
    int best = -1;
    double bestD = 12 * 12;  // pixels
    for (size_t i = 0; i < comps.size(); ++i) {
        if (!comps[i].contains("map")) continue;
        const double x = m_clusterMap->xAxis->coordToPixel(comps[i]["map"][0].get<double>());
        const double y = m_clusterMap->yAxis->coordToPixel(comps[i]["map"][1].get<double>());
        const double d = (x - pos.x()) * (x - pos.x()) + (y - pos.y()) * (y - pos.y());
        if (d < bestD) bestD = d, best = static_cast<int>(i);
    }
    return best;
}

std::vector<int> MainWindow::selectedNeurons() const {
    std::vector<int> out;
    for (const QModelIndex& i : m_table_view->selectionModel()->selectedRows())
        out.push_back(m_neurons->neuronAt(m_proxy->mapToSource(i).row()));
    if (std::find(out.begin(), out.end(), m_neuron) == out.end() && m_neuron >= 0) out.insert(out.begin(), m_neuron);
    return out;
}

Expected<void> MainWindow::exportPdf(const QString& path, const std::vector<int>& neurons) {
    if (!m_db || m_layer < 0) return makeError(tr("Open a neuron first."));
    if (m_busy) return makeError(tr("Wait for the running job to finish, or cancel it."));
    std::vector<NeuronReport> reports;
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, m_layer, m_session->mineOptions(m_layer).key()});
    if (!found || !found->has_value()) return makeError(tr("Layer %1 is not mined yet.").arg(m_layer));
    for (int n : neurons) {
        auto stored = m_db->latestExplanation(m_model->fingerprint(), m_corpusHash, m_layer, n);
        if (!stored) return Error{stored.error()};
        if (!stored->has_value()) continue;  // only explained neurons have a report
        NeuronReport nr;
        nr.result = (*stored)->result;
        auto record = m_db->loadNeuron((*found)->id, n);
        if (!record) return Error{record.error()};
        nr.record = std::move(*record);
        auto reviews = m_db->reviews(m_model->fingerprint(), m_corpusHash, m_layer, n);
        if (!reviews) return Error{reviews.error()};
        nr.decided = latestDecisions(nr.result.value("modes", nlohmann::json::array()).size(), *reviews);
        auto imported = m_db->importedExplanations(m_model->fingerprint(), m_corpusHash, m_layer, n);
        if (!imported) return Error{imported.error()};
        nr.imported = std::move(*imported);
        reports.push_back(std::move(nr));
    }
    if (reports.empty()) return makeError(tr("None of the chosen neurons is explained yet: press Explain first."));
    // QCustomPlot draws the report's charts, and widgets live on this thread: the export runs
    // here a neuron at a time, with the progress bar and Cancel, keeping the window responsive.
    setBusy(true, tr("Exporting"));
    m_exportCancelled = false;
    auto r = writeReport(path, {QFileInfo(m_model->directory()).fileName(), QFileInfo(m_corpus).fileName(), tr("built-in")}, reports,
                         *m_table, [this](int done, int total) {
                             m_progress->setValue(100 * done / std::max(1, total));
                             QApplication::processEvents();
                             return !m_exportCancelled;
                         });
    setBusy(false);
    return r;
}

void MainWindow::showOwnText() {
    const std::string text = m_ownText->toPlainText().toStdString();
    if (text.empty() || m_layer < 0 || m_neuron < 0) {
        m_ownModel->setRows({}, 1);
        return;
    }
    std::vector<int> ids = m_model->tokenizer().encode(text);
    if (static_cast<int>(ids.size()) > m_model->config().nPositions) ids.resize(static_cast<size_t>(m_model->config().nPositions));
    const ModelNeuronSource source(m_model, m_layer, m_neuron);
    auto acts = source.activations({ids});
    if (!acts) return fail(acts.error());
    ExemplarModel::Row row;
    row.group = tr("your text");
    row.ids = ids;
    for (int id : ids) row.tokens << m_table->text(id);
    row.activations = QList<float>((*acts)[0].begin(), (*acts)[0].end());
    row.maxIndex = static_cast<int>(std::max_element(row.activations.begin(), row.activations.end()) - row.activations.begin());
    m_ownModel->setRows({row}, m_exemplars->scale());
}

void MainWindow::explainCurrent(bool recompute) {
    if (m_busy || m_layer < 0 || m_neuron < 0) return;
    setBusy(true, tr("Explaining %1/%2").arg(m_layer).arg(m_neuron));
    m_chart->clear();
    m_tabs->setCurrentWidget(m_chart);
    Q_EMIT startExplain(m_layer, m_neuron, QString(), recompute);
}

void MainWindow::explainSynthetic(const QString& specPath) {
    if (m_busy) return;
    setBusy(true, tr("Explaining %1").arg(QFileInfo(specPath).fileName()));
    m_chart->clear();
    m_tabs->setCurrentWidget(m_chart);
    Q_EMIT startExplain(-1, -1, specPath, true);
}

void MainWindow::onLoopEvent(const LoopEvent& e) {
    if (e.kind == LoopEvent::Kind::Iteration) m_chart->addIteration(e.iteration, e.validScore, e.modeScores, e.baselineValidScore);
    statusBar()->showMessage(QStringLiteral("%1: %2").arg(e.role, e.message));
}

void MainWindow::showResult(const nlohmann::json& r, const nlohmann::json& transcript) {
    if (!r.is_object() || !r.contains("modes")) return;
    m_result = r;
    const auto& modes = r["modes"];
    m_panel->setResult(r.value("neuron", std::string()).find('/') != std::string::npos ? m_layer : -1, m_neuron, r);
    // The chart from the stored iterations when it was not watched live.
    if (m_chart->points() == 0)
        for (const auto& it : r.value("iterations", nlohmann::json::array()))
            m_chart->addIteration(it.value("index", 0), it.value("valid_score", 0.0),
                                  it.value("mode_scores", std::vector<double>{}), r.value("baseline_valid_score", 0.0));
    // Cluster map: components on the principal plane, coloured by mode.
    m_clusterMap->clearGraphs();
    std::map<int, std::pair<QVector<double>, QVector<double>>> byMode;
    for (const auto& c : r.value("components", nlohmann::json::array())) {
        if (!c.contains("map")) continue;
        auto& xy = byMode[c.value("mode", -1)];
        xy.first << c["map"][0].get<double>();
        xy.second << c["map"][1].get<double>();
    }
    for (const auto& [mode, xy] : byMode) {
        auto* g = m_clusterMap->addGraph();
        g->setName(mode < 0 ? tr("no mode") : tr("mode %1").arg(mode + 1));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, modeColour(mode), 9));
        g->setData(xy.first, xy.second, true);
    }
    m_clusterMap->rescaleAxes();
    m_clusterMap->xAxis->scaleRange(1.15);
    m_clusterMap->yAxis->scaleRange(1.15);
    m_clusterMap->replot();
    // The simulation beside the exemplars (built-in patterns run here, offline).
    // A pattern may name a class measured on the corpus: make it ready before running patterns.
    if (m_session && r.dump().find("\"word_start\"") != std::string::npos)
        if (auto ready = m_session->prepareCorpusClasses(); !ready) fail(ready.error());
    std::vector<CompiledPattern> compiled;
    for (const auto& m : modes)
        if (m.contains("pattern") && m["pattern"].is_object())
            if (auto p = patternFromJson(m["pattern"])) compiled.emplace_back(*p, *m_table);
    std::map<int64_t, QList<int>> marks;
    for (const auto& c : r.value("components", nlohmann::json::array())) {
        auto& list = marks[c.value("window", int64_t(-1))];
        const int pos = c.value("position", 0);
        list << pos;
        for (const auto& t : c.value("context", nlohmann::json::array())) list << pos - t.value("offset", 0);
    }
    std::vector<ExemplarModel::Row> rows;
    std::vector<std::vector<std::vector<float>>> perMode;  // [row][mode][token]
    double simPeak = 0;
    for (int i = 0; i < m_exemplars->rowCount(); ++i) {
        ExemplarModel::Row row = m_exemplars->row(i);
        row.simulated.clear();
        row.marked = marks.count(row.window) ? marks[row.window] : QList<int>();
        std::vector<std::vector<float>> sims;
        if (!compiled.empty()) {
            std::vector<float> sim(row.ids.size(), 0.f);
            for (const CompiledPattern& p : compiled) {
                sims.push_back(p.run(row.ids));
                for (size_t t = 0; t < sim.size(); ++t) sim[t] = std::max(sim[t], sims.back()[t]);
            }
            for (float v : sim) simPeak = std::max<double>(simPeak, v);
            row.simulated = QList<float>(sim.begin(), sim.end());
        }
        perMode.push_back(std::move(sims));
        rows.push_back(std::move(row));
    }
    // Relative to each side's peak: which mode explains an exemplar, and its worst misses.
    const float scale = m_exemplars->scale();
    for (size_t i = 0; i < rows.size(); ++i) {
        auto& row = rows[i];
        if (simPeak > 0)
            for (float& v : row.simulated) v = static_cast<float>(v / simPeak);
        float best = 0;
        for (size_t m = 0; m < perMode[i].size(); ++m)
            if (row.maxIndex < static_cast<int>(perMode[i][m].size()) && perMode[i][m][static_cast<size_t>(row.maxIndex)] > best)
                best = perMode[i][m][static_cast<size_t>(row.maxIndex)], row.mode = static_cast<int>(m);
        for (int t = 0; t < row.simulated.size() && t < row.activations.size(); ++t) {
            const float a = row.activations[t] / scale, p = row.simulated[t];
            row.falsePositive = std::max(row.falsePositive, p - a);
            row.falseNegative = std::max(row.falseNegative, a - p);
        }
    }
    m_exemplarFilter->clear();
    m_exemplarFilter->addItem(tr("All exemplars"), -1);
    for (size_t m = 0; m < modes.size(); ++m) m_exemplarFilter->addItem(tr("Mode %1").arg(m + 1), static_cast<int>(m));
    if (!compiled.empty()) {
        m_exemplarFilter->addItem(tr("Worst false positives"), -2);
        m_exemplarFilter->addItem(tr("Worst false negatives"), -3);
    }
    m_exemplars->setRows(std::move(rows), m_exemplars->scale());
    // Transcript.
    m_transcript->clear();
    if (transcript.is_array()) {
        for (size_t i = 0; i < transcript.size(); ++i) {
            const auto& step = transcript[i];
            auto* item = new QTreeWidgetItem(m_transcript);
            item->setText(0, QString::fromStdString(step.value("role", std::string())));
            item->setText(1, QString::fromStdString(step.value("step", std::string())));
            for (auto it = step.begin(); it != step.end(); ++it)
                if (it.key() != "role" && it.key() != "step") addJson(item, QString::fromStdString(it.key()), it.value());
        }
    }
    Q_EMIT explanationShown();
}

void MainWindow::importExplanations(const QString& path) {
    if (m_busy) return fail(tr("Wait for the running job to finish, or cancel it."));
    setBusy(true, tr("Importing"));
    Q_EMIT startImport(path);
}

void MainWindow::exportLayer(const QList<int>& neurons, const QString& format, const QString& path, const QString& neuronpediaModel,
                             const QString& neuronpediaSource) {
    if (m_busy) return fail(tr("Wait for the running job to finish, or cancel it."));
    if (m_layer < 0) return fail(tr("Open a layer first."));
    setBusy(true, tr("Exporting layer %1").arg(m_layer));
    Q_EMIT startExport(m_layer, neurons, format, path, neuronpediaModel, neuronpediaSource);
}

}  // namespace ns
