#pragma once

#include <QMainWindow>
#include <QSortFilterProxyModel>
#include <QThread>

#include "settings.h"
#include "util/expected.h"

#include <nlohmann/json.hpp>

#include <memory>

class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QSplitter;
class QTabWidget;
class QTableView;
class QTableWidget;
class QTimer;
class QTreeWidget;

namespace ns {

class CacheDb;
class CorrelationChart;
class ExemplarModel;
class ExplainSession;
class ExplanationPanel;
class ExplainWorker;
class LanguageModel;
class NeuronListModel;
class TokenTable;
struct LoopEvent;
struct NeuronRecord;

/// The exemplars of one mode (choice >= 0), all (-1), or all ordered by the explanation's
/// worst false positives (-2) or false negatives (-3).
class ExemplarFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setChoice(int choice);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;
    bool lessThan(const QModelIndex& a, const QModelIndex& b) const override;

private:
    int m_choice = -1;
};

/// The explorer: a neuron browser on the left; on the right the chosen neuron's exemplars,
/// own-text activations, histogram and output tokens, cluster map of its modes, the live
/// refinement chart, the explanations and the loop's transcript. Long jobs run on the worker
/// thread with progress and Cancel.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(std::shared_ptr<const LanguageModel> model, QString corpusPath, QString dbPath, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens layer/neuron (mines the layer first when needed).
    void showNeuron(int layer, int neuron);
    void explainCurrent(bool recompute = false);
    void explainSynthetic(const QString& specPath);

    // For tests and screenshots.
    CorrelationChart* chart() const { return m_chart; }
    NeuronListModel* neuronList() const { return m_neurons; }
    ExemplarModel* exemplars() const { return m_exemplars; }
    QTabWidget* tabs() const { return m_tabs; }
    bool busy() const { return m_busy; }
    const nlohmann::json& result() const { return m_result; }
    ExplanationPanel* explanations() const { return m_panel; }
    QComboBox* exemplarFilter() const { return m_exemplarFilter; }
    QAbstractItemModel* shownExemplars() const { return m_exemplarProxy; }
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
    void startMining(int layer);
    void startExplain(int layer, int neuron, const QString& specPath, bool recompute);
    void neuronShown(int layer, int neuron);
    void explanationShown();
    void startImport(const QString& path);
    void startExport(int layer, const QList<int>& neurons, const QString& format, const QString& path,
                     const QString& neuronpediaModel, const QString& neuronpediaSource);
    /// After an import: its rows (importScoreToJson) as JSON.
    void explanationsImported(const QByteArray& rows);
    void layerExported(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void editSettings();
    /// The component drawn nearest to a point of the cluster map (within a few pixels), or -1.
    int componentAt(const QPoint& pos) const;
    void updateWhere();
    QWidget* buildBrowser();
    void buildTabs();
    void loadLayer(int layer);
    void showRecord(const NeuronRecord& record);
    void showOwnText();
    void showResult(const nlohmann::json& result, const nlohmann::json& transcript);
    void onLoopEvent(const LoopEvent& e);
    void setBusy(bool busy, const QString& what = {});
    void fail(const QString& message);
    void refreshExplained();

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QString m_corpus, m_dbPath;
    std::unique_ptr<CacheDb> m_db;
    std::unique_ptr<ExplainSession> m_session;
    QString m_corpusHash;
    QThread m_thread;
    ExplainWorker* m_worker = nullptr;
    int m_layer = -1, m_neuron = -1, m_pendingNeuron = -1;
    bool m_busy = false;
    bool m_exportCancelled = false;
    nlohmann::json m_result;

    ExplorerSettings m_settings;
    QSplitter* m_splitter = nullptr;
    QLabel* m_where = nullptr;
    QSpinBox* m_layerBox = nullptr;
    QLineEdit* m_goto = nullptr;
    QLineEdit* m_filter = nullptr;
    QTableView* m_table_view = nullptr;
    NeuronListModel* m_neurons = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QLabel* m_title = nullptr;
    QPushButton* m_explain = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    QTabWidget* m_tabs = nullptr;
    ExemplarModel* m_exemplars = nullptr;
    QListView* m_exemplarView = nullptr;
    ExemplarFilter* m_exemplarProxy = nullptr;
    QComboBox* m_exemplarFilter = nullptr;
    QPlainTextEdit* m_ownText = nullptr;
    ExemplarModel* m_ownModel = nullptr;
    QTimer* m_ownTimer = nullptr;
    QCustomPlot* m_histogram = nullptr;
    QListWidget* m_promoted = nullptr;
    QListWidget* m_suppressed = nullptr;
    QCustomPlot* m_clusterMap = nullptr;
    CorrelationChart* m_chart = nullptr;
    ExplanationPanel* m_panel = nullptr;
    QTreeWidget* m_transcript = nullptr;
};

}  // namespace ns
