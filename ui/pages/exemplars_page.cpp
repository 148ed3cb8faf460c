#include "pages/exemplars_page.h"

#include "exemplar_model.h"
#include "neuron_document.h"
#include "token_strip_delegate.h"

#include "agents/pattern.h"
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

bool ExemplarFilter::filterAcceptsRow(int row, const QModelIndex& parent) const {
    if (m_choice < 0) return true;
    return sourceModel()->index(row, 0, parent).data(ExemplarModel::ModeRole).toInt() == m_choice;
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
    m_filter->addItem(tr("All exemplars"), -1);
    auto* legend = new QLabel(tr("Background: true activation (orange up to the neuron's maximum, blue below zero). "
                                 "Bar under a token: the explanation's simulation. Frame: the maximum. Underline: a "
                                 "component's trigger and the context tokens that mattered."),
                              this);
    legend->setWordWrap(true);
    auto* filterRow = new QHBoxLayout();
    filterRow->addWidget(m_filter);
    filterRow->addWidget(legend, 1);
    layout->addLayout(filterRow);
    m_view = new QListView(this);
    layout->addWidget(m_view, 1);
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this] { m_proxy->setChoice(m_filter->currentData().toInt()); });
    m_view->setModel(m_proxy);
    m_view->setItemDelegate(new TokenStripDelegate(m_view));
    m_view->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setUniformItemSizes(false);
    m_view->setResizeMode(QListView::Adjust);
}

void ExemplarsPage::showMode(int mode) {
    const int item = m_filter->findData(mode);
    if (item >= 0) m_filter->setCurrentIndex(item);
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
    const NeuronDocument* doc = document();
    if (doc && doc->record()) m_model->setRecord(*doc->record(), *m_table);
    else m_model->setRows({}, 1);
    showSimulation();
}

void ExemplarsPage::showSimulation() {
    const NeuronDocument* doc = document();
    const int choice = m_filter->currentData().toInt();
    m_filter->clear();
    m_filter->addItem(tr("All exemplars"), -1);
    if (!doc || !doc->result() || !doc->record()) {
        if (doc && doc->record()) m_model->setRecord(*doc->record(), *m_table);  // no simulation left over
        return;
    }
    const LoopResult& r = *doc->result();
    // Built-in patterns run here, offline.
    const TokenTable& patterns = *m_table;
    std::vector<CompiledPattern> compiled;
    for (const ModeResult& m : r.modes)
        if (m.explanation.pattern) compiled.emplace_back(*m.explanation.pattern, patterns);
    std::map<int64_t, QList<int>> marks;
    for (const ComponentPoint& c : r.points) {
        auto& list = marks[c.window];
        list << c.position;
        for (const auto& t : c.context) list << c.position - t.offset;
    }
    m_model->setRecord(*doc->record(), *m_table);
    std::vector<ExemplarModel::Row> rows;
    std::vector<std::vector<std::vector<float>>> perMode;  // [row][mode][token]
    double simPeak = 0;
    for (int i = 0; i < m_model->rowCount(); ++i) {
        ExemplarModel::Row row = m_model->row(i);
        row.simulated.clear();
        row.marked = marks.count(row.window) ? marks[row.window] : QList<int>();
        std::vector<std::vector<float>> sims;
        if (!compiled.empty()) {
            std::vector<float> sim(row.ids.size(), 0.f);
            for (const CompiledPattern& p : compiled) {
                sims.push_back(p.run(row.ids));
                for (size_t t = 0; t < sim.size(); ++t) sim[t] = std::max(sim[t], sims.back()[t]);
            }
            for (float v : sim) simPeak = std::max<double>(simPeak, v);
            row.simulated = QList<float>(sim.begin(), sim.end());
        }
        perMode.push_back(std::move(sims));
        rows.push_back(std::move(row));
    }
    // Relative to each side's peak: which mode explains an exemplar, and its worst misses.
    const float scale = m_model->scale();
    for (size_t i = 0; i < rows.size(); ++i) {
        auto& row = rows[i];
        if (simPeak > 0)
            for (float& v : row.simulated) v = static_cast<float>(v / simPeak);
        float best = 0;
        for (size_t m = 0; m < perMode[i].size(); ++m)
            if (row.maxIndex < static_cast<int>(perMode[i][m].size()) && perMode[i][m][static_cast<size_t>(row.maxIndex)] > best)
                best = perMode[i][m][static_cast<size_t>(row.maxIndex)], row.mode = static_cast<int>(m);
        for (int t = 0; t < row.simulated.size() && t < row.activations.size(); ++t) {
            const float a = row.activations[t] / scale, p = row.simulated[t];
            row.falsePositive = std::max(row.falsePositive, p - a);
            row.falseNegative = std::max(row.falseNegative, a - p);
        }
    }
    for (size_t m = 0; m < r.modes.size(); ++m)
        m_filter->addItem(tr("Mode %1: %2").arg(m + 1).arg(displayLabel(r.modes[m].explanation)), static_cast<int>(m));
    if (!compiled.empty()) {
        m_filter->addItem(tr("Worst false positives"), -2);
        m_filter->addItem(tr("Worst false negatives"), -3);
    }
    m_model->setRows(std::move(rows), scale);
    const int again = m_filter->findData(choice);
    if (again > 0) m_filter->setCurrentIndex(again);
}

}  // namespace ns
