#pragma once

#include "pages/document_page.h"

#include <QFutureWatcher>

#include <memory>
#include <vector>

class QPlainTextEdit;
class QTimer;

namespace ns {

class ExemplarModel;
class LanguageModel;
class TokenTable;

/// The Own text page: the document's neuron on any text a person types. The forward pass runs
/// off the GUI thread; an answer for older text or another neuron is dropped.
class OwnTextPage final : public DocumentPage {
    Q_OBJECT
public:
    OwnTextPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent = nullptr);
    QPlainTextEdit* editor() const { return m_text; }
    ExemplarModel* model() const { return m_rows; }
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
        QString error;
    };
    void compute();
    void show(const Answer& answer);

    std::shared_ptr<const LanguageModel> m_model;
    std::shared_ptr<const TokenTable> m_table;
    QPlainTextEdit* m_text;
    ExemplarModel* m_rows;
    QTimer* m_timer;
    QFutureWatcher<Answer> m_watcher;
    quint64 m_request = 0;
    float m_scale = 1;
};

}  // namespace ns
