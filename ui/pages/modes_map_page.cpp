#include "pages/modes_map_page.h"

#include "charts.h"
#include "neuron_document.h"
#include "plot.h"
#include "token_strip_delegate.h"

#include <QToolTip>
#include <QVBoxLayout>

namespace ns {

ModesMapPage::ModesMapPage(QWidget* parent) : DocumentPage(parent), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const int c = componentAt(e->pos());
        if (c < 0) return QToolTip::hideText();
        const ComponentPoint& comp = document()->result()->points[static_cast<size_t>(c)];
        QString context;
        for (const auto& t : comp.context) context += QStringLiteral(" \u201C%1\u201D").arg(TokenStripDelegate::shown(t.token));
        QToolTip::showText(e->globalPosition().toPoint(),
                           tr("trigger \u201C%1\u201D, activation %2, mode %3%4")
                               .arg(TokenStripDelegate::shown(comp.trigger))
                               .arg(comp.activation, 0, 'f', 2)
                               .arg(comp.mode + 1)
                               .arg(context.isEmpty() ? QString() : tr("; context that mattered:%1").arg(context)),
                           m_plot);
    });
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        const int c = componentAt(e->pos());
        if (c >= 0) Q_EMIT modeChosen(document()->result()->points[static_cast<size_t>(c)].mode);
    });
    redraw();
}

void ModesMapPage::observe(NeuronDocument* doc) {
    if (doc) {
        follow(&NeuronDocument::resultChanged, [this] { redraw(); });
        follow(&NeuronDocument::jobChanged, [this] { redraw(); });
    }
    redraw();
}

void ModesMapPage::redraw() {
    const NeuronDocument* doc = document();
    const QString empty = !doc ? tr("No neuron shown")
                          : !doc->result() ? (doc->job() != NeuronDocument::Job::None ? tr("Explaining: the modes appear when the run ends")
                                                                                       : tr("Not explained yet: press Explain"))
                                           : tr("This run kept no component positions");
    drawClusterMap(*m_plot, doc && doc->result() ? doc->result()->points : std::vector<ComponentPoint>{}, empty);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

int ModesMapPage::componentAt(const QPoint& pos) const {
    const NeuronDocument* doc = document();
    if (!doc || !doc->result()) return -1;
    const auto& points = doc->result()->points;
    int best = -1;
    double bestD = 12 * 12;  // pixels
    for (size_t i = 0; i < points.size(); ++i) {
        if (!points[i].mapped) continue;
        const double x = m_plot->xAxis->coordToPixel(points[i].mapX) - pos.x();
        const double y = m_plot->yAxis->coordToPixel(points[i].mapY) - pos.y();
        if (x * x + y * y < bestD) bestD = x * x + y * y, best = static_cast<int>(i);
    }
    return best;
}

}  // namespace ns
