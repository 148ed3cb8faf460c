#include "exemplar_model.h"

#include "agents/token_table.h"

#include <algorithm>

namespace ns {

void ExemplarModel::setRecord(const NeuronRecord& r, const TokenTable& table) {
    std::vector<Row> rows;
    auto add = [&](const Exemplar& e, const QString& group) {
        Row row;
        row.group = group;
        row.window = e.window ? e.window->id : -1;
        if (e.window) row.ids = e.window->tokens;
        if (e.window)
            for (int id : e.window->tokens) row.tokens << (id >= 0 && id < table.vocabSize() ? table.text(id) : QString());
        row.activations = QList<float>(e.activations.begin(), e.activations.end());
        row.maxIndex = e.maxIndex;
        rows.push_back(std::move(row));
    };
    for (const Exemplar& e : r.top) add(e, tr("top"));
    for (size_t b = 0; b < r.quantiles.size(); ++b)
        for (const Exemplar& e : r.quantiles[b].exemplars)
            add(e, tr("bin %1 (%2, %3]").arg(b + 1).arg(r.quantiles[b].low, 0, 'f', 2).arg(r.quantiles[b].high, 0, 'f', 2));
    for (const Exemplar& e : r.random) add(e, tr("random"));
    setRows(std::move(rows), static_cast<float>(std::max(1e-6, r.stats.max)));
}

void ExemplarModel::setRows(std::vector<Row> rows, float scale) {
    beginResetModel();
    m_rows = std::move(rows);
    m_scale = scale;
    endResetModel();
}

int ExemplarModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(m_rows.size()); }

QVariant ExemplarModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: return r.tokens.join(QString());
    case TokensRole: return r.tokens;
    case ActivationsRole: return QVariant::fromValue(r.activations);
    case SimulatedRole: return QVariant::fromValue(r.simulated);
    case GroupRole: return r.group;
    case MaxIndexRole: return r.maxIndex;
    case ScaleRole: return m_scale;
    case WindowRole: return static_cast<qlonglong>(r.window);
    case MarkedRole: return QVariant::fromValue(r.marked);
    case ModeRole: return r.mode;
    case FalsePositiveRole: return r.falsePositive;
    case FalseNegativeRole: return r.falseNegative;
    }
    return {};
}

}  // namespace ns
