#pragma once

#include "pages/document_page.h"

#include "corpus_context.h"

#include <QSortFilterProxyModel>

#include <memory>

class QComboBox;
class QLabel;
class QListView;

namespace ns {

class ExemplarModel;
class LanguageModel;
class TokenTable;

/// The exemplars of one mode (choice >= 0), all (-1), or all ordered by the explanation's worst
/// false positives (-2) or false negatives (-3); independently, only those of one quantile bin.
class ExemplarFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setChoice(int choice);
    /// Only the exemplars of quantile bin `bin` (0-based); -1: every group.
    void setBin(int bin);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;
    bool lessThan(const QModelIndex& a, const QModelIndex& b) const override;

private:
    int m_choice = -1;
    int m_bin = -1;
};

/// The Exemplars page: the document's exemplars as token strips, with the explanation's
/// simulation on its own line under the true activations, the components marked, filtered by
/// mode or quantile bin, or ordered by miss. With a corpus (setCorpus) each row is centred on
/// its peak, the text outside the window read from the corpus on a pool thread.
class ExemplarsPage final : public DocumentPage {
    Q_OBJECT
public:
    ExemplarsPage(std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    /// The corpus the record was mined from, to centre rows and name documents.
    void setCorpus(std::shared_ptr<const LanguageModel> model, const QString& corpusPath);
    void showMode(int mode);
    /// Only the exemplars of quantile bin `bin` (0-based), e.g. from a click on the histogram.
    void showQuantileBin(int bin);

    ExemplarModel* model() const { return m_model; }
    QComboBox* filter() const { return m_filter; }
    QComboBox* binFilter() const { return m_bins; }
    QAbstractItemModel* shown() const { return m_proxy; }

Q_SIGNALS:
    /// The corpus context of the record shown arrived and the rows were centred (also for tests).
    void contextShown();

protected:
    void observe(NeuronDocument* document) override;

private:
    void showRecord();
    void showSimulation();
    void requestContext();

    std::shared_ptr<const TokenTable> m_table;
    ExemplarModel* m_model;
    ExemplarFilter* m_proxy;
    QComboBox* m_filter;
    QComboBox* m_bins;
    QListView* m_view;
    CorpusContextLoader* m_loader = nullptr;
    quint64 m_generation = 0;
    CorpusContext m_context;  ///< of the record shown (generation m_generation)
};

}  // namespace ns
