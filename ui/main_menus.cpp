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

#include <QAbstractButton>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
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
#include <QTableWidget>
#include <QVBoxLayout>
#include <QHeaderView>

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
    // QKeySequence::Preferences is empty on X11 and Windows: one key everywhere.
    file->addAction(tr("&Settings..."), QKeySequence(Qt::CTRL | Qt::Key_Comma), this, &MainWindow::editSettings);
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
    neuronMenu->addAction(tr("&Explain"), QKeySequence(Qt::CTRL | Qt::Key_E), this, [this] { explainCurrent(false); });
    neuronMenu->addAction(tr("Explain &again"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), this, [this] { explainCurrent(true); });
    neuronMenu->addAction(tr("&Cancel jobs"), QKeySequence(Qt::Key_Escape), this, &MainWindow::cancelJobs);
    neuronMenu->addSeparator();
    neuronMenu->addAction(tr("&Go to L/N..."), QKeySequence(Qt::CTRL | Qt::Key_G), this, [this] { m_browser->focusGoto(); });
    neuronMenu->addAction(tr("&Filter the list..."), QKeySequence::Find, this, [this] { m_browser->focusFilter(); });
    auto* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count() && i < 9; ++i)
        view->addAction(m_tabs->tabText(i), QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)), this,
                        [this, i] { m_tabs->setCurrentIndex(i); });
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), QKeySequence::HelpContents, this, [this] {
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Keyboard shortcuts"));
        auto* layout = new QVBoxLayout(&dialog);
        const auto list = shortcuts();
        auto* table = new QTableWidget(static_cast<int>(list.size()), 2, &dialog);
        table->setHorizontalHeaderLabels({tr("Command"), tr("Shortcut")});
        table->horizontalHeaderItem(0)->setToolTip(tr("The menu and its command"));
        table->horizontalHeaderItem(1)->setToolTip(tr("The keys, as this system writes them"));
        table->verticalHeader()->setVisible(false);
        table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        for (int r = 0; r < table->rowCount(); ++r) {
            table->setItem(r, 0, new QTableWidgetItem(list[static_cast<size_t>(r)].first));
            table->setItem(r, 1, new QTableWidgetItem(list[static_cast<size_t>(r)].second));
        }
        table->resizeColumnsToContents();
        table->horizontalHeader()->setStretchLastSection(true);
        layout->addWidget(table);
        auto* close = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
        connect(close, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        layout->addWidget(close);
        dialog.resize(520, 560);
        dialog.exec();
    });

    // The default size fits a small laptop screen too.
    const QRect avail = screen() ? screen()->availableGeometry() : QRect(0, 0, 1366, 768);
    resize(std::min(1280, avail.width() * 95 / 100), std::min(820, avail.height() * 92 / 100));
    m_splitter->setSizes({width() * 2 / 5, width() * 3 / 5});
    // Layout as the person left it, kept on the screen it opens on (a window saved on a larger
    // screen would put its status bar out of sight); this model and corpus go to the top of the
    // recent list.
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    if (!isMaximized() && !isFullScreen()) setGeometry(fittedGeometry(geometry(), avail));
    QStringList recentList = settings.value(QStringLiteral("recent")).toStringList();
    const QString entry = QFileInfo(m_model->directory()).absoluteFilePath() + QLatin1Char('\n') + QFileInfo(m_corpus).absoluteFilePath();
    recentList.removeAll(entry);
    recentList.prepend(entry);
    settings.setValue(QStringLiteral("recent"), recentList.mid(0, 8));
}

std::vector<std::pair<QString, QString>> MainWindow::shortcuts() const {
    std::vector<std::pair<QString, QString>> out;
    const auto plain = [](QString t) { return t.replace(QStringLiteral("&&"), QStringLiteral("\x01")).remove(QLatin1Char('&')).replace(QLatin1Char('\x01'), QLatin1Char('&')); };
    for (QAction* top : menuBar()->actions()) {
        if (!top->menu()) continue;
        for (QAction* a : top->menu()->actions())
            if (!a->shortcut().isEmpty())
                out.push_back({plain(top->text()) + QStringLiteral(" > ") + plain(a->text()).remove(QStringLiteral("...")),
                               a->shortcut().toString(QKeySequence::NativeText)});
    }
    // Buttons on the pages (their own keys and their mnemonics), named by the page they are on.
    for (QAbstractButton* b : findChildren<QAbstractButton*>()) {
        if (b->shortcut().isEmpty() || b->text().isEmpty() || b->window() != this) continue;
        QString where = tr("Window");
        for (int i = 0; i < m_tabs->count(); ++i)
            if (m_tabs->widget(i)->isAncestorOf(b)) where = plain(m_tabs->tabText(i));
        out.push_back({where + QStringLiteral(" > ") + plain(b->text()).remove(QStringLiteral("...")), b->shortcut().toString(QKeySequence::NativeText)});
    }
    return out;
}

QRect MainWindow::fittedGeometry(const QRect& window, const QRect& available) {
    if (available.isEmpty()) return window;
    // Room for the title bar a window manager adds above the client area.
    const int titleBar = 32;
    QRect r = window;
    r.setWidth(std::min(r.width(), available.width()));
    r.setHeight(std::min(r.height(), std::max(200, available.height() - titleBar)));
    if (r.right() > available.right()) r.moveRight(available.right());
    if (r.bottom() > available.bottom()) r.moveBottom(available.bottom());
    if (r.left() < available.left()) r.moveLeft(available.left());
    if (r.top() < available.top() + titleBar) r.moveTop(available.top() + titleBar);
    return r;
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
        nr.reviews = *reviews;
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
    // The backend named is the one that wrote the runs (all of them, or a list when they differ).
    QStringList backends;
    for (const NeuronReport& nr : reports)
        if (!backends.contains(nr.result.backend)) backends << nr.result.backend;
    const auto r = writeReport(path, reportHeader(*m_model, m_corpus, m_corpusHash, backends.join(QStringLiteral(", "))), reports,
                         *m_table, [this](int done, int total) {
                             m_progress->setValue(100 * done / std::max(1, total));
                             QApplication::processEvents();
                             return !m_exportCancelled;
                         });
    updateJobs();
    if (!r && m_exportCancelled) {
        statusBar()->showMessage(tr("Cancelled: the PDF was not written"), 8000);
        return {};
    }
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
