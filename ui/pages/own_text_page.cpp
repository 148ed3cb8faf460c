#include "pages/own_text_page.h"

#include "exemplar_model.h"
#include "neuron_document.h"
#include "token_strip_delegate.h"

#include "agents/activation_source.h"
#include "agents/activity.h"
#include "agents/pattern_simulator.h"
#include "agents/token_table.h"
#include "model/language_model.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPlainTextEdit>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <limits>

namespace ns {

OwnTextPage::OwnTextPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent)
    : DocumentPage(parent), m_model(std::move(model)), m_table(std::move(table)), m_threshold(std::numeric_limits<double>::infinity()) {
    auto* layout = new QVBoxLayout(this);
    m_text = new QPlainTextEdit(this);
    m_text->setPlaceholderText(tr("Type or paste text: the neuron's activation on every token appears below, and under it "
                                  "what the current explanation predicts."));
    m_text->setMaximumHeight(120);
    auto* choiceRow = new QHBoxLayout();
    choiceRow->addWidget(new QLabel(tr("Simulation of"), this));
    m_choice = new QComboBox(this);
    m_choice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_choice->setToolTip(tr("The explanation whose prediction is drawn under the true activations: all its modes "
                            "together (the maximum over modes, as the loop scores it) or one mode"));
    choiceRow->addWidget(m_choice);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    choiceRow->addWidget(m_note, 1);
    m_rows = new ExemplarModel(this);
    auto* view = new QListView(this);
    view->setModel(m_rows);
    view->setItemDelegate(new TokenStripDelegate(view));
    view->setUniformItemSizes(false);
    view->setResizeMode(QListView::Adjust);
    layout->addWidget(m_text);
    layout->addLayout(choiceRow);
    layout->addWidget(view, 1);
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    m_timer->setInterval(250);
    connect(m_text, &QPlainTextEdit::textChanged, m_timer, qOverload<>(&QTimer::start));
    connect(m_timer, &QTimer::timeout, this, &OwnTextPage::compute);
    connect(&m_watcher, &QFutureWatcher<Answer>::finished, this, [this] { show(m_watcher.result()); });
    connect(m_choice, &QComboBox::activated, this, [this] { show(m_last); });
}

void OwnTextPage::observe(NeuronDocument* doc) {
    auto takeRecord = [this] {
        const NeuronDocument* d = document();
        if (!d || !d->record()) return;
        m_scale = static_cast<float>(std::max(1e-6, recordPeak(*d->record())));
        m_threshold = activeThreshold(*d->record());
    };
    if (doc) {
        follow(&NeuronDocument::recordChanged, [this, takeRecord] { takeRecord(), compute(); });
        follow(&NeuronDocument::resultChanged, [this] { showChoices(), compute(); });
    }
    takeRecord();
    showChoices();
    compute();
}

void OwnTextPage::showChoices() {
    const int before = m_choice->currentData().isValid() ? m_choice->currentData().toInt() : -1;
    m_choice->clear();
    const NeuronDocument* doc = document();
    if (!doc || !doc->result()) {
        m_choice->addItem(tr("no explanation yet"), -2);
        m_choice->setEnabled(false);
        return;
    }
    m_choice->setEnabled(true);
    m_choice->addItem(tr("the whole explanation"), -1);
    const auto& modes = doc->result()->modes;
    for (size_t m = 0; m < modes.size(); ++m)
        m_choice->addItem(tr("mode %1: %2").arg(m + 1).arg(displayLabel(modes[m].explanation)), static_cast<int>(m));
    const int again = m_choice->findData(before);
    m_choice->setCurrentIndex(again >= 0 ? again : 0);
}

void OwnTextPage::compute() {
    const NeuronDocument* doc = document();
    const std::string text = m_text->toPlainText().toStdString();
    ++m_request;
    if (text.empty() || !doc || doc->target().synthetic()) {
        m_last = {};
        m_rows->setRows({}, 1);
        return;
    }
    const int layer = doc->target().layer, neuron = doc->target().neuron;
    const quint64 request = m_request;
    auto model = m_model;
    auto table = m_table;
    std::vector<ModeExplanation> modes;
    if (doc->result())
        for (const ModeResult& m : doc->result()->modes) modes.push_back(m.explanation);
    // The simulation's scale is set by the record's exemplars, so it is built on the pool too.
    auto record = doc->record() && !modes.empty() ? std::make_shared<const NeuronRecord>(*doc->record()) : nullptr;
    m_watcher.setFuture(QtConcurrent::run([model, table, record, modes, text, layer, neuron, request] {
        Answer a;
        a.request = request;
        a.ids = model->tokenizer().encode(text);
        if (static_cast<int>(a.ids.size()) > model->config().nPositions) a.ids.resize(static_cast<size_t>(model->config().nPositions));
        const ModelNeuronSource source(model, layer, neuron);
        auto acts = source.activations({a.ids});
        if (!acts) a.error = acts.error();
        else a.activations = (*acts)[0];
        if (record) {
            const PatternSimulator simulator(modes, *table, *record);
            a.factor = simulator.factor();
            a.whole = simulator.whole(a.ids);
            for (int m = 0; m < simulator.modeCount(); ++m) a.modes.push_back(simulator.mode(m, a.ids));
        }
        return a;
    }));
}

void OwnTextPage::show(const Answer& a) {
    if (a.request != m_request) return;  // the text or the neuron changed meanwhile
    if (!a.error.isEmpty()) return Q_EMIT failed(a.error);
    m_last = a;
    ExemplarModel::Row row;
    row.group = tr("your text");
    row.rank = row.group;
    row.ids = a.ids;
    for (int id : a.ids) row.tokens << m_table->text(id);
    row.activations = QList<float>(a.activations.begin(), a.activations.end());
    if (!row.activations.isEmpty()) {
        row.maxIndex = static_cast<int>(std::max_element(row.activations.begin(), row.activations.end()) - row.activations.begin());
        row.max = row.activations[row.maxIndex];
    }
    const int choice = m_choice->currentData().toInt();
    const std::vector<float>* sim = choice == -1 ? &a.whole
                                  : choice >= 0 && choice < static_cast<int>(a.modes.size()) ? &a.modes[static_cast<size_t>(choice)]
                                                                                              : nullptr;
    if (sim) row.simulated = QList<float>(sim->begin(), sim->end());
    if (choice == -2) m_note->setText(tr("Explain the neuron to see its explanation's prediction here."));
    else if (!sim || sim->empty())
        m_note->setText(tr("This explanation is free text without a pattern: it cannot be simulated offline."));
    else if (a.factor <= 0)
        m_note->setText(tr("The explanation predicts nothing on the neuron's exemplars, so its simulation has no scale."));
    else {
        const float peak = sim->empty() ? 0.f : *std::max_element(sim->begin(), sim->end());
        m_note->setText(tr("Second line: the predicted activation (peak %1 here, true peak %2), scaled so that its "
                           "largest value on the neuron's exemplars is the neuron's maximum %3.")
                            .arg(peak, 0, 'f', 2)
                            .arg(row.max, 0, 'f', 2)
                            .arg(m_scale, 0, 'f', 2));
    }
    m_rows->setRows({row}, m_scale, m_threshold);
    Q_EMIT shown();
}

}  // namespace ns
