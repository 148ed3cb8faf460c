#pragma once

#include "activations/neuron_record.h"

#include <QAbstractListModel>
#include <QStringList>

#include <memory>
#include <vector>

namespace ns {

class TokenTable;

/// One row per exemplar of a neuron's record (top, quantile bins, random), each a token strip
/// the delegate draws. Simulated activations of a chosen explanation can be laid beside.
class ExemplarModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { TokensRole = Qt::UserRole + 1, ActivationsRole, SimulatedRole, GroupRole, MaxIndexRole, ScaleRole,
                WindowRole, MarkedRole, ModeRole, FalsePositiveRole, FalseNegativeRole };
    struct Row {
        QString group;               ///< "top", "bin 2 (0.4-0.8]", "random"
        int64_t window = -1;
        std::vector<int> ids;
        QStringList tokens;
        QList<float> activations;
        QList<float> simulated;      ///< empty when no explanation is shown
        int maxIndex = 0;
        QList<int> marked;           ///< positions to mark (a component's trigger and context)
        int mode = -1;               ///< the mode whose simulation is highest at the maximum
        float falsePositive = 0;     ///< largest (simulated - true) over the tokens, both relative
        float falseNegative = 0;     ///< largest (true - simulated)
    };

    explicit ExemplarModel(QObject* parent = nullptr) : QAbstractListModel(parent) {}
    /// The record's exemplars; token texts from the table (always plain text).
    void setRecord(const NeuronRecord& record, const TokenTable& table);
    void setRows(std::vector<Row> rows, float scale);
    const Row& row(int i) const { return m_rows.at(static_cast<size_t>(i)); }
    float scale() const { return m_scale; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    std::vector<Row> m_rows;
    float m_scale = 1;  ///< the activation drawn at full colour (the neuron's max)
};

}  // namespace ns
