#pragma once

#include <QDialog>

#include "interchange/import_scoring.h"

class QComboBox;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace ns {

/// Where and how to export a layer: the format (CSV, NeuronScope JSON, OpenAI's directory
/// layout, Neuronpedia uploads), the neurons (the whole layer, the browser's selection or a
/// range), the file or folder, and Neuronpedia's ids.
class LayerExportDialog : public QDialog {
    Q_OBJECT
public:
    LayerExportDialog(int layer, int neurons, const QList<int>& selected, const QString& modelName, QWidget* parent = nullptr);
    /// "csv", "json", "openai" or "neuronpedia".
    QString format() const;
    QString path() const;
    /// The neurons chosen; empty for the whole layer.
    QList<int> neurons() const;
    QString neuronpediaModel() const;
    QString neuronpediaSource() const;

private:
    void formatChanged();
    void browse();
    int m_layer;
    QList<int> m_selected;
    QComboBox *m_format, *m_which;
    QSpinBox *m_from, *m_to;
    QLineEdit *m_path, *m_npModel, *m_npSource;
};

/// Imported explanations next to NeuronScope's own, both scored on the same test split; a
/// double-click opens the neuron.
class ImportResultsDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImportResultsDialog(const ImportRun& run, QWidget* parent = nullptr);
    QTableWidget* table() const { return m_table; }

Q_SIGNALS:
    void neuronActivated(int layer, int neuron);

private:
    QTableWidget* m_table;
};

}  // namespace ns
