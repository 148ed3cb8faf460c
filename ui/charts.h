#pragma once

#include "activations/neuron_record.h"

#include <QColor>
#include <QObject>
#include <QString>

#include <limits>
#include <vector>

class QCustomPlot;

namespace ns {

struct ComponentPoint;
struct LoopResult;

/// The colour of mode `mode` (0-based) everywhere: cluster map, refinement chart, report; grey
/// for a component of no mode.
QColor modeColour(int mode);

/// The refinement chart's data: the valid score of the whole explanation and of each mode at
/// every iteration, and the single-pass baseline.
struct RefinementSeries {
    std::vector<double> index, whole;
    std::vector<std::vector<double>> modes;  ///< [mode][iteration]; NaN where a mode did not exist
    double baseline = 0;

    void add(int iteration, double wholeScore, const std::vector<double>& modeScores, double baselineScore);
    int points() const { return static_cast<int>(whole.size()); }
    static RefinementSeries of(const LoopResult& result);
};

/// The charts, drawn by the same code on screen and in the PDF report.
/// The legend sits under the axes; the y axis covers every value (negative correlations too);
/// iterations get whole-number ticks. With no iteration the chart shows `emptyText` instead of axes' ticks.
void drawRefinement(QCustomPlot& plot, const RefinementSeries& series, const QString& emptyText = QObject::tr("Not explained yet"));
/// The share of tokens per activation bin on a log scale (the activation density), empty bins
/// left out; with a finite `activeThreshold`, the bins above it in full colour and a line there.
void drawHistogram(QCustomPlot& plot, const Histogram& histogram, double activeThreshold = std::numeric_limits<double>::quiet_NaN());
/// Components on the principal plane, one colour per mode, every mode drawn (its count in the
/// legend, which sits under the axes); `emptyText` when no component has a position.
void drawClusterMap(QCustomPlot& plot, const std::vector<ComponentPoint>& components,
                    const QString& emptyText = QObject::tr("Not explained yet"));

}  // namespace ns
