// The release gate: what leaves a run directory, for whom, at what privacy cost.
//
// Inputs are a run's per-user event log (impressions.csv, written with
// output.events: true) and its manifest.json (arm names and the population's size, both
// public scenario parameters; a user id in the log at or above that size is refused). The DP
// tiers release one table: per arm x source (organic | injected) cell, the noisy
// number of users reached, impressions and clicks, after contribution bounding by
// user; the ngo tier only over the impressions of its own organisation's items.
// The cells are fixed by the scenario (public), not by the data, so suppressing cells
// whose noisy user count is under the tier's threshold is post-processing and costs
// nothing beyond the noise (docs/data-protection.md). The platform tier gets the
// per-user trajectories with user ids replaced by keyed pseudonyms.
//
// The requester must be listed in the policy and hold the tier (Policy::Requester):
// Release() refuses otherwise, whichever front end calls it. The release is charged to
// the policy's budget ledger (privacy/ledger_binding.h), under the requester's identity
// (all spellings of one name share it) and the policy's project (ChargedDataset: not the
// run, so a re-run, a sweep point or an edited manifest shares the budget), before
// anything is written; the audit row names the SHA-256 of the event log as read. Then
// the table and its manifest (FILE.manifest.json: mechanism, sensitivity, epsilon / rho,
// noise scale, bounds, the (epsilon, delta) the requester has spent after it, software
// version, scenario hash, policy hash, and guarantee.covers: whom the guarantee covers,
// each user's own rows and not that user's influence on other users' rows) are written
// atomically, the manifest last. delta stays below 1/n for the run's n users.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "privacy/noise_source.h"
#include "privacy/policy.h"

namespace counterpoint::privacy {

/// One release request.
struct ReleaseRequest {
  std::string run_dir;
  Tier tier = Tier::kPublic;
  std::string requester;  ///< any spelling of a name or address the policy lists (privacy/requester.h)
  double epsilon = 0;     ///< laplace tiers
  double rho = 0;         ///< gaussian tiers
  std::string out;        ///< release file (CSV); the manifest goes to out + ".manifest.json"
  std::string key_file;   ///< platform tier: the pseudonymisation key
};

/// What was released.
struct ReleaseResult {
  std::string out;
  std::string manifest_path;
  nlohmann::json manifest;
  int64_t cells = 0;       ///< DP tiers: cells in the table
  int64_t suppressed = 0;  ///< of which suppressed by the threshold
  int64_t rows = 0;        ///< platform tier: trajectory rows
};

/// Runs the gate. Throws InputError (bad input, tier not granted, requester not listed or
/// not holding the tier, epsilon or rho not positive, delta not below 1/n, budget exceeded
/// via BudgetExceeded) before anything is written or charged, except that a failure to
/// write after charging leaves the charge in place (never the other way round).
ReleaseResult Release(const Policy& policy, const ReleaseRequest& request, NoiseSource& noise);

/// What every release under `policy` is charged to: "project:" + the policy's project.
std::string ChargedDataset(const Policy& policy);

}  // namespace counterpoint::privacy
