#pragma once

#include <QTimer>
#include <QWidget>

#include <vector>

class QCustomPlot;

namespace ns {

/// The live refinement chart: the valid score of the whole explanation and of each mode at
/// every iteration, the single-pass baseline as a dashed line. Points arrive as the worker
/// reports; redraws are coalesced.
class CorrelationChart : public QWidget {
    Q_OBJECT
public:
    explicit CorrelationChart(QWidget* parent = nullptr);
    void clear();
    void addIteration(int index, double whole, const std::vector<double>& modes, double baseline);
    int points() const { return static_cast<int>(m_whole.size()); }
    QCustomPlot* plot() const { return m_plot; }

Q_SIGNALS:
    void pointAdded(int points);

private:
    void redraw();
    QCustomPlot* m_plot;
    QTimer m_redraw;
    std::vector<double> m_index, m_whole;
    std::vector<std::vector<double>> m_modes;
    double m_baseline = 0;
};

}  // namespace ns
