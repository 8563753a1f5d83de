// Inline SVG figures of a run's report: line charts with bands, interval plots.
#include "experiment/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace counterpoint {

namespace {

// Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), black last
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};
constexpr int kPaletteSize = sizeof kPalette / sizeof kPalette[0];

// coordinates in the viewBox, one decimal
std::string Coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// about five round ticks covering [lo, hi] (Heckbert, "Nice numbers for graph labels", 1990)
std::vector<double> NiceTicks(double lo, double hi) {
  const double range = hi - lo;
  const double raw = range / 4;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

// [lo, hi] over the finite values, widened when empty or flat
std::pair<double, double> Range(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) return {0, 1};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = std::max(std::abs(hi) * 0.1, 1e-6);
    return {lo - pad, hi + pad};
  }
  const double pad = (hi - lo) * 0.05;
  return {lo - pad, hi + pad};
}

// the opening of a figure's <svg>: role, label, title and description
std::string SvgOpen(const std::string& id, const std::string& title, const std::string& desc, int width, int height) {
  std::ostringstream out;
  out << "<svg viewBox=\"0 0 " << width << ' ' << height << "\" width=\"100%\" role=\"img\" aria-label=\""
      << HtmlEscape(title) << "\" aria-labelledby=\"" << id << "-title " << id << "-desc\"><title id=\"" << id
      << "-title\">" << HtmlEscape(title) << "</title><desc id=\"" << id << "-desc\">" << HtmlEscape(desc) << "</desc>";
  return out.str();
}

std::string Text(double x, double y, const std::string& anchor, const std::string& text,
                 const std::string& extra = "") {
  return "<text x=\"" + Coord(x) + "\" y=\"" + Coord(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"12\"" + extra +
         ">" + HtmlEscape(text) + "</text>";
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ReportNumber(double x) {
  if (std::isnan(x)) return "n/a";
  char buf[32];
  // counts in the tens of thousands and above whole (138574, not 1.386e+05), the rest 4 digits
  if (std::abs(x) >= 1e4 && std::abs(x) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", x);
  else
    std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string LineChartSvg(const std::string& id, const std::string& title, const std::string& desc,
                         const std::string& x_label, const std::string& y_label,
                         const std::vector<ChartSeries>& series) {
  constexpr int kW = 640, kLeft = 70, kRight = 16, kTop = 16, kPlotH = 240;
  const int legend_rows = static_cast<int>((series.size() + 2) / 3);
  const int height = kTop + kPlotH + 44 + 18 * legend_rows;
  std::vector<double> xs, ys;
  for (const ChartSeries& s : series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.mean.begin(), s.mean.end());
    ys.insert(ys.end(), s.low.begin(), s.low.end());
    ys.insert(ys.end(), s.high.begin(), s.high.end());
  }
  // named, not structured bindings: clang 14 (the fuzz build) cannot capture those in lambdas
  const std::pair<double, double> x_range = Range(xs);
  double x0 = x_range.first, x1 = x_range.second;
  if (!xs.empty()) {
    x0 = *std::min_element(xs.begin(), xs.end());
    x1 = std::max(*std::max_element(xs.begin(), xs.end()), x0 + 1);
  }
  const std::pair<double, double> y_range = Range(ys);
  const double y0 = y_range.first, y1 = y_range.second;
  const double plot_w = kW - kLeft - kRight;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * plot_w; };
  auto py = [&](double y) { return kTop + (y1 - y) / (y1 - y0) * kPlotH; };
  std::ostringstream out;
  out << SvgOpen(id, title, desc, kW, height);
  out << "<g stroke=\"#888\" stroke-width=\"0.5\">";
  for (double t : NiceTicks(y0, y1))
    if (t >= y0 && t <= y1)
      out << "<line x1=\"" << kLeft << "\" x2=\"" << kW - kRight << "\" y1=\"" << Coord(py(t)) << "\" y2=\""
          << Coord(py(t)) << "\"/>";
  out << "</g><g fill=\"#222\">";
  for (double t : NiceTicks(y0, y1))
    if (t >= y0 && t <= y1) out << Text(kLeft - 4, py(t) + 4, "end", ReportNumber(t));
  for (double t : NiceTicks(x0, x1))
    if (t >= x0 && t <= x1) out << Text(px(t), kTop + kPlotH + 16, "middle", ReportNumber(t));
  out << Text(kLeft + plot_w / 2, kTop + kPlotH + 32, "middle", x_label)
      << Text(14, kTop + kPlotH / 2.0, "middle", y_label,
              " transform=\"rotate(-90 14 " + Coord(kTop + kPlotH / 2.0) + ")\"")
      << "</g>";
  out << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << Coord(plot_w) << "\" height=\"" << kPlotH
      << "\" fill=\"none\" stroke=\"#444\" stroke-width=\"0.8\"/>";
  for (size_t k = 0; k < series.size(); ++k) {
    const ChartSeries& s = series[k];
    const char* colour = kPalette[k % kPaletteSize];
    // the band: one polygon per run of steps with an interval
    for (size_t i = 0; i < s.x.size();) {
      size_t j = i;
      while (j < s.x.size() && std::isfinite(s.low[j]) && std::isfinite(s.high[j])) ++j;
      if (j - i >= 2) {
        out << "<polygon fill=\"" << colour << "\" fill-opacity=\"0.18\" stroke=\"none\" points=\"";
        for (size_t m = i; m < j; ++m) out << Coord(px(s.x[m])) << ',' << Coord(py(s.high[m])) << ' ';
        for (size_t m = j; m-- > i;) out << Coord(px(s.x[m])) << ',' << Coord(py(s.low[m])) << ' ';
        out << "\"/>";
      }
      i = std::max(j, i + 1);
    }
    // the line: one polyline per run of defined means
    for (size_t i = 0; i < s.x.size();) {
      size_t j = i;
      while (j < s.x.size() && std::isfinite(s.mean[j])) ++j;
      if (j > i) {
        out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"1.6\" points=\"";
        for (size_t m = i; m < j; ++m) out << Coord(px(s.x[m])) << ',' << Coord(py(s.mean[m])) << ' ';
        out << "\"/>";
      }
      i = std::max(j, i + 1);
    }
    const double lx = kLeft + (k % 3) * (plot_w / 3), ly = kTop + kPlotH + 48 + 18 * (k / 3);
    out << "<rect x=\"" << Coord(lx) << "\" y=\"" << Coord(ly - 9) << "\" width=\"14\" height=\"10\" fill=\"" << colour
        << "\"/>" << Text(lx + 18, ly, "start", s.label, " fill=\"#222\"");
  }
  out << "</svg>";
  return out.str();
}

std::string IntervalPlotSvg(const std::string& id, const std::string& title, const std::string& desc,
                            const std::string& x_label, const std::vector<IntervalRow>& rows, double reference) {
  constexpr int kW = 640, kRight = 20, kTop = 12, kRowH = 26;
  // room for the longest label (about 7 units a character at font size 12), at most half the width
  size_t longest = 0;
  for (const IntervalRow& r : rows) longest = std::max(longest, r.label.size());
  const int kLeft = static_cast<int>(std::clamp<size_t>(7 * longest + 16, 120, kW / 2));
  const int plot_h = kRowH * static_cast<int>(std::max<size_t>(rows.size(), 1));
  const int height = kTop + plot_h + 40;
  std::vector<double> values = {reference};
  for (const IntervalRow& r : rows) values.insert(values.end(), {r.estimate, r.low, r.high});
  const std::pair<double, double> x_range = Range(values);
  const double x0 = x_range.first, x1 = x_range.second;
  const double plot_w = kW - kLeft - kRight;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * plot_w; };
  std::ostringstream out;
  out << SvgOpen(id, title, desc, kW, height);
  out << "<g stroke=\"#888\" stroke-width=\"0.5\">";
  for (double t : NiceTicks(x0, x1))
    if (t >= x0 && t <= x1)
      out << "<line x1=\"" << Coord(px(t)) << "\" x2=\"" << Coord(px(t)) << "\" y1=\"" << kTop << "\" y2=\""
          << kTop + plot_h << "\"/>";
  out << "</g>";
  if (reference >= x0 && reference <= x1)
    out << "<line x1=\"" << Coord(px(reference)) << "\" x2=\"" << Coord(px(reference)) << "\" y1=\"" << kTop
        << "\" y2=\"" << kTop + plot_h << "\" stroke=\"#222\" stroke-dasharray=\"4 3\"/>";
  out << "<g fill=\"#222\">";
  for (double t : NiceTicks(x0, x1))
    if (t >= x0 && t <= x1) out << Text(px(t), kTop + plot_h + 16, "middle", ReportNumber(t));
  out << Text(kLeft + plot_w / 2, kTop + plot_h + 32, "middle", x_label) << "</g>";
  for (size_t i = 0; i < rows.size(); ++i) {
    const IntervalRow& r = rows[i];
    const double y = kTop + kRowH * (i + 0.5);
    const char* colour = kPalette[0];
    out << Text(kLeft - 8, y + 4, "end", r.label, " fill=\"#222\"");
    if (std::isfinite(r.low) && std::isfinite(r.high))
      out << "<line x1=\"" << Coord(px(r.low)) << "\" x2=\"" << Coord(px(r.high)) << "\" y1=\"" << Coord(y)
          << "\" y2=\"" << Coord(y) << "\" stroke=\"" << colour << "\" stroke-width=\"2\"/>";
    if (std::isfinite(r.estimate))
      out << "<circle cx=\"" << Coord(px(r.estimate)) << "\" cy=\"" << Coord(y) << "\" r=\"5\" stroke=\"" << colour
          << "\" stroke-width=\"2\" fill=\"" << (r.marked ? colour : "#fff") << "\"/>";
  }
  out << "</svg>";
  return out.str();
}

}  // namespace counterpoint
