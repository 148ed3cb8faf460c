#pragma once

#include "store/cache_db.h"

#include <QWidget>

#include <vector>

class QLineEdit;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace ns {

class NeuronListModel;

/// The neuron browser: the layer, "go to L/N", a filter, and the layer's neurons with their
/// statistics and the status of their explanations.
class BrowserPage final : public QWidget {
    Q_OBJECT
public:
    BrowserPage(int layers, QWidget* parent = nullptr);

    /// Lists a mined layer's neurons; the layer box follows without asking for the layer again.
    void showLayer(int layer, std::vector<NeuronSummary> neurons);
    void setExplained(const std::vector<CacheDb::ExplainedNeuron>& explained);
    /// Marks `neuron` current in the list (when the list shows its layer) without signalling.
    void select(int neuron);
    /// The neurons selected, `current` first.
    std::vector<int> selectedNeurons(int current) const;
    NeuronListModel* model() const { return m_neurons; }
    /// The neuron at the top of the list as sorted (-1: none).
    int firstListed() const;
    void focusGoto();

Q_SIGNALS:
    void layerRequested(int layer);
    void neuronRequested(int layer, int neuron);
    void problem(const QString& message);

private:
    QSpinBox* m_layerBox;
    QLineEdit* m_goto;
    QLineEdit* m_filter;
    QTableView* m_view;
    NeuronListModel* m_neurons;
    QSortFilterProxyModel* m_proxy;
};

}  // namespace ns
