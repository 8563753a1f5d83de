// Which budget ledger a policy charges: the policy is bound to one ledger by its id.
//
// The ledger's path (`ledger:`) is relative to the policy file, so a path alone does not
// say which ledger a policy has spent: a byte-identical copy of the policy elsewhere, or
// a policy whose ledger was deleted, would find no file there and start afresh. So
// binding (`counterpoint ledger --bind`, privacy/ledger_inspect.h) or else the first
// release under a policy creates the ledger (with a random id, privacy/budget_ledger.h)
// and records `ledger_id: ID` at the end of the policy file; from then on the policy
// charges only the ledger with that id. A bound policy whose ledger is missing, empty or
// another ledger, or an unbound policy whose ledger is missing while its anchor records
// releases, is refused, naming the file and the fix: never a fresh ledger.
#pragma once

#include <memory>

#include "privacy/budget_ledger.h"
#include "privacy/policy.h"

namespace counterpoint::privacy {

/// The ledger `policy` charges, opened; created (and its id recorded in the policy file)
/// only for a policy that is not bound yet and whose anchor, if any, records no release. Throws
/// InputError naming the ledger, the anchor or the policy and the fix otherwise.
std::unique_ptr<BudgetLedger> OpenPolicyLedger(const Policy& policy);

}  // namespace counterpoint::privacy
