#include "correlation_chart.h"

#include "charts.h"
#include "neuron_document.h"
#include "plot.h"

#include <QLabel>
#include <QVBoxLayout>

namespace ns {

CorrelationChart::CorrelationChart(QWidget* parent) : DocumentPage(parent), m_heading(new QLabel(this)), m_plot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_heading);
    layout->addWidget(m_plot, 1);
    m_plot->legend->setFont(font());
    m_redraw.setSingleShot(true);
    m_redraw.setInterval(100);
    connect(&m_redraw, &QTimer::timeout, this, &CorrelationChart::redraw);
    redraw();
}

int CorrelationChart::points() const { return document() ? document()->refinement().points() : 0; }

void CorrelationChart::observe(NeuronDocument* doc) {
    if (doc) {
        follow(&NeuronDocument::refinementChanged, [this](int points) {
            if (!m_redraw.isActive()) m_redraw.start();
            if (points > 0) Q_EMIT pointAdded(points);
        });
        follow(&NeuronDocument::jobChanged, [this] { redraw(); });
    }
    redraw();
}

void CorrelationChart::redraw() {
    const NeuronDocument* doc = document();
    QString heading;
    if (doc) {
        heading = tr("Refinement of %1").arg(doc->name());
        if (doc->job() == NeuronDocument::Job::Running) heading += tr(" (running: %1)").arg(doc->jobStep());
        else if (doc->job() == NeuronDocument::Job::Queued) heading += tr(" (queued)");
    }
    m_heading->setText(heading);
    const QString empty = !doc                                   ? tr("No neuron shown")
                          : doc->job() != NeuronDocument::Job::None ? tr("Explaining: the first iteration is on its way")
                                                                   : tr("Not explained yet: press Explain");
    drawRefinement(*m_plot, doc ? doc->refinement() : RefinementSeries{}, empty);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace ns
