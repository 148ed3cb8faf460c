#pragma once

#include <QColor>
#include <QFont>
#include <QString>
#include <QStringList>

#include <vector>

class QCustomPlot;
class QPainter;
class QPdfWriter;

namespace ns {

/// Lays out a report top to bottom on the pages of a QPdfWriter: wrapped text, table rows,
/// charts with their captions and token strips, starting a new page only when the next piece
/// does not fit. Units are the writer's device pixels.
class ReportLayout {
public:
    ReportLayout(QPdfWriter& writer, QPainter& painter);
    int width() const { return m_width; }
    /// What is left of the page.
    int remaining() const { return m_height - m_y; }
    int pageHeight() const { return m_height; }
    void newPage();
    /// A new page unless at least `fraction` of the page is still free (so that a new section
    /// does not leave the end of the last one alone on a page).
    void breakUnlessFree(double fraction);
    void space(int h) { m_y += h; }

    static QFont font(double pointSize, bool bold = false, bool mono = false);
    /// Wrapped text over the whole width (or `indent` from the left).
    void text(const QString& s, double pointSize, bool bold = false, const QColor& colour = Qt::black, int indent = 0);

    /// One row of a table: each cell wrapped in its column (`widths` in fractions of the width),
    /// the row as high as its tallest cell; a `swatch` colour paints a bar before the first cell.
    struct Cell {
        QString text;
        QFont font;
        QColor colour = Qt::black;
    };
    void row(const std::vector<Cell>& cells, const std::vector<double>& widths, const QColor& swatch = QColor(),
             const QColor& background = QColor());

    /// Charts side by side (equal widths, `height` high), each with its caption below; the
    /// captions are numbered "Figure N." in the order drawn.
    void charts(const std::vector<QCustomPlot*>& plots, const QStringList& captions, int height);

    /// A token strip under a small caption line `prefix` (the rank, maximum, document): the
    /// tokens, each coloured by its activation on `scale`, the `peak` token framed.
    void tokens(const QString& prefix, const QStringList& tokens, const std::vector<float>& acts, float scale, int peak);

private:
    void need(int h);
    QPdfWriter& m_writer;
    QPainter& m_p;
    int m_width, m_height, m_y = 0;
    int m_figures = 0;
};

}  // namespace ns
