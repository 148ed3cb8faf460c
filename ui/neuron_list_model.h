#pragma once

#include "store/cache_db.h"
#include "store/decisions.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <map>
#include <vector>

namespace ns {

/// The neurons of one mined layer: statistics from the cache, and the explanation status and
/// score where the neuron has been explained. Sort by Qt::UserRole (numbers sort as numbers).
class NeuronListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Neuron, Max, FiringRate, Status, Score, Explanation, ColumnCount };
    struct Explained {
        DecisionSummary decisions;  ///< about the latest run
        double score = 0;
        QString explanation;  ///< every mode's text, for search
    };

    explicit NeuronListModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}
    void setLayer(int layer, std::vector<NeuronSummary> neurons);
    void setExplained(int neuron, const Explained& e);
    int layer() const { return m_layer; }
    int neuronAt(int row) const { return m_neurons.at(static_cast<size_t>(row)).neuron; }
    int rowOf(int neuron) const;
    /// The explanation of the neuron at `row`, nullptr when it has none.
    const Explained* explainedAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    int m_layer = 0;
    std::vector<NeuronSummary> m_neurons;
    std::map<int, Explained> m_explained;
};

/// The browser's list as shown: the text filter (neuron id or explanation text, any column)
/// and which neurons by what people decided about their latest run.
class NeuronListFilter final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Show { All, Explained, NotExplained, Undecided, Rejected, Edited, FullyApproved, FullyDecided };
    explicit NeuronListFilter(QObject* parent = nullptr);
    void setShow(Show show);
    Show show() const { return m_show; }
    /// The choices in the order of Show, for a combo box.
    static QStringList showNames();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    Show m_show = Show::All;
};

}  // namespace ns
