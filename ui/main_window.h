#pragma once

#include "agents/explain_session.h"
#include "settings.h"
#include "util/expected.h"

#include <QMainWindow>
#include <QRect>
#include <QThread>

#include <map>
#include <memory>
#include <utility>
#include <vector>

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTabWidget;

namespace ns {

class BrowserPage;
class CacheDb;
class CorrelationChart;
class DistributionPage;
class DocumentSet;
class ExemplarModel;
class ExemplarsPage;
class ExplanationPanel;
class ExplainWorker;
class LanguageModel;
class ModesMapPage;
class NeuronDocument;
class NeuronListModel;
class OwnTextPage;
class TokenTable;
class TranscriptPage;
struct ImportRun;
struct LoopEvent;
struct LoopResult;
struct Review;

/// The explorer's frame: the neuron browser on the left, the current unit's pages on the
/// right (one file per page, each showing a NeuronDocument), menus and the status bar. Jobs
/// run on three workers (the loop, mining, decisions); their events
/// name their target and land on its document, so a run for another unit goes on in the
/// background while the pages show the current one.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens layer/neuron (the layer is mined first when needed).
    void showNeuron(int layer, int neuron);
    void explainCurrent(bool recompute = false);
    void explainSynthetic(const QString& specPath);
    /// Settings as the dialog would apply them (k changes the mining options: the current layer
    /// is mined again, the runs keep the splits they were scored on).
    void applySettings(const ExplorerSettings& settings);
    /// Cancel: the running jobs and those queued.
    void cancelJobs();
    /// Every menu command with a shortcut, as Help > Keyboard shortcuts lists them ("Neuron > Explain", "Ctrl+E").
    std::vector<std::pair<QString, QString>> shortcuts() const;
    /// `window` moved and shrunk to lie within `available` (a restored geometry on a smaller screen).
    static QRect fittedGeometry(const QRect& window, const QRect& available);

    // For tests and screenshots.
    CorrelationChart* chart() const { return m_chart; }
    NeuronListModel* neuronList() const;
    ExemplarModel* exemplars() const;
    QTabWidget* tabs() const { return m_tabs; }
    bool busy() const { return !m_jobs.empty(); }
    NeuronDocument* current() const { return m_current; }
    DocumentSet* documents() const { return m_documents; }
    /// The current unit's latest run, if any.
    const std::optional<LoopResult>& result() const;
    ExplanationPanel* explanations() const { return m_panel; }
    BrowserPage* browser() const { return m_browser; }
    TranscriptPage* transcript() const { return m_transcript; }
    QComboBox* exemplarFilter() const;
    QAbstractItemModel* shownExemplars() const;
    OwnTextPage* ownText() const { return m_ownText; }
    /// What the status bar says about jobs on other units ("explaining 0/7, iteration 3 of 12").
    QString backgroundJobs() const;
    /// A PDF of the chosen neurons that have explanations (File > Export PDF).
    Expected<void> exportPdf(const QString& path, const std::vector<int>& neurons);
    /// The neurons selected in the browser, the current one first.
    std::vector<int> selectedNeurons() const;
    /// File > Import explanations: reads, scores and keeps them on the worker, then lists them.
    void importExplanations(const QString& path);
    /// File > Export layer: the current layer's `neurons` (empty: all) in a format, on the worker.
    void exportLayer(const QList<int>& neurons, const QString& format, const QString& path, const QString& neuronpediaModel = {},
                     const QString& neuronpediaSource = QStringLiteral("mlp"));

Q_SIGNALS:
    /// File > Open or Recent: the application opens this model, corpus and cache in a new window.
    void openRequested(const QString& modelDir, const QString& corpusPath, const QString& dbPath);
    void settingsChanged(const ns::ExplorerSettings& settings);
    void neuronShown(int layer, int neuron);
    /// After an import: what was read and how it scored.
    void explanationsImported(const ns::ImportRun& run);
    void layerExported(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct Job {
        enum class Kind { Mine, Explain, Decide, Import, Export } kind = Kind::Explain;
        ExplainTarget target;
        int mode = -1;  ///< a decision's mode
        QString what;
    };
    void buildMenus();
    void buildPages();
    /// A worker on a thread of its own, its events connected to the frame.
    ExplainWorker* startWorker(QThread& thread);
    void editSettings();
    void updateWhere();
    void loadLayer(int layer);
    /// Reads what the cache knows of the document's unit (record, latest run, decisions, imports).
    void load(NeuronDocument* doc);
    void setCurrent(NeuronDocument* doc);
    void updateJobs();
    void refreshExplained();
    qint64 issue(ExplainWorker* worker, Job job);
    void onLoopEvent(const ExplainTarget& target, const LoopEvent& e);
    void onExplained(const ExplainTarget& target, const LoopResult& result, bool fromCache);
    void onDecided(const ExplainTarget& target, const Review& review);
    void onJobEnded(qint64 job);
    void fail(const QString& message);

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QString m_corpus, m_dbPath;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    QString m_corpusHash;
    ExplainWorker* m_worker = nullptr;          ///< the loop, import, export
    ExplainWorker* m_layerWorker = nullptr;     ///< mining layers
    ExplainWorker* m_decisionWorker = nullptr;  ///< keeping decisions, so that none waits for a run
    QThread m_threads[3];
    std::map<qint64, Job> m_jobs;
    qint64 m_progressJob = 0;
    DocumentSet* m_documents = nullptr;
    NeuronDocument* m_current = nullptr;
    int m_pendingNeuron = -1, m_pendingLayer = -1;
    std::map<int, bool> m_mining;  ///< layers being mined

    ExplorerSettings m_settings;
    QSplitter* m_splitter = nullptr;
    BrowserPage* m_browser = nullptr;
    QLabel* m_where = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_background = nullptr;
    QPushButton* m_explain = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QTabWidget* m_tabs = nullptr;
    ExemplarsPage* m_exemplars = nullptr;
    OwnTextPage* m_ownText = nullptr;
    DistributionPage* m_distribution = nullptr;
    ModesMapPage* m_modesMap = nullptr;
    CorrelationChart* m_chart = nullptr;
    ExplanationPanel* m_panel = nullptr;
    TranscriptPage* m_transcript = nullptr;
    bool m_exportCancelled = false;
};

}  // namespace ns
