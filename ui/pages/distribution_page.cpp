#include "pages/distribution_page.h"

#include "charts.h"
#include "exemplar_model.h"
#include "neuron_document.h"
#include "pages/exemplars_page.h"
#include "plot.h"
#include "token_chip_delegate.h"
#include "token_strip_delegate.h"

#include "agents/activity.h"
#include "agents/token_table.h"
#include "model/language_model.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ns {
namespace {
QListWidget* chipList(QWidget* parent) {
    auto* list = new QListWidget(parent);
    list->setItemDelegate(new TokenChipDelegate(list));
    list->setFlow(QListView::LeftToRight);
    list->setWrapping(true);
    list->setResizeMode(QListView::Adjust);
    list->setUniformItemSizes(false);
    list->setSpacing(1);
    return list;
}

QString percent(double share) {
    if (share <= 0) return QStringLiteral("0%");
    // Enough digits for a rare neuron: 0.0042% rather than 0.0%.
    const int digits = std::clamp(static_cast<int>(std::ceil(-std::log10(100 * share))) + 1, 1, 6);
    return QStringLiteral("%1%").arg(100 * share, 0, 'f', share >= 0.1 ? 1 : digits);
}
}  // namespace

DistributionPage::DistributionPage(std::shared_ptr<const LanguageModel> model, std::shared_ptr<const TokenTable> table, QWidget* parent)
    : DocumentPage(parent), m_model(std::move(model)), m_table(std::move(table)) {
    auto* layout = new QHBoxLayout(this);
    auto* left = new QVBoxLayout();
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_summary->setToolTip(tr("A token is active when its activation exceeds %1% of the largest activation in the neuron's "
                             "record: the threshold the explanation's F1 and AUPRC are scored against. The share is "
                             "read from the histogram of every mined token, exact to one bin.")
                              .arg(100 * kActiveFraction, 0, 'f', 0));
    left->addWidget(m_summary);
    auto* split = new QSplitter(Qt::Vertical, this);
    m_histogram = new QCustomPlot(split);
    m_histogram->setToolTip(tr("Click a bar to list the quantile exemplars whose window maximum lies in its range"));
    m_histogram->setMinimumHeight(160);
    auto* bin = new QWidget(split);
    auto* binLayout = new QVBoxLayout(bin);
    binLayout->setContentsMargins(0, 0, 0, 0);
    m_binTitle = new QLabel(tr("Click a bar of the histogram: the quantile exemplars of that activation are listed here."), bin);
    m_binTitle->setWordWrap(true);
    binLayout->addWidget(m_binTitle);
    m_binRows = new ExemplarModel(this);
    m_binFilter = new ExemplarFilter(this);
    m_binFilter->setSourceModel(m_binRows);
    m_binFilter->setBin(0);
    m_binView = new QListView(bin);
    m_binView->setModel(m_binFilter);
    m_binView->setItemDelegate(new TokenStripDelegate(m_binView));
    m_binView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_binView->setUniformItemSizes(false);
    m_binView->setResizeMode(QListView::Adjust);
    m_binView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_binView->setVisible(false);  // until a bin is chosen
    binLayout->addWidget(m_binView, 1);
    split->addWidget(m_histogram);
    split->addWidget(bin);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    left->addWidget(split, 1);
    layout->addLayout(left, 3);
    auto* outputs = new QVBoxLayout();
    auto* promotedLabel = new QLabel(tr("Output weights promote"), this);
    const QString unit = tr("Logit change per unit of activation: the neuron's output weights through the unembedding "
                            "(LayerNorm left out). Spaces are shown as \u00B7, so \u201C\u00B7the\u201D is \u201C the\u201D.");
    promotedLabel->setToolTip(unit);
    outputs->addWidget(promotedLabel);
    m_promoted = chipList(this);
    m_promoted->setToolTip(unit);
    outputs->addWidget(m_promoted);
    auto* suppressedLabel = new QLabel(tr("... and suppress"), this);
    suppressedLabel->setToolTip(unit);
    outputs->addWidget(suppressedLabel);
    m_suppressed = chipList(this);
    m_suppressed->setToolTip(unit);
    outputs->addWidget(m_suppressed);
    layout->addLayout(outputs, 1);
    connect(&m_watcher, &QFutureWatcher<Outputs>::finished, this, [this] { showOutputs(m_watcher.result()); });
    connect(m_histogram, &QCustomPlot::mousePress, this, &DistributionPage::clicked);
}

QAbstractItemModel* DistributionPage::binExemplars() const { return m_binFilter; }

int DistributionPage::quantileBinAt(const NeuronRecord& r, double activation) {
    for (size_t b = 0; b < r.quantiles.size(); ++b)
        if (activation > r.quantiles[b].low && activation <= r.quantiles[b].high) return static_cast<int>(b);
    return -1;
}

QString DistributionPage::activeSummary(const NeuronRecord& r) {
    const double threshold = activeThreshold(r), peak = recordPeak(r);
    const QString positive = tr("above 0 on %1").arg(percent(r.stats.firingRate));
    if (!std::isfinite(threshold)) return tr("Never active: no activation above 0 in the record; %1.").arg(positive);
    return tr("Active on %1 of %2 tokens: activation above %3, %4% of the neuron's maximum %5 (the threshold the "
              "explanation's F1 and AUPRC use). For comparison, %6.")
        .arg(percent(shareAbove(r.histogram, threshold)))
        .arg(QLocale().toString(static_cast<qlonglong>(r.stats.tokens)))
        .arg(threshold, 0, 'f', 2)
        .arg(100 * kActiveFraction, 0, 'f', 0)
        .arg(peak, 0, 'f', 2)
        .arg(positive);
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
    const NeuronRecord* r = doc && doc->record() ? &*doc->record() : nullptr;
    drawHistogram(*m_histogram, r ? r->histogram : Histogram{}, r ? activeThreshold(*r) : qQNaN());
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
    m_summary->setText(r ? activeSummary(*r) : QString());
    if (r) m_binRows->setRecord(*r, *m_table);
    else m_binRows->setRows({}, 1);
    m_binView->setVisible(false);
    m_binTitle->setText(tr("Click a bar of the histogram: the quantile exemplars of that activation are listed here."));
}

void DistributionPage::chooseBin(int bin) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->record()) return;
    const NeuronRecord& r = *doc->record();
    if (bin < 0 || bin >= static_cast<int>(r.quantiles.size())) {
        m_binTitle->setText(tr("No quantile bin holds this activation: the bins cover window maxima in (0, %1].")
                                .arg(r.quantiles.empty() ? r.stats.max : r.quantiles.back().high, 0, 'f', 2));
        return;
    }
    const QuantileBin& q = r.quantiles[static_cast<size_t>(bin)];
    m_binFilter->setBin(bin);
    m_binView->setVisible(true);
    // The bin's range on the histogram, so the list below reads as that part of it.
    drawHistogram(*m_histogram, r.histogram, activeThreshold(r));
    auto* span = new QCPItemRect(m_histogram);
    span->topLeft->setCoords(q.low, m_histogram->yAxis->range().upper);
    span->bottomRight->setCoords(q.high, m_histogram->yAxis->range().lower);
    span->setPen(QPen(QColor(40, 90, 200), 1));
    span->setBrush(QColor(40, 90, 200, 40));
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
    m_binTitle->setText(tr("Quantile bin %1 of %2: %3 sampled of the %4 windows whose maximum lies in (%5, %6]")
                            .arg(bin + 1)
                            .arg(r.quantiles.size())
                            .arg(q.exemplars.size())
                            .arg(q.population)
                            .arg(q.low, 0, 'f', 2)
                            .arg(q.high, 0, 'f', 2));
    Q_EMIT quantileBinChosen(bin);
}

void DistributionPage::clicked(QMouseEvent* event) {
    const NeuronDocument* doc = document();
    if (!doc || !doc->record() || !m_histogram->axisRect()->rect().contains(event->pos())) return;
    chooseBin(quantileBinAt(*doc->record(), m_histogram->xAxis->pixelToCoord(event->position().x())));
}

void DistributionPage::showOutputs(const Outputs& out) {
    if (out.request != m_request) return;  // another neuron is shown now
    auto add = [this](QListWidget* list, float logit, int token) {
        const QString text = m_table->text(token);
        auto* item = new QListWidgetItem(QStringLiteral("%1 %2").arg(TokenChipDelegate::chipText(text)).arg(logit, 0, 'f', 2), list);
        item->setData(TokenChipDelegate::TokenRole, text);
        item->setData(TokenChipDelegate::ValueRole, static_cast<double>(logit));
        item->setToolTip(tr("%1: %2 to its logit per unit of activation").arg(TokenChipDelegate::chipText(text)).arg(logit, 0, 'f', 3));
    };
    for (const auto& [logit, token] : out.promoted) add(m_promoted, logit, token);
    for (const auto& [logit, token] : out.suppressed) add(m_suppressed, logit, token);
    Q_EMIT outputsShown();
}

}  // namespace ns
