#include "core/multiplicity.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace counterpoint {

int DefinedCount(std::span<const double> p) {
  return static_cast<int>(std::count_if(p.begin(), p.end(), [](double x) { return !std::isnan(x); }));
}

std::vector<double> HolmAdjust(std::span<const double> p) {
  std::vector<double> out(p.begin(), p.end());
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  // ascending p, ties in input order (the adjusted values do not depend on it)
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  const double m = static_cast<double>(order.size());
  double running = 0;
  for (size_t j = 0; j < order.size(); ++j) {
    running = std::max(running, std::min(1.0, (m - static_cast<double>(j)) * p[order[j]]));
    out[order[j]] = running;
  }
  return out;
}

}  // namespace counterpoint
