#include "pages/own_text_page.h"

#include "exemplar_model.h"
#include "neuron_document.h"
#include "token_strip_delegate.h"

#include "agents/activation_source.h"
#include "agents/token_table.h"
#include "model/language_model.h"

#include <QListView>
#include <QPlainTextEdit>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace ns {

OwnTextPage::OwnTextPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent)
    : DocumentPage(parent), m_model(std::move(model)), m_table(std::move(table)) {
    auto* layout = new QVBoxLayout(this);
    m_text = new QPlainTextEdit(this);
    m_text->setPlaceholderText(tr("Type or paste text: the neuron's activation on every token appears below."));
    m_text->setMaximumHeight(120);
    m_rows = new ExemplarModel(this);
    auto* view = new QListView(this);
    view->setModel(m_rows);
    view->setItemDelegate(new TokenStripDelegate(view));
    layout->addWidget(m_text);
    layout->addWidget(view, 1);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(250);
    connect(m_text, &QPlainTextEdit::textChanged, m_timer, qOverload<>(&QTimer::start));
    connect(m_timer, &QTimer::timeout, this, &OwnTextPage::compute);
    connect(&m_watcher, &QFutureWatcher<Answer>::finished, this, [this] { show(m_watcher.result()); });
}

void OwnTextPage::observe(NeuronDocument* doc) {
    if (doc) follow(&NeuronDocument::recordChanged, [this] {
            if (document()->record()) m_scale = static_cast<float>(std::max(1e-6, document()->record()->stats.max));
        });
    if (doc && doc->record()) m_scale = static_cast<float>(std::max(1e-6, doc->record()->stats.max));
    compute();
}

void OwnTextPage::compute() {
    const NeuronDocument* doc = document();
    const std::string text = m_text->toPlainText().toStdString();
    ++m_request;
    if (text.empty() || !doc || doc->target().synthetic()) {
        m_rows->setRows({}, 1);
        return;
    }
    const int layer = doc->target().layer, neuron = doc->target().neuron;
    const quint64 request = m_request;
    auto model = m_model;
    m_watcher.setFuture(QtConcurrent::run([model, text, layer, neuron, request] {
        Answer a;
        a.request = request;
        a.ids = model->tokenizer().encode(text);
        if (static_cast<int>(a.ids.size()) > model->config().nPositions) a.ids.resize(static_cast<size_t>(model->config().nPositions));
        const ModelNeuronSource source(model, layer, neuron);
        auto acts = source.activations({a.ids});
        if (!acts) a.error = acts.error();
        else a.activations = (*acts)[0];
        return a;
    }));
}

void OwnTextPage::show(const Answer& a) {
    if (a.request != m_request) return;  // the text or the neuron changed meanwhile
    if (!a.error.isEmpty()) return Q_EMIT failed(a.error);
    ExemplarModel::Row row;
    row.group = tr("your text");
    row.ids = a.ids;
    for (int id : a.ids) row.tokens << m_table->text(id);
    row.activations = QList<float>(a.activations.begin(), a.activations.end());
    if (!row.activations.isEmpty())
        row.maxIndex = static_cast<int>(std::max_element(row.activations.begin(), row.activations.end()) - row.activations.begin());
    m_rows->setRows({row}, m_scale);
    Q_EMIT shown();
}

}  // namespace ns
