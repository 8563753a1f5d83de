// The budget ledger's anchor: its row count and head hash, kept outside the database.
//
// Every row of the ledger's audit log stores hash = SHA-256(the previous row's hash ||
// the row's canonical content); the first row's previous hash is GenesisHash(ledger id).
// The anchor, a small JSON file beside the ledger (LEDGER.anchor) or where the policy's
// `anchor:` names, records the ledger's id, its number of rows and the last row's hash.
// The ledger rewrites it atomically, under the database's write lock, with every row it
// appends, and compares the recomputed chain with it before every charge
// (BudgetLedger::Verify). A charge writes the row it is about to commit as `pending`
// before the commit and folds it in after, so a crash between the two leaves an anchor
// that matches the ledger either way (with the row or without it). Someone who can rewrite the database and the anchor
// consistently is not detected: docs/data-protection.md, "The ledger's integrity".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace counterpoint::privacy {

/// What the anchor records.
struct LedgerAnchor {
  LedgerAnchor() = default;
  LedgerAnchor(std::string id, int64_t n, std::string hash, int64_t pending_n = 0, std::string pending_hash = "")
      : ledger_id(std::move(id)),
        rows(n),
        head(std::move(hash)),
        pending_rows(pending_n),
        pending_head(std::move(pending_hash)) {}

  std::string ledger_id;
  int64_t rows = 0;
  std::string head;  ///< hash of the last row (GenesisHash(ledger_id) with no rows)
  /// The row a charge is committing (0: none): the ledger may hold `rows` rows or
  /// `pending_rows` (= rows + 1) rows ending in `pending_head`.
  int64_t pending_rows = 0;
  std::string pending_head;
};

/// The previous hash of a ledger's first row: SHA-256 of "counterpoint budget ledger " + id.
std::string GenesisHash(const std::string& ledger_id);

/// The anchor at `path`, or nothing if there is no file; throws InputError naming the
/// file if it is not a valid anchor.
std::optional<LedgerAnchor> ReadAnchor(const std::string& path);

/// Writes the anchor atomically (a temporary file renamed into place).
void WriteAnchor(const std::string& path, const LedgerAnchor& anchor);

}  // namespace counterpoint::privacy
