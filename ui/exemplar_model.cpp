#include "exemplar_model.h"

#include "agents/activity.h"
#include "agents/token_table.h"

#include <algorithm>
#include <cmath>

namespace ns {

void ExemplarModel::setRecord(const NeuronRecord& r, const TokenTable& table) {
    std::vector<Row> rows;
    auto add = [&](const Exemplar& e, const QString& group, const QString& rank) {
        Row row;
        row.group = group;
        row.rank = rank;
        row.window = e.window ? e.window->id : -1;
        if (e.window) {
            row.ids = e.window->tokens;
            row.document = e.window->document;
            row.peakOffset = e.window->offset + e.maxIndex;
            for (int id : e.window->tokens) row.tokens << (id >= 0 && id < table.vocabSize() ? table.text(id) : QString());
        }
        row.activations = QList<float>(e.activations.begin(), e.activations.end());
        row.maxIndex = e.maxIndex;
        row.max = e.max;
        rows.push_back(std::move(row));
    };
    for (size_t i = 0; i < r.top.size(); ++i) add(r.top[i], tr("top"), tr("top %1").arg(i + 1));
    const int bins = static_cast<int>(r.quantiles.size());
    for (int b = 0; b < bins; ++b) {
        const QuantileBin& bin = r.quantiles[static_cast<size_t>(b)];
        const QString range = QStringLiteral("(%1, %2]").arg(bin.low, 0, 'f', 2).arg(bin.high, 0, 'f', 2);
        for (const Exemplar& e : bin.exemplars) {
            add(e, tr("bin %1 %2").arg(b + 1).arg(range), tr("bin %1 of %2").arg(b + 1).arg(bins));
            rows.back().range = range;
            rows.back().quantileBin = b;
        }
    }
    for (size_t i = 0; i < r.random.size(); ++i) add(r.random[i], tr("random"), tr("random %1").arg(i + 1));
    setRows(std::move(rows), static_cast<float>(std::max(1e-6, recordPeak(r))), ns::activeThreshold(r));
}

void ExemplarModel::setRows(std::vector<Row> rows, float scale, double activeThreshold) {
    beginResetModel();
    m_rows = std::move(rows);
    m_scale = scale;
    m_activeThreshold = activeThreshold;
    endResetModel();
}

QStringList ExemplarModel::labelLines(const Row& r) {
    QStringList lines{r.rank.isEmpty() ? r.group : r.rank};
    if (!r.range.isEmpty()) lines << r.range;
    lines << tr("max %1").arg(r.max, 0, 'f', 2);
    if (r.document >= 0) {
        lines << tr("doc %1, token %2").arg(r.document).arg(r.peakOffset);
        if (!r.documentWords.isEmpty()) lines << QStringLiteral("\u201C%1\u201D").arg(r.documentWords);
    }
    return lines;
}

int ExemplarModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(m_rows.size()); }

QVariant ExemplarModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const Row& r = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole: return r.tokens.join(QString());
    case Qt::ToolTipRole: return labelLines(r).join(QLatin1Char('\n'));
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
    case LabelLinesRole: return labelLines(r);
    case MaxRole: return r.max;
    case DocumentRole: return static_cast<qlonglong>(r.document);
    case RealPeakRole: return std::isfinite(m_activeThreshold) && r.max > m_activeThreshold;
    case ActiveThresholdRole: return m_activeThreshold;
    case QuantileBinRole: return r.quantileBin;
    }
    return {};
}

}  // namespace ns
