#pragma once

#include "store/cache_db.h"

#include <QAbstractTableModel>

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
        QString status;       ///< "explained", "approved", ...
        double score = 0;
        QString explanation;  ///< every mode's text, for search
    };

    explicit NeuronListModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}
    void setLayer(int layer, std::vector<NeuronSummary> neurons);
    void setExplained(int neuron, const Explained& e);
    int layer() const { return m_layer; }
    int neuronAt(int row) const { return m_neurons.at(static_cast<size_t>(row)).neuron; }
    int rowOf(int neuron) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    int m_layer = 0;
    std::vector<NeuronSummary> m_neurons;
    std::map<int, Explained> m_explained;
};

}  // namespace ns
