#include "pages/browser_page.h"

#include "neuron_list_model.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace ns {

BrowserPage::BrowserPage(int layers, QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* row = new QHBoxLayout();
    row->addWidget(new QLabel(tr("Layer"), this));
    m_layerBox = new QSpinBox(this);
    m_layerBox->setRange(0, std::max(0, layers - 1));
    m_layerBox->setToolTip(tr("The layer whose neurons are listed (mined first when needed, while the current neuron stays)"));
    m_layerBox->setKeyboardTracking(false);
    row->addWidget(m_layerBox);
    m_goto = new QLineEdit(this);
    m_goto->setPlaceholderText(tr("L/N, e.g. 2/17"));
    m_goto->setToolTip(tr("Type layer/neuron and press Enter (Ctrl+G)"));
    row->addWidget(m_goto, 1);
    layout->addLayout(row);
    auto* filters = new QHBoxLayout();
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter: neuron id or explanation text"));
    m_filter->setClearButtonEnabled(true);
    filters->addWidget(m_filter, 1);
    m_show = new QComboBox(this);
    m_show->addItems(NeuronListFilter::showNames());
    m_show->setToolTip(tr("Which neurons to list, by what people decided about their latest run"));
    filters->addWidget(m_show);
    layout->addLayout(filters);
    m_neurons = new NeuronListModel(this);
    m_proxy = new NeuronListFilter(this);
    m_proxy->setSourceModel(m_neurons);
    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(NeuronListModel::Max, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->setVisible(false);
    // The numbers take what they need; Status and Explanation share the rest and elide, with
    // the whole text in their tooltips, so the browser needs no horizontal scrolling.
    QHeaderView* header = m_view->horizontalHeader();
    header->setStretchLastSection(true);
    header->setMinimumSectionSize(36);
    for (int c : {NeuronListModel::Neuron, NeuronListModel::Max, NeuronListModel::FiringRate, NeuronListModel::Score})
        header->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(NeuronListModel::Status, QHeaderView::Interactive);
    header->resizeSection(NeuronListModel::Status, m_view->fontMetrics().horizontalAdvance(QStringLiteral("1 approved, 1 edited of 5  ")));
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    layout->addWidget(m_view, 1);
    connect(m_layerBox, &QSpinBox::valueChanged, this, [this](int l) {
        if (l != m_neurons->layer() || m_neurons->rowCount() == 0) Q_EMIT layerRequested(l);
    });
    connect(m_goto, &QLineEdit::returnPressed, this, [this] {
        const auto m = QRegularExpression(QStringLiteral("^\\s*(\\d+)\\s*[/:. ]\\s*(\\d+)\\s*$")).match(m_goto->text());
        if (!m.hasMatch()) return Q_EMIT problem(tr("Type a neuron as layer/neuron, for example 2/17"));
        Q_EMIT neuronRequested(m.captured(1).toInt(), m.captured(2).toInt());
    });
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_show, &QComboBox::currentIndexChanged, this, [this](int i) { m_proxy->setShow(static_cast<NeuronListFilter::Show>(i)); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (i.isValid()) Q_EMIT neuronRequested(m_neurons->layer(), m_neurons->neuronAt(m_proxy->mapToSource(i).row()));
    });
}

void BrowserPage::showLayer(int layer, std::vector<NeuronSummary> neurons) {
    {
        const QSignalBlocker block(m_layerBox);
        m_layerBox->setValue(layer);
    }
    m_neurons->setLayer(layer, std::move(neurons));
}

void BrowserPage::setExplained(const std::vector<CacheDb::ExplainedNeuron>& explained) {
    for (const auto& e : explained) m_neurons->setExplained(e.neuron, {e.decisions, e.score, e.explanation});
}

void BrowserPage::select(int neuron) {
    const int row = m_neurons->rowOf(neuron);
    if (row < 0) return;
    const QModelIndex i = m_proxy->mapFromSource(m_neurons->index(row, 0));
    const QSignalBlocker block(m_view->selectionModel());
    m_view->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(i);
    m_view->viewport()->update();
}

void BrowserPage::showCurrent(int layer, int neuron) {
    // Left alone while the person is typing a neuron there.
    if (!m_goto->hasFocus() || m_goto->text().isEmpty()) m_goto->setText(QStringLiteral("%1/%2").arg(layer).arg(neuron));
    if (m_neurons->layer() == layer) select(neuron);
}

std::vector<int> BrowserPage::selectedNeurons(int current) const {
    std::vector<int> out;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows()) out.push_back(m_neurons->neuronAt(m_proxy->mapToSource(i).row()));
    if (current >= 0 && std::find(out.begin(), out.end(), current) == out.end()) out.insert(out.begin(), current);
    return out;
}

int BrowserPage::firstListed() const {
    if (m_proxy->rowCount() == 0) return -1;
    return m_neurons->neuronAt(m_proxy->mapToSource(m_proxy->index(0, 0)).row());
}

void BrowserPage::focusFilter() {
    m_filter->setFocus();
    m_filter->selectAll();
}

void BrowserPage::focusGoto() {
    m_goto->setFocus();
    m_goto->selectAll();
}

}  // namespace ns
