// The frame's menus and what they start: open, settings, PDF, import and export of a layer.
#include "main_window.h"

#include "explain_worker.h"
#include "interchange_dialogs.h"
#include "neuron_document.h"
#include "neuron_list_model.h"
#include "pages/browser_page.h"
#include "report_writer.h"

#include "model/language_model.h"
#include "store/cache_db.h"
#include "store/decisions.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QProgressBar>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>

namespace ns {

void MainWindow::buildMenus() {
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
        const QString path = QFileDialog::getSaveFileName(this, tr("Export PDF"), QStringLiteral("neuronscope-report.pdf"), tr("PDF (*.pdf)"));
        if (path.isEmpty()) return;
        if (auto r = exportPdf(path, selectedNeurons()); !r) fail(r.error());
        else statusBar()->showMessage(tr("Wrote %1").arg(path), 8000);
    });
    file->addAction(tr("Export &layer..."), this, [this] {
        const int layer = neuronList()->layer();
        const std::vector<int> selected = selectedNeurons();
        LayerExportDialog dialog(layer, m_model->config().nInner, QList<int>(selected.begin(), selected.end()),
                                 QDir(m_model->directory()).dirName(), this);
        if (dialog.exec() != QDialog::Accepted) return;
        exportLayer(dialog.neurons(), dialog.format(), dialog.path(), dialog.neuronpediaModel(), dialog.neuronpediaSource());
    });
    file->addAction(tr("&Import explanations..."), this, [this] {
        // A file of OpenAI NeuronSimulationResults or of Neuronpedia explanations; the format is read from it.
        const QString f = QFileDialog::getOpenFileName(this, tr("Explanations written by another tool"), QDir::homePath(),
                                                       tr("JSON (*.json *.jsonl);;All files (*)"));
        if (!f.isEmpty()) importExplanations(f);
    });
    file->addAction(tr("Import OpenAI explanations &folder..."), this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("A folder of L/N.jsonl files, or one holding explanations/"), QDir::homePath());
        if (!d.isEmpty()) importExplanations(d);
    });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    auto* neuronMenu = menuBar()->addMenu(tr("&Neuron"));
    neuronMenu->addAction(tr("&Explain"), this, [this] { explainCurrent(false); });
    neuronMenu->addAction(tr("Explain &again"), this, [this] { explainCurrent(true); });
    neuronMenu->addAction(tr("&Go to L/N..."), QKeySequence(Qt::CTRL | Qt::Key_G), this, [this] { m_browser->focusGoto(); });

    // The default size fits a small laptop screen too.
    const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1366, 768);
    resize(std::min(1280, avail.width() * 95 / 100), std::min(820, avail.height() * 92 / 100));
    // Layout as the person left it; this model and corpus go to the top of the recent list.
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    QStringList recentList = settings.value(QStringLiteral("recent")).toStringList();
    const QString entry = QFileInfo(m_model->directory()).absoluteFilePath() + QLatin1Char('\n') + QFileInfo(m_corpus).absoluteFilePath();
    recentList.removeAll(entry);
    recentList.prepend(entry);
    settings.setValue(QStringLiteral("recent"), recentList.mid(0, 8));
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
    applySettings(dialog.settings());
    m_settings.save();
}

void MainWindow::applySettings(const ExplorerSettings& settings) {
    const int oldK = m_settings.topK;
    m_settings = settings;
    Q_EMIT settingsChanged(m_settings);
    updateWhere();
    if (m_session) m_session->setTopK(m_settings.topK);
    if (oldK == m_settings.topK) return;
    // Other mining options: the layer is mined again and the current neuron opened on it.
    if (m_current && !m_current->target().synthetic()) {
        m_current->forgetRecord();
        m_pendingNeuron = m_current->target().neuron;
    }
    loadLayer(m_current && !m_current->target().synthetic() ? m_current->target().layer : neuronList()->layer());
}

Expected<void> MainWindow::exportPdf(const QString& path, const std::vector<int>& neurons) {
    const int layer = neuronList()->layer();
    if (!m_db || !m_session || neuronList()->rowCount() == 0) return makeError(tr("Open a neuron first."));
    auto found = m_db->findLayer({m_model->fingerprint(), m_corpusHash, layer, m_session->mineOptions(layer).key()});
    if (!found || !found->has_value()) return makeError(tr("Layer %1 is not mined yet.").arg(layer));
    std::vector<NeuronReport> reports;
    for (int n : neurons) {
        auto stored = m_db->latestExplanation(m_model->fingerprint(), m_corpusHash, layer, n);
        if (!stored) return Error{stored.error()};
        if (!stored->has_value()) continue;  // only explained neurons have a report
        NeuronReport nr;
        auto typed = loopResultOf(**stored);
        if (!typed) return Error{typed.error()};
        nr.result = std::move(*typed);
        auto record = m_db->loadNeuron((*found)->id, n);
        if (!record) return Error{record.error()};
        nr.record = std::move(*record);
        auto reviews = m_db->reviews(m_model->fingerprint(), m_corpusHash, layer, n);
        if (!reviews) return Error{reviews.error()};
        nr.decided = latestDecisions(nr.result.modes.size(), *reviews, nr.result.runId);
        auto imported = m_db->importedExplanations(m_model->fingerprint(), m_corpusHash, layer, n);
        if (!imported) return Error{imported.error()};
        nr.imported = std::move(*imported);
        reports.push_back(std::move(nr));
    }
    if (reports.empty()) return makeError(tr("None of the chosen neurons is explained yet: press Explain first."));
    // QCustomPlot draws the report's charts, and widgets live on this thread: the export runs
    // here a neuron at a time, with the progress bar and Cancel, keeping the window responsive.
    m_exportCancelled = false;
    m_progress->setVisible(true);
    m_progress->setFormat(tr("Exporting %p%"));
    auto r = writeReport(path, {QFileInfo(m_model->directory()).fileName(), QFileInfo(m_corpus).fileName(), tr("built-in")}, reports,
                         *m_table, [this](int done, int total) {
                             m_progress->setValue(100 * done / std::max(1, total));
                             QApplication::processEvents();
                             return !m_exportCancelled;
                         });
    updateJobs();
    return r;
}

void MainWindow::importExplanations(const QString& path) {
    const qint64 job = issue(m_worker, {Job::Kind::Import, {}, -1, tr("Importing")});
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job, path] { w->importExplanations(job, path); });
}

void MainWindow::exportLayer(const QList<int>& neurons, const QString& format, const QString& path, const QString& neuronpediaModel,
                             const QString& neuronpediaSource) {
    const int layer = neuronList()->layer();
    if (neuronList()->rowCount() == 0) return fail(tr("Open a layer first."));
    const qint64 job = issue(m_worker, {Job::Kind::Export, {layer, -1, {}}, -1, tr("Exporting layer %1").arg(layer)});
    QMetaObject::invokeMethod(m_worker, [=, w = m_worker] { w->exportLayer(job, layer, neurons, format, path, neuronpediaModel, neuronpediaSource); });
}

}  // namespace ns
