#include "privacy/ledger_binding.h"

#include <filesystem>

#include "core/error.h"
#include "core/hash.h"
#include "core/io.h"
#include "privacy/ledger_anchor.h"

namespace counterpoint::privacy {

namespace {
const char* kRestore =
    "; a new ledger would give every requester of this policy a fresh budget. Release with the policy file that "
    "lives beside its ledger (a copy of the policy elsewhere shares nothing with it), or restore the ledger and its "
    "anchor from a backup (docs/data-protection.md, \"Where the ledger lives\")";

// appends `ledger_id: ID` to the policy file, as loaded; the result must load with that id
void RecordLedgerId(const Policy& policy, const std::string& id) {
  const std::string manual = "; add the line 'ledger_id: " + id + "' to the policy yourself, then release again";
  std::string text = ReadFile(policy.file);
  try {  // already recorded since this policy was loaded (an earlier release, another process)
    if (ParsePolicy(text, policy.file, ".").ledger_id == id) return;
  } catch (const InputError&) {
  }
  if (Sha256Hex(text) != policy.sha256)
    throw InputError(policy.file, "the policy changed while the release ran; release again");
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "ledger_id: " + id +
          "  # written when the policy was bound (its first release, or counterpoint ledger --bind): it "
          "charges only that ledger (docs/data-protection.md)\n";
  try {
    if (ParsePolicy(text, policy.file, ".").ledger_id != id) throw InputError(policy.file, "");
  } catch (const InputError&) {
    throw InputError(policy.file,
                     "cannot append the ledger's id to the policy (its last line does not end the "
                     "top-level map)" +
                         manual);
  }
  try {
    WriteFileAtomic(policy.file, text);
  } catch (const std::exception& e) {
    throw InputError(policy.file,
                     std::string("cannot record the ledger's id in the policy (") + e.what() + ")" + manual);
  }
}
}  // namespace

std::unique_ptr<BudgetLedger> OpenPolicyLedger(const Policy& policy) {
  const bool exists = std::filesystem::exists(policy.ledger);
  if (!policy.ledger_id.empty()) {
    const SourceLocation& at = policy.ledger_id_where;
    if (!exists)
      throw InputError(policy.ledger, "no budget ledger here, but the policy " + policy.file +
                                          " is bound to the ledger " + policy.ledger_id + " (ledger_id: at line " +
                                          std::to_string(at.line) + "): it has released before" + kRestore);
    auto ledger = std::make_unique<BudgetLedger>(policy.ledger, LedgerOptions{policy.anchor, false});
    if (ledger->id() != policy.ledger_id)
      throw InputError(policy.file, at.line, at.column,
                       "ledger_id: the policy is bound to the ledger " + policy.ledger_id + ", but " + policy.ledger +
                           " is the ledger " + ledger->id() + kRestore);
    return ledger;
  }
  if (!exists)
    if (const auto anchor = ReadAnchor(policy.anchor); anchor && anchor->rows > 0)
      throw InputError(policy.ledger, "no budget ledger here, but its anchor " + policy.anchor + " records " +
                                          std::to_string(anchor->rows) + " row(s) of the ledger " + anchor->ledger_id +
                                          ": the ledger was deleted or moved" + kRestore);
  auto ledger = std::make_unique<BudgetLedger>(policy.ledger, LedgerOptions{policy.anchor, true});
  RecordLedgerId(policy, ledger->id());
  return ledger;
}

}  // namespace counterpoint::privacy
