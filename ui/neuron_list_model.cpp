#include "neuron_list_model.h"

#include <optional>

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

const NeuronListModel::Explained* NeuronListModel::explainedAt(int row) const {
    if (row < 0 || row >= rowCount()) return nullptr;
    const auto e = m_explained.find(m_neurons[static_cast<size_t>(row)].neuron);
    return e == m_explained.end() ? nullptr : &e->second;
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
        case Status: return explained ? e->second.decisions.text() : QStringLiteral("-");
        case Score: return explained ? QString::number(e->second.score, 'f', 2) : QString();
        case Explanation: return explained ? e->second.explanation : QString();
        }
    }
    if (role == Qt::UserRole) {  // sort key
        switch (index.column()) {
        case Neuron: return n.neuron;
        case Max: return n.maxActivation;
        case FiringRate: return n.firingRate;
        case Status: return explained ? e->second.decisions.sortKey() : -1.0;
        case Score: return explained ? e->second.score : -2.0;
        case Explanation: return explained ? e->second.explanation : QString();
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Max || index.column() == FiringRate || index.column() == Score))
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    if (role == Qt::ToolTipRole && index.column() == Explanation && explained) return e->second.explanation;
    if (role == Qt::ToolTipRole && index.column() == Status && explained) {
        const DecisionSummary& d = e->second.decisions;
        return tr("Latest run: %1 modes; %2 approved, %3 edited, %4 rejected, %5 undecided")
            .arg(d.modes).arg(d.approved).arg(d.edited).arg(d.rejected).arg(d.undecided());
    }
    return {};
}

QVariant NeuronListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Neuron: return tr("Layer/neuron");
        case Max: return tr("The largest activation seen on the corpus");
        case FiringRate: return tr("The share of the corpus's tokens on which the neuron is above 0 (on a GELU neuron often "
                                   "nearly all; the active share, above 25% of the maximum, is in the title and on Histogram)");
        case Status: return tr("What people decided about the modes of the latest run; sorts by the share decided");
        case Score: return tr("Test correlation of the latest run's explanation with the neuron (Pearson r)");
        case Explanation: return tr("Every mode's text, edits included; hover a cell for all of it");
        }
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case Neuron: return tr("Neuron");
    case Max: return tr("Max");
    case FiringRate: return tr("> 0");
    case Status: return tr("Status");
    case Score: return tr("Score");
    case Explanation: return tr("Explanation");
    }
    return {};
}

NeuronListFilter::NeuronListFilter(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(Qt::UserRole);
    setFilterKeyColumn(-1);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
}

QStringList NeuronListFilter::showNames() {
    return {tr("All neurons"), tr("Explained"), tr("Not explained"), tr("With undecided modes"), tr("With rejected modes"),
            tr("With edited modes"), tr("Every mode approved"), tr("Every mode decided")};
}

void NeuronListFilter::setShow(Show show) {
    if (show == m_show) return;
    m_show = show;
    invalidateFilter();
}

bool NeuronListFilter::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const auto* list = qobject_cast<const NeuronListModel*>(sourceModel());
    if (list && m_show != Show::All) {
        const NeuronListModel::Explained* e = list->explainedAt(sourceRow);
        if ((m_show == Show::NotExplained) != !e) return false;
        const auto byDecision = [&]() -> std::optional<DecisionFilter> {
            switch (m_show) {
            case Show::Undecided: return DecisionFilter::Undecided;
            case Show::Rejected: return DecisionFilter::Rejected;
            case Show::Edited: return DecisionFilter::Edited;
            case Show::FullyApproved: return DecisionFilter::FullyApproved;
            case Show::FullyDecided: return DecisionFilter::FullyDecided;
            default: return std::nullopt;
            }
        }();
        if (e && byDecision && !matchesDecisionFilter(e->decisions, *byDecision)) return false;
    }
    return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
}

}  // namespace ns
