// Contribution bounding by user, before any aggregation.
//
// The unit of privacy is one user (docs/data-protection.md): two datasets are
// neighbours when they differ by all the rows of one user. Every user is cut to at
// most k partitions (chosen uniformly at random among theirs, with the gate's noise
// source) and, within a partition, each value column is clamped to [0, c]; the
// partition then also counts the user once. k and c come from the policy, never from
// the data (Wilson et al., "Differentially Private SQL with Bounded User Contribution",
// PoPETs 2020). One user then moves the released table by at most k (m c + 1) in L1
// and sqrt(k (m c^2 + 1)) in L2, for m value columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "privacy/noise_source.h"

namespace counterpoint::privacy {

/// Bounds from the policy.
struct BoundingPolicy {
  int64_t max_partitions_per_user = 1;         ///< k
  int64_t max_contribution_per_partition = 1;  ///< c, per value column
};

/// Input rows: user, partition (0..n_partitions-1) and n_values non-negative values each.
struct ContributionRows {
  int n_values = 1;
  std::vector<int64_t> user;
  std::vector<int64_t> partition;
  std::vector<int64_t> values;  ///< row-major, rows x n_values
  void Add(int64_t u, int64_t p, const std::vector<int64_t>& v);
  size_t size() const { return user.size(); }
};

/// Per-partition totals after bounding.
struct BoundedTable {
  int64_t n_partitions = 0;
  int n_values = 1;
  std::vector<int64_t> sums;   ///< n_partitions x n_values
  std::vector<int64_t> users;  ///< distinct users per partition
  int64_t dropped_pairs = 0;   ///< (user, partition) pairs cut by the k bound (diagnostic, never released)
};

/// Groups rows by (user, partition), keeps at most k partitions per user, clamps each
/// value sum to [0, c] and adds up per partition. Throws std::invalid_argument on a
/// partition outside [0, n_partitions).
BoundedTable BoundContributions(const ContributionRows& rows, int64_t n_partitions, const BoundingPolicy& policy,
                                NoiseSource& src);

/// L1 sensitivity of the whole table (values and user counts): k (m c + 1).
int64_t L1Sensitivity(const BoundingPolicy& policy, int n_values);
/// Squared L2 sensitivity of the whole table: k (m c^2 + 1).
int64_t L2SensitivitySquared(const BoundingPolicy& policy, int n_values);

}  // namespace counterpoint::privacy
