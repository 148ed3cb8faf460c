#include "model_summary_window.h"

#include "model/language_model.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>

namespace ns {

ModelSummaryWindow::ModelSummaryWindow(std::shared_ptr<LanguageModel> model, const QString& corpusPath, QWidget* parent)
    : QMainWindow(parent), m_model(std::move(model)) {
    setWindowTitle(QStringLiteral("NeuronScope — %1").arg(QFileInfo(m_model->directory()).fileName()));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    auto* title = new QLabel(tr("<h2>Model loaded</h2>"), central);
    layout->addWidget(title);

    const ModelConfig& c = m_model->config();
    auto* form = new QFormLayout();
    auto add = [&](const QString& label, const QString& value) {
        auto* v = new QLabel(value, central);
        v->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(label, v);
    };
    add(tr("Directory"), m_model->directory());
    add(tr("Architecture"), tr("GPT-2: %1 layers, d_model %2, %3 heads, context %4").arg(c.nLayer).arg(c.nEmbd).arg(c.nHead).arg(c.nPositions));
    add(tr("Neurons"), tr("%1 per layer (blocks.L.mlp.hook_post), %2 in all").arg(c.nInner).arg(c.nInner * c.nLayer));
    add(tr("Vocabulary"), tr("%1 byte-level BPE tokens").arg(c.vocabSize));
    add(tr("Fingerprint"), m_model->fingerprint().left(16));
    add(tr("Corpus"), QStringLiteral("%1 (%2 kB)").arg(corpusPath).arg(QFileInfo(corpusPath).size() / 1024));
    layout->addLayout(form);
    layout->addStretch();
    setCentralWidget(central);
    statusBar()->showMessage(tr("Model: %1 · Corpus: %2").arg(QFileInfo(m_model->directory()).fileName(), QFileInfo(corpusPath).fileName()));
    resize(720, 360);
}

}  // namespace ns
