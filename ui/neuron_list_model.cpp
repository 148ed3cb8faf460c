#include "neuron_list_model.h"

namespace ns {

void NeuronListModel::setLayer(int layer, std::vector<NeuronSummary> neurons) {
    beginResetModel();
    m_layer = layer;
    m_neurons = std::move(neurons);
    m_explained.clear();
    endResetModel();
}

void NeuronListModel::setExplained(int neuron, const Explained& e) {
    m_explained[neuron] = e;
    const int row = rowOf(neuron);
    if (row >= 0) Q_EMIT dataChanged(index(row, Status), index(row, Explanation));
}

int NeuronListModel::rowOf(int neuron) const {
    for (size_t i = 0; i < m_neurons.size(); ++i)
        if (m_neurons[i].neuron == neuron) return static_cast<int>(i);
    return -1;
}

int NeuronListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(m_neurons.size()); }
int NeuronListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NeuronListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const NeuronSummary& n = m_neurons[static_cast<size_t>(index.row())];
    const auto e = m_explained.find(n.neuron);
    const bool explained = e != m_explained.end();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Neuron: return QStringLiteral("%1/%2").arg(m_layer).arg(n.neuron);
        case Max: return QString::number(n.maxActivation, 'f', 2);
        case FiringRate: return QStringLiteral("%1%").arg(100.0 * n.firingRate, 0, 'f', 1);
        case Status: return explained ? e->second.status : QStringLiteral("-");
        case Score: return explained ? QString::number(e->second.score, 'f', 2) : QString();
        case Explanation: return explained ? e->second.explanation : QString();
        }
    }
    if (role == Qt::UserRole) {  // sort key
        switch (index.column()) {
        case Neuron: return n.neuron;
        case Max: return n.maxActivation;
        case FiringRate: return n.firingRate;
        case Status: return explained ? e->second.status : QString();
        case Score: return explained ? e->second.score : -2.0;
        case Explanation: return explained ? e->second.explanation : QString();
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Max && index.column() <= Score)
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    if (role == Qt::ToolTipRole && index.column() == Explanation && explained) return e->second.explanation;
    return {};
}

QVariant NeuronListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Neuron: return tr("Neuron");
    case Max: return tr("Max");
    case FiringRate: return tr("Firing");
    case Status: return tr("Status");
    case Score: return tr("Score");
    case Explanation: return tr("Explanation");
    }
    return {};
}

}  // namespace ns
