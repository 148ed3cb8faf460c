#pragma once

#include "pages/document_page.h"

class QCustomPlot;

namespace ns {

/// The Modes page: the document's components on the principal plane, coloured by mode
/// (drawClusterMap). Hover names a component; a click asks for that mode's exemplars.
class ModesMapPage final : public DocumentPage {
    Q_OBJECT
public:
    explicit ModesMapPage(QWidget* parent = nullptr);
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void modeChosen(int mode);

protected:
    void observe(NeuronDocument* document) override;

private:
    /// The component drawn nearest to a point (within a few pixels), or -1.
    int componentAt(const QPoint& pos) const;
    void redraw();
    QCustomPlot* m_plot;
};

}  // namespace ns
