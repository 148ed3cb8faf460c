#pragma once

#include "pages/document_page.h"

#include "activations/neuron_record.h"

#include <QFutureWatcher>

#include <memory>
#include <vector>

class QAbstractItemModel;
class QCustomPlot;
class QLabel;
class QListView;
class QListWidget;
class QMouseEvent;

namespace ns {

class ExemplarFilter;
class ExemplarModel;
class LanguageModel;
class TokenTable;

/// The Histogram & outputs page: the document's activation density (share of tokens per bin,
/// log scale) with its active threshold and active share; a click on a bin lists the quantile
/// exemplars of that activation; and the tokens its output weights promote and suppress through
/// the unembedding (computed off the GUI thread), as quoted chips with their values.
class DistributionPage final : public DocumentPage {
    Q_OBJECT
public:
    DistributionPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    QListWidget* promoted() const { return m_promoted; }
    QListWidget* suppressed() const { return m_suppressed; }
    QLabel* summary() const { return m_summary; }
    QCustomPlot* histogram() const { return m_histogram; }
    /// The exemplars of the quantile bin last chosen.
    QAbstractItemModel* binExemplars() const;
    /// Shows quantile bin `bin` (0-based) below the histogram, as a click on it does.
    void chooseBin(int bin);

    /// The quantile bin whose window maxima (low, high] hold `activation`; -1 when none does.
    static int quantileBinAt(const NeuronRecord& record, double activation);
    /// "Active on 0.42% of tokens ...": the active share and what it means.
    static QString activeSummary(const NeuronRecord& record);

Q_SIGNALS:
    void outputsShown();
    /// A histogram bin was clicked: the quantile bin (0-based) whose windows hold its activation.
    void quantileBinChosen(int bin);

protected:
    void observe(NeuronDocument* document) override;

private:
    struct Outputs {
        quint64 request = 0;
        std::vector<std::pair<float, int>> promoted, suppressed;  ///< (logit, token)
    };
    void showHistogram();
    void showOutputs(const Outputs& outputs);
    void clicked(QMouseEvent* event);

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QLabel* m_summary;
    QCustomPlot* m_histogram;
    QLabel* m_binTitle;
    ExemplarModel* m_binRows;
    ExemplarFilter* m_binFilter;
    QListView* m_binView;
    QListWidget *m_promoted, *m_suppressed;
    QFutureWatcher<Outputs> m_watcher;
    quint64 m_request = 0;
};

}  // namespace ns
