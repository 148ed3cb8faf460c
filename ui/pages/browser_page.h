#pragma once

#include "store/cache_db.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QLineEdit;
class QSpinBox;
class QTableView;

namespace ns {

class NeuronListFilter;
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
    /// The neuron the pages show: the L/N box says it, and its row is current when listed.
    void showCurrent(int layer, int neuron);
    /// The L/N box ("go to").
    QLineEdit* gotoBox() const { return m_goto; }
    /// The neurons selected, `current` first.
    std::vector<int> selectedNeurons(int current) const;
    NeuronListModel* model() const { return m_neurons; }
    /// The list as shown (filtered and sorted).
    NeuronListFilter* shown() const { return m_proxy; }
    QComboBox* showFilter() const { return m_show; }
    QTableView* view() const { return m_view; }
    /// The neuron at the top of the list as sorted (-1: none).
    int firstListed() const;
    void focusGoto();
    void focusFilter();

Q_SIGNALS:
    void layerRequested(int layer);
    void neuronRequested(int layer, int neuron);
    void problem(const QString& message);

private:
    QSpinBox* m_layerBox;
    QLineEdit* m_goto;
    QLineEdit* m_filter;
    QComboBox* m_show;
    QTableView* m_view;
    NeuronListModel* m_neurons;
    NeuronListFilter* m_proxy;
};

}  // namespace ns
