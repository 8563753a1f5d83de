// An access session: what a caller of a given tier may read from a run directory.
//
// The Python package (and any other front end) opens one AccessSession per user of the
// toolkit, for a requester the policy lists and a tier it grants that requester. Raw per-user trajectories are readable
// in a platform session only, and even then with pseudonymised user ids; any other tier
// gets PermissionDenied (Python: PermissionError) naming the tier and the policy, and
// must go through Release() for DP aggregates.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "privacy/policy.h"
#include "privacy/run_events.h"

namespace counterpoint::privacy {

/// Access refused by the policy. The Python binding maps it to PermissionError.
class PermissionDenied : public std::runtime_error {
 public:
  PermissionDenied(const std::string& tier, const std::string& policy, const std::string& what);
  const std::string& tier() const { return tier_; }
  const std::string& policy() const { return policy_; }

 private:
  std::string tier_, policy_;
};

/// One pseudonymised trajectory row.
struct TrajectoryRow {
  int64_t step = 0;
  std::string arm;
  int64_t replicate = 0;
  std::string user;  ///< pseudonym
  int64_t item = 0;
  int64_t position = 0;
  bool injected = false;
  int64_t organisation = -1;
  bool clicked = false;
  bool dismissed = false;  ///< marked "not interested"
};

class AccessSession {
 public:
  /// A session of `requester` (any spelling of a name or alias under the policy's
  /// requesters:) in `tier` under `policy`; throws InputError if the policy does not grant
  /// the tier, or does not list the requester, or the requester does not hold the tier.
  AccessSession(Policy policy, Tier tier, const std::string& requester);

  Tier tier() const { return tier_; }
  /// The requester's identity (the normalised key under requesters:).
  const std::string& requester() const { return requester_; }
  const Policy& policy() const { return policy_; }

  /// The run's per-user trajectories with pseudonymised user ids (key: `key_file`).
  /// Throws PermissionDenied unless this is a platform session.
  std::vector<TrajectoryRow> ReadTrajectories(const std::string& run_dir, const std::string& key_file) const;

  /// Throws PermissionDenied unless the session's tier may read raw per-user data.
  void RequireRawAccess(const std::string& what) const;

 private:
  Policy policy_;
  Tier tier_;
  std::string requester_;
};

}  // namespace counterpoint::privacy
