#include "charts.h"

#include "plot.h"

#include "agents/loop_types.h"

#include <cmath>
#include <map>
#include <tuple>

namespace ns {

QColor modeColour(int mode) {
    static const QColor palette[] = {QColor(31, 119, 180), QColor(44, 160, 44), QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
    return mode < 0 ? QColor(Qt::lightGray) : palette[mode % 8];
}

void RefinementSeries::add(int iteration, double wholeScore, const std::vector<double>& modeScores, double baselineScore) {
    index.push_back(iteration);
    whole.push_back(wholeScore);
    baseline = baselineScore;
    if (modes.size() < modeScores.size()) modes.resize(modeScores.size());
    for (size_t m = 0; m < modes.size(); ++m) {
        modes[m].resize(whole.size() - 1, qQNaN());
        modes[m].push_back(m < modeScores.size() ? modeScores[m] : qQNaN());
    }
}

RefinementSeries RefinementSeries::of(const LoopResult& r) {
    RefinementSeries s;
    for (const IterationResult& it : r.iterations) s.add(it.index, it.validScore, it.modeScores, r.baselineValidScore);
    s.baseline = r.baselineValidScore;
    return s;
}

void drawRefinement(QCustomPlot& plot, const RefinementSeries& s) {
    plot.clearGraphs();
    plot.xAxis->setLabel(QObject::tr("refinement iteration"));
    plot.yAxis->setLabel(QObject::tr("valid correlation"));
    plot.legend->setVisible(true);
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    const QVector<double> x(s.index.begin(), s.index.end());
    for (size_t m = 0; m < s.modes.size(); ++m) {
        auto* g = plot.addGraph();
        g->setName(QObject::tr("mode %1").arg(m + 1));
        g->setPen(QPen(modeColour(static_cast<int>(m)), 1.2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        g->setData(x, QVector<double>(s.modes[m].begin(), s.modes[m].end()));
    }
    auto* whole = plot.addGraph();
    whole->setName(QObject::tr("whole explanation"));
    whole->setPen(QPen(QColor(214, 39, 40), 2.5));
    whole->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    whole->setData(x, QVector<double>(s.whole.begin(), s.whole.end()));
    auto* base = plot.addGraph();
    base->setName(QObject::tr("single-pass baseline (valid)"));
    base->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
    const double last = s.index.empty() ? 1 : std::max(1.0, s.index.back());
    base->setData(QVector<double>{0, last}, QVector<double>{s.baseline, s.baseline});
    if (s.index.empty()) base->setVisible(false), base->removeFromLegend();
    plot.xAxis->setRange(-0.2, last + 0.2);
    plot.yAxis->setRange(0, 1.02);
}

void drawHistogram(QCustomPlot& plot, const Histogram& h, double activeThreshold) {
    plot.clearPlottables();
    plot.clearItems();
    plot.xAxis->setLabel(QObject::tr("activation"));
    plot.yAxis->setLabel(QObject::tr("share of tokens (log scale)"));
    plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    plot.yAxis->setNumberFormat(QStringLiteral("eb"));
    plot.yAxis->setNumberPrecision(0);
    double total = 0;
    for (int64_t c : h.counts) total += static_cast<double>(c);
    // Bins above the active threshold in full orange: their area is the active density.
    auto* quiet = new QCPBars(plot.xAxis, plot.yAxis);
    auto* active = new QCPBars(plot.xAxis, plot.yAxis);
    QVector<double> qx, qy, ax, ay;
    double smallest = 1;
    for (size_t i = 0; i < h.counts.size() && i + 1 < h.edges.size(); ++i) {
        if (h.counts[i] <= 0 || total <= 0) continue;
        const double share = static_cast<double>(h.counts[i]) / total, centre = 0.5 * (h.edges[i] + h.edges[i + 1]);
        smallest = std::min(smallest, share);
        if (std::isnan(activeThreshold) || h.edges[i + 1] > activeThreshold) ax << centre, ay << share;
        else qx << centre, qy << share;
    }
    const double width = h.edges.size() > 1 ? h.edges[1] - h.edges[0] : 1;
    for (const auto& [bars, x, y, colour] : {std::tuple{quiet, &qx, &qy, QColor(250, 200, 150)}, std::tuple{active, &ax, &ay, QColor(230, 110, 20)}}) {
        bars->setData(*x, *y);
        bars->setWidth(width);
        bars->setBrush(colour);
        bars->setPen(Qt::NoPen);
        bars->setBaseValue(smallest / 4);
    }
    plot.rescaleAxes();
    plot.yAxis->setRange(smallest / 3, 1.5);
    if (std::isfinite(activeThreshold) && !h.edges.empty()) {
        auto* line = new QCPItemStraightLine(&plot);
        line->point1->setCoords(activeThreshold, 1e-12);
        line->point2->setCoords(activeThreshold, 1);
        line->setPen(QPen(QColor(150, 40, 0), 1.5, Qt::DashLine));
        auto* label = new QCPItemText(&plot);
        label->position->setType(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(activeThreshold, 1);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setPadding(QMargins(4, 2, 4, 2));
        label->setText(QObject::tr("active above %1").arg(activeThreshold, 0, 'f', 2));
        label->setColor(QColor(150, 40, 0));
    }
}

void drawClusterMap(QCustomPlot& plot, const std::vector<ComponentPoint>& components) {
    plot.clearGraphs();
    plot.xAxis->setLabel(QObject::tr("first principal component"));
    plot.yAxis->setLabel(QObject::tr("second principal component"));
    plot.legend->setVisible(true);
    std::map<int, std::pair<QVector<double>, QVector<double>>> byMode;
    for (const ComponentPoint& c : components) {
        if (!c.mapped) continue;
        auto& xy = byMode[c.mode];
        xy.first << c.mapX;
        xy.second << c.mapY;
    }
    for (const auto& [mode, xy] : byMode) {
        auto* g = plot.addGraph();
        g->setName(mode < 0 ? QObject::tr("no mode") : QObject::tr("mode %1").arg(mode + 1));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, modeColour(mode), 9));
        g->setData(xy.first, xy.second, true);
    }
    plot.rescaleAxes();
    plot.xAxis->scaleRange(1.15);
    plot.yAxis->scaleRange(1.15);
}

}  // namespace ns
