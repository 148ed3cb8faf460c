#include "correlation_chart.h"

#include "plot.h"

#include <QVBoxLayout>

namespace ns {

CorrelationChart::CorrelationChart(QWidget* parent) : QWidget(parent), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->xAxis->setLabel(tr("refinement iteration"));
    m_plot->yAxis->setLabel(tr("valid correlation"));
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(font());
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    m_redraw.setSingleShot(true);
    m_redraw.setInterval(100);
    connect(&m_redraw, &QTimer::timeout, this, &CorrelationChart::redraw);
    clear();
}

void CorrelationChart::clear() {
    m_index.clear();
    m_whole.clear();
    m_modes.clear();
    m_baseline = 0;
    redraw();
}

void CorrelationChart::addIteration(int index, double whole, const std::vector<double>& modes, double baseline) {
    m_index.push_back(index);
    m_whole.push_back(whole);
    m_baseline = baseline;
    if (m_modes.size() < modes.size()) m_modes.resize(modes.size());
    for (size_t m = 0; m < m_modes.size(); ++m) {
        m_modes[m].resize(m_whole.size() - 1, qQNaN());
        m_modes[m].push_back(m < modes.size() ? modes[m] : qQNaN());
    }
    if (!m_redraw.isActive()) m_redraw.start();
    Q_EMIT pointAdded(points());
}

void CorrelationChart::redraw() {
    m_plot->clearGraphs();
    const QVector<double> x(m_index.begin(), m_index.end());
    static const QColor palette[] = {QColor(31, 119, 180), QColor(44, 160, 44), QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
    for (size_t m = 0; m < m_modes.size(); ++m) {
        auto* g = m_plot->addGraph();
        g->setName(tr("mode %1").arg(m + 1));
        g->setPen(QPen(palette[m % 8], 1.2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        g->setData(x, QVector<double>(m_modes[m].begin(), m_modes[m].end()));
    }
    auto* whole = m_plot->addGraph();
    whole->setName(tr("whole explanation"));
    whole->setPen(QPen(QColor(214, 39, 40), 2.5));
    whole->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    whole->setData(x, QVector<double>(m_whole.begin(), m_whole.end()));
    auto* base = m_plot->addGraph();
    base->setName(tr("single-pass baseline"));
    base->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
    const double last = m_index.empty() ? 1 : std::max(1.0, m_index.back());
    base->setData(QVector<double>{0, last}, QVector<double>{m_baseline, m_baseline});
    if (m_index.empty()) base->setVisible(false), base->removeFromLegend();
    m_plot->xAxis->setRange(-0.2, last + 0.2);
    m_plot->yAxis->setRange(0, 1.02);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ns
