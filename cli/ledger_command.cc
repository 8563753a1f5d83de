// counterpoint ledger --policy P [--bind] [--json]: what a policy's budget ledger holds
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "privacy/ledger_inspect.h"

namespace counterpoint::cli {

namespace {
struct LedgerArgs {
  std::string policy;
  bool bind = false, json = false;
};

void PrintText(const privacy::LedgerState& st, const std::string& policy) {
  if (!st.exists) {
    std::cout << "The policy " << policy << " is not bound to a ledger and has never released (no ledger at "
              << st.ledger << ").\nBind it before giving it out: counterpoint ledger --policy " << policy
              << " --bind\n";
    return;
  }
  std::cout << "Ledger " << st.ledger << " (id " << st.id << (st.bound ? ", bound to the policy" : ", not bound yet")
            << ")\nAnchor " << st.anchor << ": " << st.chain.rows << " row(s), head " << st.chain.head
            << "\nVerified: schema, hash chain and anchor agree.\n";
  if (st.spent.empty()) {
    std::cout << "No releases yet.\n";
    return;
  }
  std::cout << "\nSpent, per project and requester (composed at the delta of the latest release):\n";
  for (const privacy::SpentRow& r : st.spent)
    std::cout << "  " << r.dataset << "  " << std::left << std::setw(24) << r.requester << std::right << std::setw(4)
              << r.spent.releases << " release(s)  epsilon " << std::setprecision(4) << r.composed.epsilon << " (delta "
              << r.composed.delta << ", " << r.composed.route << ") of " << r.epsilon_budget << "\n";
  std::cout << "\nAudit log (oldest first):\n";
  for (const privacy::AuditEntry& e : st.audit)
    std::cout << "  " << e.id << "  " << e.at_utc << "  " << e.requester << "  " << e.tier << "  epsilon "
              << e.cost.epsilon << "  rho " << e.cost.rho << "  " << e.what << "\n";
}
}  // namespace

Action AddLedgerCommand(CLI::App& app) {
  auto args = std::make_shared<LedgerArgs>();
  CLI::App* cmd =
      app.add_subcommand("ledger", "Show (and verify) a policy's budget ledger, or bind the policy to one.");
  cmd->footer(
      "Verifies the ledger as a release would (schema, hash chain, anchor) and prints what\n"
      "each requester has spent on each project, and the audit log. Never creates a ledger,\n"
      "except with --bind: a policy that has not released yet is then bound to a new ledger\n"
      "(its id appended to the policy as ledger_id:), so that copies of the policy given out\n"
      "afterwards are bound too. See docs/data-protection.md, \"Where the ledger lives\".\n"
      "Example: counterpoint ledger --policy my/ngo.yaml --bind");
  cmd->add_option("--policy", args->policy, "data-protection policy YAML")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--bind", args->bind, "bind a policy that is not bound yet (creating its ledger)");
  cmd->add_flag("--json", args->json, "print the state as JSON");
  return [args]() {
    const privacy::Policy policy = privacy::LoadPolicy(args->policy);
    const privacy::LedgerState st = privacy::InspectLedger(policy, args->bind);
    if (args->json)
      std::cout << privacy::LedgerStateJson(st).dump(2) << "\n";
    else
      PrintText(st, args->policy);
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("ledger", AddLedgerCommand);
}  // namespace

}  // namespace counterpoint::cli
