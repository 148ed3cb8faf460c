#pragma once

#include "pages/document_page.h"

#include <QTimer>

class QCustomPlot;
class QLabel;

namespace ns {

/// The Refinement page: the live chart of the current document's run (or its stored
/// iterations), drawn by drawRefinement. Redraws are coalesced by a timer.
class CorrelationChart final : public DocumentPage {
    Q_OBJECT
public:
    explicit CorrelationChart(QWidget* parent = nullptr);
    /// The iterations drawn (of the document shown).
    int points() const;
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    /// An iteration of the document shown arrived.
    void pointAdded(int points);

protected:
    void observe(NeuronDocument* document) override;

private:
    void redraw();
    QLabel* m_heading;
    QCustomPlot* m_plot;
    QTimer m_redraw;
};

}  // namespace ns
