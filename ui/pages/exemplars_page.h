#pragma once

#include "pages/document_page.h"

#include <QSortFilterProxyModel>

#include <memory>

class QComboBox;
class QListView;

namespace ns {

class ExemplarModel;
class TokenTable;

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

/// The Exemplars page: the document's exemplars as token strips, with the explanation's
/// simulation under each token, the components marked, filtered by mode or ordered by miss.
class ExemplarsPage final : public DocumentPage {
    Q_OBJECT
public:
    ExemplarsPage(std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    void showMode(int mode);

    ExemplarModel* model() const { return m_model; }
    QComboBox* filter() const { return m_filter; }
    QAbstractItemModel* shown() const { return m_proxy; }

protected:
    void observe(NeuronDocument* document) override;

private:
    void showRecord();
    void showSimulation();

    std::shared_ptr<const TokenTable> m_table;
    ExemplarModel* m_model;
    ExemplarFilter* m_proxy;
    QComboBox* m_filter;
    QListView* m_view;
};

}  // namespace ns
