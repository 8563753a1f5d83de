// The user population as arrays over users (structure of arrays).
#pragma once

#include <cstdint>
#include <vector>

#include "core/params.h"
#include "embeddings/catalog.h"

namespace counterpoint {

struct PopulationParams {
  int64_t n_users = 5000;
  double susceptibility_alpha = 2, susceptibility_beta = 5;  ///< Beta: how fast interest drifts
  double appetite_alpha = 2, appetite_beta = 2;              ///< Beta: appeal of extremity in choice
  double receptivity_alpha = 2, receptivity_beta = 2;        ///< Beta: response to counter-narratives
  double session_alpha = 4, session_beta = 2;                ///< Beta: probability of a session per step
  double interest_noise = 0.3;                               ///< norm of noise around the starting (mainstream) item
  double estimate_noise = 0.3;                               ///< norm of noise in the system's cold-start estimate
  int history_length = 0;  ///< ring buffer of consumed items per user; 0: as long as the observers read
};

ComponentSpec PopulationSpec();
PopulationParams PopulationParamsFrom(const Params& p);

/// Mutable per-user state. The arrays hold the users [first, first + rows): all of them
/// (first 0, rows n) in one process; under MPI sharding, the rank's contiguous block
/// (docs/cluster.md, "MPI"). Row Row(u) of each array belongs to user u.
struct Population {
  int64_t n = 0;      ///< users in the run (every block together)
  int64_t first = 0;  ///< the first user held
  int64_t rows = 0;   ///< users held: [first, first + rows)
  int64_t dim = 0;
  int history_length = 0;
  std::vector<float> interest;         ///< n x dim, unit norm: true interest (hidden from the system)
  std::vector<float> estimate;         ///< n x dim, unit norm: the system's estimate, learned from clicks
  std::vector<float> susceptibility;   ///< in (0,1)
  std::vector<float> appetite;         ///< in (0,1)
  std::vector<float> receptivity;      ///< in (0,1)
  std::vector<float> session_prob;     ///< in (0,1)
  std::vector<int32_t> history;        ///< n x history_length consumed item ids, -1 = empty
  std::vector<int32_t> history_step;   ///< n x history_length: the step of each consumption
  std::vector<int32_t> history_head;   ///< next write position
  std::vector<int32_t> history_count;  ///< filled slots (<= history_length)
  std::vector<int32_t> sessions, impressions, clicks;  ///< per-user counters (steps x slate < 2^31: Scenario)

  /// The row of user u (first <= u < first + rows).
  int64_t Row(int64_t u) const { return u - first; }
  float* Interest(int64_t u) { return interest.data() + Row(u) * dim; }
  const float* Interest(int64_t u) const { return interest.data() + Row(u) * dim; }
  float* Estimate(int64_t u) { return estimate.data() + Row(u) * dim; }
  const float* Estimate(int64_t u) const { return estimate.data() + Row(u) * dim; }

  /// Sizes the consumption ring buffers (empty) for n_users rows of `length` entries each.
  void AllocateHistory(int64_t n_users, int length) {
    history_length = length;
    history.assign(n_users * length, -1);
    history_step.assign(n_users * length, -1);
    history_head.assign(n_users, 0);
    history_count.assign(n_users, 0);
  }
  /// Records that user u consumed `item` at `step`.
  void PushHistory(int64_t u, int64_t item, int64_t step) {
    if (history_length == 0) return;  // no observer reads it
    const int64_t r = Row(u);
    history[r * history_length + history_head[r]] = static_cast<int32_t>(item);  // < 2^31: GeneratePopulation
    history_step[r * history_length + history_head[r]] = static_cast<int32_t>(step);
    history_head[r] = (history_head[r] + 1) % history_length;
    if (history_count[r] < history_length) ++history_count[r];
  }
  /// Bytes held by the arrays.
  int64_t memory_bytes() const;
};

/// The contiguous block of users rank `rank` of `size` holds under MPI sharding:
/// [n r / size, n (r + 1) / size).
struct UserBlock {
  int64_t first = 0, rows = 0;
};
UserBlock BlockOfUsers(int64_t n, int rank, int size);

/// Draws a population: each user starts near a random mainstream item (any item
/// if the catalog has none); traits are Beta-distributed. Deterministic in seed, and
/// each user's draws depend on the user alone: `block` (default: every user) holds
/// exactly the rows the whole population would.
Population GeneratePopulation(const PopulationParams& p, const Catalog& catalog, uint64_t seed,
                              UserBlock block = {0, -1});

}  // namespace counterpoint
