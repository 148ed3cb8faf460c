#pragma once

#include "activations/neuron_record.h"

#include <QAbstractListModel>
#include <QStringList>

#include <limits>
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
                WindowRole, MarkedRole, ModeRole, FalsePositiveRole, FalseNegativeRole,
                LabelLinesRole,  ///< QStringList: the row's label column (group, range, maximum, document)
                MaxRole,         ///< the window's largest activation
                DocumentRole,    ///< 0-based corpus document, -1 for text that is no corpus window
                RealPeakRole,    ///< bool: the maximum is an active token (above ActiveThresholdRole)
                ActiveThresholdRole, QuantileBinRole };
    struct Row {
        QString group;               ///< "top", "bin 2 (0.40, 0.80]", "random"
        QString rank;                ///< "top 3", "bin 2 of 5", "random 7" (the label's first line)
        QString range;               ///< a quantile bin's "(0.40, 0.80]", else empty
        int quantileBin = -1;        ///< 0-based bin of a quantile exemplar
        int64_t window = -1;
        int64_t document = -1;
        int64_t peakOffset = -1;     ///< token offset of the maximum in its document
        QString documentWords;       ///< the document's first words, when read from the corpus
        std::vector<int> ids;
        QStringList tokens;
        QList<float> activations;    ///< NaN on context read from the corpus outside the window (not measured)
        QList<float> simulated;      ///< on the activation's scale; empty when no explanation is shown
        int maxIndex = 0;            ///< index in `tokens` of the window's maximum
        float max = 0;
        QList<int> marked;           ///< positions to mark (a component's trigger and context)
        int mode = -1;               ///< the mode whose simulation is highest at the maximum
        float falsePositive = 0;     ///< largest (simulated - true) over the tokens, relative to the scale
        float falseNegative = 0;     ///< largest (true - simulated)
    };

    explicit ExemplarModel(QObject* parent = nullptr) : QAbstractListModel(parent) {}
    /// The record's exemplars; token texts from the table (always plain text). The peak is
    /// real when it exceeds the record's active threshold (agents/activity.h).
    void setRecord(const NeuronRecord& record, const TokenTable& table);
    /// `activeThreshold`: the activation a maximum must exceed to be framed (infinity: none).
    void setRows(std::vector<Row> rows, float scale, double activeThreshold = std::numeric_limits<double>::infinity());
    const Row& row(int i) const { return m_rows.at(static_cast<size_t>(i)); }
    float scale() const { return m_scale; }
    double activeThreshold() const { return m_activeThreshold; }
    /// The label column of a row, one entry per line.
    static QStringList labelLines(const Row& row);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    std::vector<Row> m_rows;
    float m_scale = 1;  ///< the activation drawn at full colour (the neuron's max)
    double m_activeThreshold = std::numeric_limits<double>::infinity();
};

}  // namespace ns
