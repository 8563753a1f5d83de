#include "privacy/contribution_bounding.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace counterpoint::privacy {

void ContributionRows::Add(int64_t u, int64_t p, const std::vector<int64_t>& v) {
  if (static_cast<int>(v.size()) != n_values) throw std::invalid_argument("ContributionRows::Add: wrong value count");
  user.push_back(u);
  partition.push_back(p);
  values.insert(values.end(), v.begin(), v.end());
}

BoundedTable BoundContributions(const ContributionRows& rows, int64_t n_partitions, const BoundingPolicy& policy,
                                NoiseSource& src) {
  const int m = rows.n_values;
  const int64_t k = policy.max_partitions_per_user, c = policy.max_contribution_per_partition;
  if (k < 1 || c < 1) throw std::invalid_argument("BoundContributions: bounds must be >= 1");
  BoundedTable out;
  out.n_partitions = n_partitions;
  out.n_values = m;
  out.sums.assign(n_partitions * m, 0);
  out.users.assign(n_partitions, 0);

  // sort row indexes by (user, partition) so each user's pairs are contiguous
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return rows.user[a] != rows.user[b] ? rows.user[a] < rows.user[b] : rows.partition[a] < rows.partition[b];
  });

  // per user: sum each value column per partition (saturating at c, values below 0 count as 0)
  struct Pair {
    int64_t partition;
    std::vector<int64_t> sums;
  };
  std::vector<Pair> pairs;
  size_t i = 0;
  while (i < order.size()) {
    const int64_t u = rows.user[order[i]];
    pairs.clear();
    for (; i < order.size() && rows.user[order[i]] == u; ++i) {
      const size_t r = order[i];
      const int64_t p = rows.partition[r];
      if (p < 0 || p >= n_partitions)
        throw std::invalid_argument("BoundContributions: partition " + std::to_string(p) + " out of range");
      if (pairs.empty() || pairs.back().partition != p) pairs.push_back({p, std::vector<int64_t>(m, 0)});
      for (int j = 0; j < m; ++j) {
        const int64_t v = std::max<int64_t>(rows.values[r * m + j], 0);
        pairs.back().sums[j] = std::min(c, pairs.back().sums[j] + std::min(v, c));
      }
    }
    // keep k of the user's partitions, chosen uniformly (partial Fisher-Yates)
    const size_t keep = std::min<size_t>(pairs.size(), static_cast<size_t>(k));
    for (size_t j = 0; j < keep && pairs.size() > keep; ++j)
      std::swap(pairs[j], pairs[j + src.Uniform(pairs.size() - j)]);
    out.dropped_pairs += static_cast<int64_t>(pairs.size() - keep);
    for (size_t j = 0; j < keep; ++j) {
      const Pair& pr = pairs[j];
      for (int v = 0; v < m; ++v) out.sums[pr.partition * m + v] += pr.sums[v];
      out.users[pr.partition] += 1;
    }
  }
  return out;
}

int64_t L1Sensitivity(const BoundingPolicy& policy, int n_values) {
  return policy.max_partitions_per_user * (n_values * policy.max_contribution_per_partition + 1);
}

int64_t L2SensitivitySquared(const BoundingPolicy& policy, int n_values) {
  const int64_t c = policy.max_contribution_per_partition;
  return policy.max_partitions_per_user * (n_values * c * c + 1);
}

}  // namespace counterpoint::privacy
