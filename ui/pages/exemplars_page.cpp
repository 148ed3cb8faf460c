#include "pages/exemplars_page.h"

#include "exemplar_model.h"
#include "neuron_document.h"
#include "token_strip_delegate.h"

#include "agents/activity.h"
#include "agents/pattern_simulator.h"
#include "agents/token_table.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QVBoxLayout>

#include <map>

namespace ns {

void ExemplarFilter::setChoice(int choice) {
    m_choice = choice;
    invalidate();
    if (choice == -2 || choice == -3) sort(0, Qt::DescendingOrder);
    else sort(-1);
}

void ExemplarFilter::setBin(int bin) {
    m_bin = bin;
    invalidateFilter();
}

bool ExemplarFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    const QModelIndex i = sourceModel()->index(row, 0, parent);
    if (m_bin >= 0 && i.data(ExemplarModel::QuantileBinRole).toInt() != m_bin) return false;
    if (m_choice < 0) return true;
    return i.data(ExemplarModel::ModeRole).toInt() == m_choice;
}

bool ExemplarFilter::lessThan(const QModelIndex& a, const QModelIndex& b) const {
    const int role = m_choice == -2 ? ExemplarModel::FalsePositiveRole : ExemplarModel::FalseNegativeRole;
    return a.data(role).toFloat() < b.data(role).toFloat();
}

ExemplarsPage::ExemplarsPage(std::shared_ptr<const TokenTable> table, QWidget* parent)
    : DocumentPage(parent), m_table(std::move(table)), m_model(new ExemplarModel(this)), m_proxy(new ExemplarFilter(this)) {
    m_proxy->setSourceModel(m_model);
    auto* layout = new QVBoxLayout(this);
    m_filter = new QComboBox(this);
    m_filter->setToolTip(tr("Show the exemplars of one mode, or those the explanation gets most wrong"));
    m_filter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_filter->addItem(tr("All exemplars"), -1);
    auto* legend = new QLabel(tr("Background: true activation (orange up to the neuron's maximum, blue below zero; grey "
                                 "text: context outside the window the model read). Second line, grey italics: the "
                                 "explanation's simulation on the same scale. Frame: the maximum, when it is active "
                                 "(above %1 of the neuron's maximum). Underline: a component's trigger and the context "
                                 "tokens that mattered.")
                                  .arg(QStringLiteral("%1%").arg(100 * kActiveFraction, 0, 'f', 0)),
                              this);
    legend->setWordWrap(true);
    auto* filterRow = new QHBoxLayout();
    m_bins = new QComboBox(this);
    m_bins->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_bins->setToolTip(tr("Every group (top, quantile bins, random), or only the windows of one quantile bin of the "
                          "window maxima (a click on the histogram chooses one)"));
    m_bins->addItem(tr("All groups"), -1);
    auto* filters = new QVBoxLayout();
    filters->addWidget(m_filter);
    filters->addWidget(m_bins);
    filters->addStretch();
    filterRow->addLayout(filters);
    filterRow->addWidget(legend, 1);
    layout->addLayout(filterRow);
    m_view = new QListView(this);
    layout->addWidget(m_view, 1);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setChoice(m_filter->currentData().toInt()); });
    connect(m_bins, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setBin(m_bins->currentData().toInt()); });
    m_view->setModel(m_proxy);
    m_view->setItemDelegate(new TokenStripDelegate(m_view));
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setUniformItemSizes(false);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // strips wrap to the width
}

void ExemplarsPage::setCorpus(std::shared_ptr<const LanguageModel> model, const QString& corpusPath) {
    delete m_loader;
    m_loader = new CorpusContextLoader(std::move(model), corpusPath, this);
    connect(m_loader, &CorpusContextLoader::loaded, this, [this](quint64 generation, const CorpusContext& context) {
        if (generation != m_generation) return;  // another record is shown now
        m_context = context;
        showSimulation();
        Q_EMIT contextShown();
    });
    requestContext();
}

void ExemplarsPage::showMode(int mode) {
    const int item = m_filter->findData(mode);
    if (item >= 0) m_filter->setCurrentIndex(item);
}

void ExemplarsPage::showQuantileBin(int bin) {
    const int item = m_bins->findData(bin);
    if (item >= 0) m_bins->setCurrentIndex(item);
}

void ExemplarsPage::observe(NeuronDocument* doc) {
    if (doc) {
        follow(&NeuronDocument::recordChanged, [this] { showRecord(); });
        follow(&NeuronDocument::resultChanged, [this] { showSimulation(); });
        follow(&NeuronDocument::reviewsChanged, [this] { showSimulation(); });
    }
    showRecord();
}

void ExemplarsPage::showRecord() {
    ++m_generation;
    m_context = {};
    showSimulation();
    requestContext();
}

void ExemplarsPage::requestContext() {
    const NeuronDocument* doc = document();
    if (!m_loader || !doc || !doc->record() || doc->target().synthetic()) return;
    std::vector<ContextRequest> requests;
    int span = 0;
    auto add = [&](const Exemplar& e) {
        if (!e.window || e.window->document < 0) return;
        const int length = static_cast<int>(e.window->tokens.size());
        requests.push_back({e.window->id, e.window->document, e.window->offset, length, e.maxIndex});
        span = std::max(span, length);
    };
    const NeuronRecord& r = *doc->record();
    for (const Exemplar& e : r.top) add(e);
    for (const QuantileBin& b : r.quantiles)
        for (const Exemplar& e : b.exemplars) add(e);
    for (const Exemplar& e : r.random) add(e);
    if (!requests.empty()) m_loader->load(m_generation, std::move(requests), span);
}

void ExemplarsPage::showSimulation() {
    const NeuronDocument* doc = document();
    const int choice = m_filter->currentData().toInt(), bin = m_bins->currentData().toInt();
    m_filter->clear();
    m_filter->addItem(tr("All exemplars"), -1);
    m_bins->clear();
    m_bins->addItem(tr("All groups"), -1);
    if (!doc || !doc->record()) {
        m_model->setRows({}, 1);
        return;
    }
    const NeuronRecord& record = *doc->record();
    m_model->setRecord(record, *m_table);
    const LoopResult* result = doc->result() ? &*doc->result() : nullptr;
    std::vector<ModeExplanation> modes;
    if (result)
        for (const ModeResult& m : result->modes) modes.push_back(m.explanation);
    const PatternSimulator simulator(modes, *m_table, record);
    std::map<int64_t, QList<int>> marks;
    if (result)
        for (const ComponentPoint& c : result->points) {
            auto& list = marks[c.window];
            list << c.position;
            for (const auto& t : c.context) list << c.position - t.offset;
        }
    const float scale = m_model->scale();
    std::vector<ExemplarModel::Row> rows;
    for (int i = 0; i < m_model->rowCount(); ++i) {
        ExemplarModel::Row row = m_model->row(i);
        row.marked = marks.count(row.window) ? marks[row.window] : QList<int>();
        if (!simulator.empty()) {
            // The simulation of the window as it was scored, before any context is added.
            const std::vector<float> sim = simulator.whole(row.ids);
            row.simulated = QList<float>(sim.begin(), sim.end());
            float best = 0;
            for (int m = 0; m < simulator.modeCount(); ++m) {
                const std::vector<float> own = simulator.mode(m, row.ids);
                if (row.maxIndex < static_cast<int>(own.size()) && own[static_cast<size_t>(row.maxIndex)] > best)
                    best = own[static_cast<size_t>(row.maxIndex)], row.mode = m;
            }
            for (int t = 0; t < row.simulated.size() && t < row.activations.size(); ++t) {
                const float a = row.activations[t] / scale, p = row.simulated[t] / scale;
                row.falsePositive = std::max(row.falsePositive, p - a);
                row.falseNegative = std::max(row.falseNegative, a - p);
            }
        }
        if (auto words = m_context.documentWords.find(row.document); words != m_context.documentWords.end())
            row.documentWords = words->second;
        if (auto context = m_context.windows.find(row.window); context != m_context.windows.end())
            centreOnPeak(row, context->second, *m_table);
        rows.push_back(std::move(row));
    }
    if (result)
        for (size_t m = 0; m < result->modes.size(); ++m)
            m_filter->addItem(tr("Mode %1: %2").arg(m + 1).arg(displayLabel(result->modes[m].explanation)), static_cast<int>(m));
    for (size_t b = 0; b < record.quantiles.size(); ++b)
        m_bins->addItem(tr("Quantile bin %1: maxima in (%2, %3]")
                            .arg(b + 1)
                            .arg(record.quantiles[b].low, 0, 'f', 2)
                            .arg(record.quantiles[b].high, 0, 'f', 2),
                        static_cast<int>(b));
    if (!simulator.empty()) {
        m_filter->addItem(tr("Worst false positives"), -2);
        m_filter->addItem(tr("Worst false negatives"), -3);
    }
    m_model->setRows(std::move(rows), scale, m_model->activeThreshold());
    const int again = m_filter->findData(choice);
    if (again > 0) m_filter->setCurrentIndex(again);
    const int binAgain = m_bins->findData(bin);
    if (binAgain > 0) m_bins->setCurrentIndex(binAgain);
}

}  // namespace ns
