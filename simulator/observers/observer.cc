#include "simulator/observers/observer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace counterpoint {

std::vector<std::string> DefaultObservers() {
  return {"exposure", "rabbit_hole", "extremity", "engagement", "diversity"};
}

double Gini(const std::vector<int64_t>& counts, std::vector<int64_t>& scratch) {
  // G = sum_i (2i - n - 1) x_(i) / (n sum x), x sorted ascending, i = 1..n
  scratch.assign(counts.begin(), counts.end());
  std::sort(scratch.begin(), scratch.end());
  const double n = static_cast<double>(scratch.size());
  double total = 0, weighted = 0;
  for (size_t i = 0; i < scratch.size(); ++i) {
    total += static_cast<double>(scratch[i]);
    weighted += (2.0 * (i + 1) - n - 1.0) * static_cast<double>(scratch[i]);
  }
  return total > 0 ? weighted / (n * total) : std::nan("");  // undefined without any count
}

double EntropyBits(const std::vector<int64_t>& h) {
  const double total = static_cast<double>(std::accumulate(h.begin(), h.end(), int64_t{0}));
  double e = 0;
  for (int64_t c : h)
    if (c > 0) e -= (c / total) * std::log2(c / total);
  return total > 0 ? e : std::nan("");
}

double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return NAN;
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  std::nth_element(v.begin(), v.begin() + lo, v.end());
  const double a = v[lo];
  if (lo + 1 >= v.size()) return a;
  const double b = *std::min_element(v.begin() + lo + 1, v.end());
  return a + (pos - lo) * (b - a);
}

}  // namespace counterpoint
