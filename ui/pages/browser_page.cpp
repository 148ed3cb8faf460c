#include "pages/browser_page.h"

#include "neuron_list_model.h"

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
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter: neuron id or explanation text"));
    m_filter->setClearButtonEnabled(true);
    layout->addWidget(m_filter);
    m_neurons = new NeuronListModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_neurons);
    m_proxy->setSortRole(Qt::UserRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_view = new QTableView(this);
    m_view->setModel(m_proxy);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(NeuronListModel::Max, Qt::DescendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->setVisible(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    for (int c = 0; c < NeuronListModel::Explanation; ++c) m_view->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
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
    for (const auto& e : explained) m_neurons->setExplained(e.neuron, {e.status, e.score, e.explanation});
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

void BrowserPage::focusGoto() {
    m_goto->setFocus();
    m_goto->selectAll();
}

}  // namespace ns
