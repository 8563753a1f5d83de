// The figures of a run's report (experiment/report.h) as inline SVG, drawn here from
// numbers the caller read from the run's files: line charts with confidence bands and
// interval plots (a forest plot). Each figure names itself for screen readers (role="img",
// aria-label, <title>, <desc>); sizes are relative (a viewBox, width 100%), so the page
// reflows at any zoom. No script, font or image from elsewhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace counterpoint {

/// `text` with &, <, >, " and ' escaped, for HTML and SVG text and attributes.
std::string HtmlEscape(std::string_view text);

/// A number as the report prints it: 4 significant digits ("0.1964", "-0.0815"), whole from
/// 10,000 on ("138574", not "1.386e+05"; e-notation only from 1e15), "n/a" for NaN.
std::string ReportNumber(double x);

/// One line of a chart: its label, and at each x the mean with its interval (NaN where the
/// run has none: the line breaks there, and the band is left out).
struct ChartSeries {
  std::string label;
  std::vector<double> x, mean, low, high;
};

/// A line chart: each series a coloured line over its shaded interval, with a legend.
/// `id` must be unique in the page (it names the <title> and <desc>).
std::string LineChartSvg(const std::string& id, const std::string& title, const std::string& desc,
                         const std::string& x_label, const std::string& y_label,
                         const std::vector<ChartSeries>& series);

/// One row of an interval plot: an estimate with its interval, drawn filled when `marked`
/// (e.g. distinguishable from zero after the multiplicity correction), hollow otherwise.
struct IntervalRow {
  std::string label;
  double estimate = 0, low = 0, high = 0;
  bool marked = false;
};

/// Rows of estimates with their intervals on one axis, with a dashed line at
/// `reference` when it is in range (0 for a forest plot of differences).
std::string IntervalPlotSvg(const std::string& id, const std::string& title, const std::string& desc,
                            const std::string& x_label, const std::vector<IntervalRow>& rows, double reference);

}  // namespace counterpoint
