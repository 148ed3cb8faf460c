#pragma once

#include "pages/document_page.h"

#include <QFutureWatcher>

#include <memory>
#include <vector>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTimer;

namespace ns {

class ExemplarModel;
class LanguageModel;
class TokenTable;

/// The Own text page: the document's neuron on any text a person types and, under it, the
/// current explanation's simulation of the same text (the whole explanation or one mode) on
/// the activation's scale, so a hypothesis can be tried on one's own sentence. The forward pass
/// and the simulation run off the GUI thread; an answer for older text or another neuron is dropped.
class OwnTextPage final : public DocumentPage {
    Q_OBJECT
public:
    OwnTextPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    QPlainTextEdit* editor() const { return m_text; }
    ExemplarModel* model() const { return m_rows; }
    /// Which simulation is shown: -1 the whole explanation, else a mode (0-based).
    QComboBox* simulationChoice() const { return m_choice; }
    QLabel* note() const { return m_note; }
    /// The scale the strips are coloured by (the neuron's maximum on its exemplars).
    void setScale(float scale) { m_scale = scale; }

Q_SIGNALS:
    /// The activations on the text were computed and shown (also for tests).
    void shown();
    void failed(const QString& message);

protected:
    void observe(NeuronDocument* document) override;

private:
    struct Answer {
        quint64 request = 0;
        std::vector<int> ids;
        std::vector<float> activations;
        std::vector<std::vector<float>> modes;  ///< per mode, on the activation's scale; empty for a mode without a pattern
        std::vector<float> whole;               ///< empty when no mode has a pattern
        double factor = 0;                      ///< neuron max / the simulation's peak on the exemplars
        QString error;
    };
    void compute();
    void show(const Answer& answer);
    void showChoices();

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QPlainTextEdit* m_text;
    QComboBox* m_choice;
    QLabel* m_note;
    ExemplarModel* m_rows;
    QTimer* m_timer;
    QFutureWatcher<Answer> m_watcher;
    quint64 m_request = 0;
    float m_scale = 1;
    double m_threshold;
    Answer m_last;
};

}  // namespace ns
