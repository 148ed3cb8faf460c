#pragma once

#include "pages/document_page.h"

#include <QFutureWatcher>

#include <memory>
#include <vector>

class QCustomPlot;
class QListWidget;

namespace ns {

class LanguageModel;
class TokenTable;

/// The Histogram & outputs page: the document's activation histogram, and the tokens its
/// output weights promote and suppress through the unembedding (computed off the GUI thread).
class DistributionPage final : public DocumentPage {
    Q_OBJECT
public:
    DistributionPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    QListWidget* promoted() const { return m_promoted; }

Q_SIGNALS:
    void outputsShown();

protected:
    void observe(NeuronDocument* document) override;

private:
    struct Outputs {
        quint64 request = 0;
        std::vector<std::pair<float, int>> promoted, suppressed;  ///< (logit, token)
    };
    void showHistogram();
    void showOutputs(const Outputs& outputs);

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QCustomPlot* m_histogram;
    QListWidget *m_promoted, *m_suppressed;
    QFutureWatcher<Outputs> m_watcher;
    quint64 m_request = 0;
};

}  // namespace ns
