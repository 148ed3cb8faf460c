#include "settings.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>

namespace ns {

ExplorerSettings ExplorerSettings::load() {
    QSettings s;
    ExplorerSettings e;
    e.backend = s.value(QStringLiteral("backend/name"), e.backend).toString();
    e.llm.baseUrl = s.value(QStringLiteral("backend/url"), e.llm.baseUrl).toString();
    e.llm.model = s.value(QStringLiteral("backend/model"), e.llm.model).toString();
    e.llm.apiKeyEnv = s.value(QStringLiteral("backend/keyEnv"), e.llm.apiKeyEnv).toString();
    e.llm.temperature = s.value(QStringLiteral("backend/temperature"), e.llm.temperature).toDouble();
    e.llm.timeoutSeconds = s.value(QStringLiteral("backend/timeout"), e.llm.timeoutSeconds).toInt();
    e.threads = s.value(QStringLiteral("engine/threads"), e.threads).toInt();
    e.topK = s.value(QStringLiteral("engine/topK"), e.topK).toInt();
    return e;
}

void ExplorerSettings::save() const {
    QSettings s;
    s.setValue(QStringLiteral("backend/name"), backend);
    s.setValue(QStringLiteral("backend/url"), llm.baseUrl);
    s.setValue(QStringLiteral("backend/model"), llm.model);
    s.setValue(QStringLiteral("backend/keyEnv"), llm.apiKeyEnv);
    s.setValue(QStringLiteral("backend/temperature"), llm.temperature);
    s.setValue(QStringLiteral("backend/timeout"), llm.timeoutSeconds);
    s.setValue(QStringLiteral("engine/threads"), threads);
    s.setValue(QStringLiteral("engine/topK"), topK);
}

SettingsDialog::SettingsDialog(const ExplorerSettings& e, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Settings"));
    auto* form = new QFormLayout(this);
    m_backend = new QComboBox(this);
    m_backend->addItem(tr("Built-in (offline)"), QStringLiteral("builtin"));
    m_backend->addItem(tr("OpenAI-compatible server"), QStringLiteral("openai"));
    m_backend->setCurrentIndex(e.backend == QLatin1String("openai") ? 1 : 0);
    form->addRow(tr("Backend"), m_backend);
    m_url = new QLineEdit(e.llm.baseUrl, this);
    m_url->setToolTip(tr("Ollama, llama.cpp server, vLLM, LM Studio or OpenAI: the base URL before /v1"));
    form->addRow(tr("Server URL"), m_url);
    m_model = new QLineEdit(e.llm.model, this);
    form->addRow(tr("Model"), m_model);
    m_keyEnv = new QLineEdit(e.llm.apiKeyEnv, this);
    m_keyEnv->setPlaceholderText(tr("e.g. OPENAI_API_KEY (the variable's name, not the key)"));
    form->addRow(tr("API key variable"), m_keyEnv);
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setRange(0, 2);
    m_temperature->setSingleStep(0.1);
    m_temperature->setValue(e.llm.temperature);
    form->addRow(tr("Temperature"), m_temperature);
    m_timeout = new QSpinBox(this);
    m_timeout->setRange(1, 3600);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(e.llm.timeoutSeconds);
    form->addRow(tr("Timeout"), m_timeout);
    m_threads = new QSpinBox(this);
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("all cores"));
    m_threads->setValue(e.threads);
    form->addRow(tr("Threads"), m_threads);
    m_topK = new QSpinBox(this);
    m_topK->setRange(5, 500);
    m_topK->setValue(e.topK);
    m_topK->setToolTip(tr("Top exemplars kept per neuron; a new value mines the layer again"));
    form->addRow(tr("Top exemplars (k)"), m_topK);
    // The server's fields mean nothing to the built-in backend: editable only with the server chosen.
    const auto followBackend = [this] {
        const bool server = m_backend->currentData().toString() == QLatin1String("openai");
        for (QWidget* w : llmFields()) w->setEnabled(server);
    };
    connect(m_backend, &QComboBox::currentIndexChanged, this, followBackend);
    followBackend();
    auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(box, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(box);
}

std::vector<QWidget*> SettingsDialog::llmFields() const { return {m_url, m_model, m_keyEnv, m_temperature, m_timeout}; }

ExplorerSettings SettingsDialog::settings() const {
    ExplorerSettings e;
    e.backend = m_backend->currentData().toString();
    e.llm.baseUrl = m_url->text().trimmed();
    e.llm.model = m_model->text().trimmed();
    e.llm.apiKeyEnv = m_keyEnv->text().trimmed();
    e.llm.temperature = m_temperature->value();
    e.llm.timeoutSeconds = m_timeout->value();
    e.threads = m_threads->value();
    e.topK = m_topK->value();
    return e;
}

}  // namespace ns
