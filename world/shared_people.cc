#include "world/shared_people.h"

#include <algorithm>
#include <stdexcept>

#include "embeddings/catalog.h"

namespace counterpoint {

SharedPeople::SharedPeople(const Population& from, Population& to, int64_t m)
    : m_(std::clamp<int64_t>(m, 0, std::min(from.n, to.n))), d_(to.dim) {
  if (from.dim != to.dim || from.rows != from.n || to.rows != to.n)
    throw std::logic_error("SharedPeople: populations of different dimensions, or sharded");
  for (int64_t u = 0; u < m_; ++u) {
    const float* a = from.Interest(u);
    float* b = to.Interest(u);
    float* e = to.Estimate(u);
    for (int64_t j = 0; j < d_; ++j) e[j] += a[j] - b[j];
    NormalizeRows(e, 1, d_);
    std::copy(a, a + d_, b);
    to.susceptibility[u] = from.susceptibility[u];
    to.appetite[u] = from.appetite[u];
    to.receptivity[u] = from.receptivity[u];
  }
  before_.assign(from.interest.begin(), from.interest.begin() + m_ * d_);
}

void SharedPeople::Merge(Population& from, Population& to) {
  for (int64_t u = 0; u < m_; ++u) {
    float* a = from.Interest(u);
    float* b = to.Interest(u);
    float* x = before_.data() + u * d_;
    const bool moved_a = !std::equal(a, a + d_, x), moved_b = !std::equal(b, b + d_, x);
    if (moved_a && moved_b) {
      for (int64_t j = 0; j < d_; ++j) x[j] = a[j] + b[j] - x[j];
      NormalizeRows(x, 1, d_);
    } else if (moved_a || moved_b) {
      std::copy(moved_a ? a : b, (moved_a ? a : b) + d_, x);
    } else {
      continue;
    }
    std::copy(x, x + d_, a);
    std::copy(x, x + d_, b);
  }
}

}  // namespace counterpoint
