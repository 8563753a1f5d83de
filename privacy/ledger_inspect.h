// What a policy's budget ledger holds, for the controller: `counterpoint ledger` and
// `cp.privacy.ledger()`.
//
// Opening a ledger to look at it verifies it (schema, hash chain, anchor: privacy/budget_ledger.h)
// and never creates one, unless asked to bind: binding at set-up, before anyone is given
// the policy, makes every later copy of the policy a bound one (privacy/ledger_binding.h;
// docs/data-protection.md, "Where the ledger lives").
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "privacy/budget_ledger.h"
#include "privacy/policy.h"

namespace counterpoint::privacy {

/// What one requester has spent on one dataset (project).
struct SpentRow {
  std::string dataset, requester;
  Spent spent;
  double delta = 0;           ///< the delta of the requester's latest release (zCDP costs convert at it)
  Guarantee composed;         ///< ComposedGuarantee(spent, delta) (no cap: the cap depends on the run's n)
  double epsilon_budget = 0;  ///< the largest budget a tier the requester holds grants (0: not listed any more)
};

/// A ledger's state.
struct LedgerState {
  bool bound = false;   ///< the policy names its ledger (`ledger_id:`)
  bool exists = false;  ///< the ledger file exists (false: an unbound policy that never released)
  std::string ledger, anchor, id;
  ChainState chain;               ///< verified
  std::vector<AuditEntry> audit;  ///< oldest first
  std::vector<SpentRow> spent;    ///< by dataset, then requester
};

/// The ledger `policy` charges, verified (under its write lock). With `bind`, a policy not
/// yet bound is bound now (its ledger created if absent: OpenPolicyLedger); without, an
/// unbound policy with no ledger is reported as such and nothing is created. Throws
/// InputError (LedgerTampered) naming the file and the fix as a release would.
LedgerState InspectLedger(const Policy& policy, bool bind);

/// The state as JSON (what `counterpoint ledger --json` prints and `cp.privacy.ledger()`
/// returns): bound, exists, ledger, anchor, id, rows, head, audit (rows as objects) and
/// spent (per dataset and requester: releases, sum_epsilon, sum_rho, delta,
/// composed_epsilon, composed_delta, route, epsilon_budget).
nlohmann::json LedgerStateJson(const LedgerState& state);

}  // namespace counterpoint::privacy
