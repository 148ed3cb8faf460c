#pragma once

#include "agents/llm/openai_client.h"

#include <QDialog>
#include <QString>

#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace ns {

/// The explorer's settings, kept with QSettings (never the API key itself: only the name of
/// the environment variable that holds it).
struct ExplorerSettings {
    QString backend = QStringLiteral("builtin");  ///< "builtin" or "openai"
    LlmEndpoint llm;
    int threads = 0;   ///< compute threads, 0 = all cores
    int topK = 40;     ///< top exemplars kept per neuron

    static ExplorerSettings load();
    void save() const;
};

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(const ExplorerSettings& settings, QWidget* parent = nullptr);
    ExplorerSettings settings() const;
    QComboBox* backend() const { return m_backend; }
    /// The fields of the LLM server (URL, model, key variable, temperature, timeout).
    std::vector<QWidget*> llmFields() const;

private:
    QComboBox* m_backend;
    QLineEdit *m_url, *m_model, *m_keyEnv;
    QDoubleSpinBox* m_temperature;
    QSpinBox *m_timeout, *m_threads, *m_topK;
};

}  // namespace ns
