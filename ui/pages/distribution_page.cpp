#include "pages/distribution_page.h"

#include "charts.h"
#include "neuron_document.h"
#include "plot.h"
#include "token_strip_delegate.h"

#include "agents/token_table.h"
#include "model/language_model.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <numeric>

namespace ns {

DistributionPage::DistributionPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent)
    : DocumentPage(parent), m_model(std::move(model)), m_table(std::move(table)) {
    auto* layout = new QHBoxLayout(this);
    m_histogram = new QCustomPlot(this);
    layout->addWidget(m_histogram, 3);
    auto* outputs = new QVBoxLayout();
    outputs->addWidget(new QLabel(tr("Output weights promote"), this));
    m_promoted = new QListWidget(this);
    outputs->addWidget(m_promoted);
    outputs->addWidget(new QLabel(tr("... and suppress"), this));
    m_suppressed = new QListWidget(this);
    outputs->addWidget(m_suppressed);
    layout->addLayout(outputs, 1);
    connect(&m_watcher, &QFutureWatcher<Outputs>::finished, this, [this] { showOutputs(m_watcher.result()); });
}

void DistributionPage::observe(NeuronDocument* doc) {
    if (doc) follow(&NeuronDocument::recordChanged, [this] { showHistogram(); });
    showHistogram();
    m_promoted->clear();
    m_suppressed->clear();
    const quint64 request = ++m_request;
    if (!doc || doc->target().synthetic()) return;
    auto model = m_model;
    const int layer = doc->target().layer, neuron = doc->target().neuron;
    m_watcher.setFuture(QtConcurrent::run([model, layer, neuron, request] {
        Outputs out;
        out.request = request;
        auto logits = model->outputLogits(layer, neuron);
        if (!logits) return out;
        std::vector<int> order(logits->size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return (*logits)[a] > (*logits)[b]; });
        for (size_t i = 0; i < 12 && i < order.size(); ++i) {
            const int top = order[i], bottom = order[order.size() - 1 - i];
            out.promoted.emplace_back((*logits)[top], top);
            out.suppressed.emplace_back((*logits)[bottom], bottom);
        }
        return out;
    }));
}

void DistributionPage::showHistogram() {
    const NeuronDocument* doc = document();
    drawHistogram(*m_histogram, doc && doc->record() ? doc->record()->histogram : Histogram{});
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
}

void DistributionPage::showOutputs(const Outputs& out) {
    if (out.request != m_request) return;  // another neuron is shown now
    for (const auto& [logit, token] : out.promoted)
        m_promoted->addItem(QStringLiteral("%1   %2").arg(logit, 6, 'f', 2).arg(TokenStripDelegate::shown(m_table->text(token))));
    for (const auto& [logit, token] : out.suppressed)
        m_suppressed->addItem(QStringLiteral("%1   %2").arg(logit, 6, 'f', 2).arg(TokenStripDelegate::shown(m_table->text(token))));
    Q_EMIT outputsShown();
}

}  // namespace ns
