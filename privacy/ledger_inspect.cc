#include "privacy/ledger_inspect.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "privacy/ledger_binding.h"

namespace counterpoint::privacy {

namespace {
// the largest epsilon budget among the tiers `requester` (an id) holds under `policy`
double BudgetOf(const Policy& policy, const std::string& requester) {
  double best = 0;
  if (const auto r = policy.requesters.find(requester); r != policy.requesters.end())
    for (Tier t : r->second.tiers)
      if (const auto tier = policy.tiers.find(t); tier != policy.tiers.end())
        best = std::max(best, tier->second.budget.epsilon);
  return best;
}
}  // namespace

LedgerState InspectLedger(const Policy& policy, bool bind) {
  LedgerState st;
  st.ledger = policy.ledger;
  st.anchor = policy.anchor;
  st.exists = std::filesystem::exists(policy.ledger);
  std::unique_ptr<BudgetLedger> ledger;
  if (bind || !policy.ledger_id.empty()) {
    ledger = OpenPolicyLedger(policy);  // binds an unbound policy; refuses a bound one's missing ledger
    st.exists = true;
  } else if (st.exists) {
    ledger = std::make_unique<BudgetLedger>(policy.ledger, LedgerOptions{policy.anchor, false});
  } else {
    return st;  // unbound, never released: nothing to show, nothing created
  }
  st.bound = bind || !policy.ledger_id.empty();
  st.id = ledger->id();
  ledger->Exec("BEGIN IMMEDIATE");  // as a charge does: the anchor is read and folded under the lock
  std::map<std::pair<std::string, std::string>, SpentRow> by;
  try {
    st.chain = ledger->Verify();
    st.audit = ledger->Audit();
    // what each requester spent on each dataset, summed by the ledger as a charge sums it
    for (const AuditEntry& e : st.audit) {
      SpentRow& row = by[{e.dataset, e.requester}];
      if (row.spent.releases == 0) row.spent = ledger->SpentBy(e.dataset, e.requester);
      row.dataset = e.dataset;
      row.requester = e.requester;
      row.delta = e.delta;  // the latest release's
    }
    ledger->Exec("COMMIT");
  } catch (...) {
    try {
      ledger->Exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  for (auto& [key, row] : by) {
    row.composed = ComposedGuarantee(row.spent, row.delta);
    row.epsilon_budget = BudgetOf(policy, row.requester);
    st.spent.push_back(row);
  }
  return st;
}

nlohmann::json LedgerStateJson(const LedgerState& st) {
  nlohmann::json j = {{"bound", st.bound},
                      {"exists", st.exists},
                      {"ledger", st.ledger},
                      {"anchor", st.anchor},
                      {"id", st.id},
                      {"rows", st.chain.rows},
                      {"head", st.chain.head},
                      {"audit", nlohmann::json::array()},
                      {"spent", nlohmann::json::array()}};
  for (const AuditEntry& e : st.audit)
    j["audit"].push_back({{"id", e.id},
                          {"at_utc", e.at_utc},
                          {"dataset", e.dataset},
                          {"requester", e.requester},
                          {"tier", e.tier},
                          {"what", e.what},
                          {"epsilon", e.cost.epsilon},
                          {"rho", e.cost.rho},
                          {"delta", e.delta},
                          {"hash", e.hash}});
  for (const SpentRow& r : st.spent)
    j["spent"].push_back({{"dataset", r.dataset},
                          {"requester", r.requester},
                          {"releases", r.spent.releases},
                          {"sum_epsilon", r.spent.sum_epsilon},
                          {"sum_rho", r.spent.sum_rho},
                          {"delta", r.delta},
                          {"composed_epsilon", r.composed.epsilon},
                          {"composed_delta", r.composed.delta},
                          {"route", r.composed.route},
                          {"epsilon_budget", r.epsilon_budget}});
  return j;
}

}  // namespace counterpoint::privacy
