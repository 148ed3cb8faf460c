#include "charts.h"

#include "plot.h"

#include "agents/loop_types.h"

#include <algorithm>
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

namespace {

/// The legend in a row of its own under the axes, so that it never covers a point; moved there
/// once per plot (the charts are drawn again on the same plot).
void legendBelow(QCustomPlot& plot) {
    plot.legend->setVisible(true);
    if (plot.legend->layout() != plot.plotLayout()) {
        plot.plotLayout()->addElement(plot.plotLayout()->rowCount(), 0, plot.legend);
        plot.plotLayout()->setRowStretchFactor(plot.plotLayout()->rowCount() - 1, 0.001);
        plot.legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
        plot.legend->setWrap(4);
        plot.legend->setBorderPen(Qt::NoPen);
        plot.legend->setMargins(QMargins(4, 2, 4, 2));
    }
}

/// A chart with nothing to show says so instead of showing bare axes.
void showEmpty(QCustomPlot& plot, const QString& message) {
    const bool empty = !message.isEmpty();
    for (QCPAxis* a : {plot.xAxis, plot.yAxis}) {
        a->setTicks(!empty);
        a->setTickLabels(!empty);
        a->grid()->setVisible(!empty);
    }
    plot.legend->setVisible(!empty);
    if (!empty) return;
    auto* text = new QCPItemText(&plot);
    text->position->setType(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(0.5, 0.5);
    text->setPositionAlignment(Qt::AlignCenter);
    text->setText(message);
    text->setColor(QColor(90, 90, 90));
    QFont f = plot.font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    text->setFont(f);
}

}  // namespace

void drawRefinement(QCustomPlot& plot, const RefinementSeries& s, const QString& emptyText) {
    plot.clearGraphs();
    plot.clearItems();
    plot.xAxis->setLabel(QObject::tr("refinement iteration"));
    plot.yAxis->setLabel(QObject::tr("valid correlation"));
    legendBelow(plot);
    // Iterations are whole numbers: a tick on each (or on every few when there are many).
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot.xAxis->setTicker(ticker);
    plot.xAxis->setNumberPrecision(0);
    const QVector<double> x(s.index.begin(), s.index.end());
    double low = 0, high = 1;
    auto extend = [&](double v) {
        if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
    };
    for (size_t m = 0; m < s.modes.size(); ++m) {
        auto* g = plot.addGraph();
        g->setName(QObject::tr("mode %1").arg(m + 1));
        g->setPen(QPen(modeColour(static_cast<int>(m)), 1.2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 4));
        g->setData(x, QVector<double>(s.modes[m].begin(), s.modes[m].end()));
        for (double v : s.modes[m]) extend(v);
    }
    auto* whole = plot.addGraph();
    whole->setName(QObject::tr("whole explanation"));
    whole->setPen(QPen(QColor(214, 39, 40), 2.5));
    whole->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    whole->setData(x, QVector<double>(s.whole.begin(), s.whole.end()));
    for (double v : s.whole) extend(v);
    auto* base = plot.addGraph();
    base->setName(QObject::tr("single-pass baseline (valid)"));
    base->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
    const double first = s.index.empty() ? 0 : std::min(0.0, s.index.front());
    const double last = s.index.empty() ? 1 : std::max(first + 1, s.index.back());
    base->setData(QVector<double>{first, last}, QVector<double>{s.baseline, s.baseline});
    if (s.index.empty()) {
        base->setVisible(false);
        base->removeFromLegend();
    } else {
        extend(s.baseline);
    }
    showEmpty(plot, s.index.empty() ? emptyText : QString());
    plot.xAxis->setRange(first - 0.3, last + 0.3);
    // Correlations run from -1 to 1: the axis shows 0 to 1 and whatever falls below 0.
    plot.yAxis->setRange(low < 0 ? std::max(-1.05, low - 0.05) : 0, high + 0.02);
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

void drawClusterMap(QCustomPlot& plot, const std::vector<ComponentPoint>& components, const QString& emptyText) {
    plot.clearPlottables();
    plot.clearItems();
    plot.xAxis->setLabel(QObject::tr("first principal component"));
    plot.yAxis->setLabel(QObject::tr("second principal component"));
    legendBelow(plot);
    std::map<int, std::pair<QVector<double>, QVector<double>>> byMode;
    for (const ComponentPoint& c : components) {
        if (!c.mapped) continue;
        auto& xy = byMode[c.mode];
        xy.first << c.mapX;
        xy.second << c.mapY;
    }
    for (const auto& [mode, xy] : byMode) {
        // A QCPCurve keeps the points in the order given: a graph would sort them by x and draw
        // only those its sorted-range search finds, and a mode whose points share one x (a
        // single component, or all on one vertical) would vanish.
        auto* g = new QCPCurve(plot.xAxis, plot.yAxis);
        g->setName(QObject::tr("mode %1 (%2)").arg(mode < 0 ? QObject::tr("none") : QString::number(mode + 1)).arg(xy.first.size()));
        g->setLineStyle(QCPCurve::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, modeColour(mode), 9));
        g->setPen(QPen(modeColour(mode)));
        g->setData(xy.first, xy.second);
    }
    showEmpty(plot, byMode.empty() ? emptyText : QString());
    plot.rescaleAxes();
    plot.xAxis->scaleRange(1.15);
    plot.yAxis->scaleRange(1.15);
}

}  // namespace ns
