// The homogenization observer: how similar paired users' consumption is, the measure of
// Chaney, Stewart & Engelhardt ("How algorithmic confounding in recommendation systems
// increases homogeneity and decreases utility", RecSys 2018): the Jaccard index of the sets
// of items two users consumed, averaged over pairs (each user with its nearest neighbour by
// true interest, and with a random partner), and the mean true utility of what was
// consumed. Ground truth (true interest, the user model's utility), as observers may.
// Formulas: docs/metrics.md, "homogenization".
#pragma once

#include <cstdint>
#include <vector>

namespace counterpoint {

/// |a ∩ b| / |a ∪ b| of two sorted sets of distinct item ids; NaN when both are empty.
double Jaccard(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

/// For each of n unit-norm rows (n x dim), the other row with the largest inner product
/// (cosine); ties go to the lower index. n >= 2.
std::vector<int64_t> NearestNeighbours(const float* rows, int64_t n, int64_t dim);

/// For each of n >= 2 users, a partner drawn uniformly among the n - 1 others, keyed by
/// (seed, user): the same in every arm and replicate.
std::vector<int64_t> RandomPartners(int64_t n, uint64_t seed);

/// Mean of Jaccard(sets[u], sets[partner[u]]) over the users u whose pair consumed anything
/// (a pair with two empty sets has no index); NaN if no pair has.
double MeanPairJaccard(const std::vector<std::vector<int64_t>>& sets, const std::vector<int64_t>& partner);

}  // namespace counterpoint
