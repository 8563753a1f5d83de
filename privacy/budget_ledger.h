// The privacy budget ledger: SQLite, per dataset and requester, with an append-only audit log.
//
// Every release charges its cost (pure epsilon or rho-zCDP) in one BEGIN IMMEDIATE
// transaction that first re-reads what was spent: two processes releasing at once
// are serialised by SQLite's write lock, and neither can overspend. The database runs
// in WAL mode; every row is durable once Charge returns. Rows of the audit table can
// be added, never changed or deleted: triggers abort UPDATE and DELETE through SQLite,
// and, against someone who edits the file by other means, the rows are chained by hash
// and the chain's length and head are kept in an anchor file outside the database
// (privacy/ledger_anchor.h). Charge verifies the schema, the whole chain and the anchor
// first, and refuses, naming the file and the row, if any of them was tampered with.
//
// Composition (docs/data-protection.md, "Budget"): with pure costs eps_i and zCDP
// costs rho_j, the spent (epsilon, delta) is the smaller of
//   A: sum eps_i + R + 2 sqrt(R ln(1/delta)),       R = sum rho_j     (basic composition)
//   B: P + 2 sqrt(P ln(1/delta)),                   P = R + sum eps_i^2 / 2
// (pure eps-DP implies eps^2/2-zCDP, and rho-zCDP implies (rho + 2 sqrt(rho ln(1/delta)),
// delta)-DP: Bun & Steinke, TCC 2016, Propositions 1.3 and 1.4; zCDP composes additively,
// Lemma 2.3). With no zCDP cost, A is the plain sum of the epsilons.
//
// What the spent epsilon holds at: bound A with no zCDP cost is pure DP (delta 0: basic
// composition, Dwork & Roth 2014, Theorem 3.16); bound B, and A with a zCDP cost, hold
// at the tier's delta (Proposition 1.3 converts once, after composing in zCDP, so the
// delta is not multiplied by the number of releases). ComposedGuarantee reports the
// pair; with a delta cap (1/n for a dataset of n users, Dwork & Roth 2014, Section 2.3)
// a route whose delta reaches the cap is not used, and a spend with a zCDP cost then
// has no valid guarantee.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace counterpoint::privacy {

/// What one release costs.
struct PrivacyCost {
  double epsilon = 0;  ///< pure epsilon-DP
  double rho = 0;      ///< rho-zCDP
};

/// The budget a tier grants each requester per dataset (a release charges its policy's project).
struct PrivacyBudget {
  double epsilon = 1;    ///< total epsilon
  double delta = 1e-10;  ///< delta at which zCDP costs are converted
};

/// Sums of past costs.
struct Spent {
  double sum_epsilon = 0;
  double sum_epsilon_squared = 0;
  double sum_rho = 0;
  int64_t releases = 0;
};

/// Epsilon spent at `delta` after the costs in `spent` (the smaller of bounds A and B above).
double ComposedEpsilon(const Spent& spent, double delta);

/// An (epsilon, delta)-DP guarantee; `valid` is false when no route keeps delta under the cap.
struct Guarantee {
  double epsilon = 0;
  double delta = 0;
  bool valid = true;
  std::string route;  ///< "none", "pure sum" or "zCDP conversion"
};

/// The smallest epsilon among the composition routes above whose delta stays below
/// `delta_cap`, with that delta (0 for the pure sum, `delta` for a zCDP conversion).
Guarantee ComposedGuarantee(const Spent& spent, double delta, double delta_cap = 1.0);

/// One row of the audit log.
struct AuditEntry {
  int64_t id = 0;
  std::string at_utc;  ///< ISO 8601, UTC
  std::string dataset;
  std::string requester;
  std::string tier;
  std::string what;  ///< the release: output file and query
  PrivacyCost cost;
  double delta = 0;
  std::string hash;  ///< SHA-256 of the previous row's hash and this row's content
};

/// A row's hash: SHA-256 of `prev` (the previous row's hash) and the row's fields, each
/// length-prefixed, the numbers exactly. Tests use it to re-chain rewritten rows as an
/// attacker who knows the scheme would.
std::string AuditRowHash(const std::string& prev, const AuditEntry& entry);

/// A release refused because it would overspend the budget (an InputError: exit code 2).
class BudgetExceeded : public InputError {
 public:
  using InputError::InputError;
};

/// A ledger, its anchor or its schema changed outside the gate (an InputError: exit code 2).
class LedgerTampered : public InputError {
 public:
  using InputError::InputError;
};

/// How a ledger is opened.
struct LedgerOptions {
  std::string anchor;  ///< the anchor file; empty: the ledger's path + ".anchor"
  bool create = true;  ///< create the ledger (a fresh id, an anchor of 0 rows) if the file holds none
};

/// The state of a verified chain.
struct ChainState {
  int64_t rows = 0;
  std::string head;  ///< the last row's hash
};

/// The ledger database.
class BudgetLedger {
 public:
  /// Opens the ledger at `path`, creating it (with a fresh random id) if the file holds
  /// no ledger and `options.create`; throws InputError if it cannot, or if the file holds
  /// no ledger and may not be created, or a ledger without a hash chain.
  explicit BudgetLedger(const std::string& path, const LedgerOptions& options = {});
  ~BudgetLedger();
  BudgetLedger(const BudgetLedger&) = delete;
  BudgetLedger& operator=(const BudgetLedger&) = delete;

  /// What `requester` has spent on `dataset` so far.
  Spent SpentBy(const std::string& dataset, const std::string& requester);

  /// Checks that the schema is the gate's (tables and triggers), that every row's hash is
  /// SHA-256 of the previous hash and its content, that ids run 1..n without a gap, that
  /// no cost is negative, and that the anchor holds this ledger's id, n and the head hash.
  /// Throws LedgerTampered naming the ledger (or the anchor) and the first row that breaks.
  ChainState Verify();

  /// Charges `cost` (after Verify, in the same transaction) if the composed guarantee (ComposedGuarantee with
  /// `delta_cap`) stays within `budget` (relative slack 1e-9 for rounding in the sums); appends the audit row and
  /// returns its id. Otherwise throws BudgetExceeded naming what was spent, what was asked and the budget (or the delta
  /// cap); nothing is written.
  int64_t Charge(const std::string& dataset, const std::string& requester, const std::string& tier,
                 const std::string& what, const PrivacyCost& cost, const PrivacyBudget& budget, double delta_cap = 1.0);

  /// The whole audit log, oldest first.
  std::vector<AuditEntry> Audit();

  /// Runs raw SQL (tests use it to show that the audit log refuses UPDATE and DELETE, and
  /// that what gets past the triggers is detected).
  /// Throws std::runtime_error with SQLite's message on failure.
  void Exec(const std::string& sql);

  const std::string& path() const { return path_; }
  const std::string& anchor_path() const { return anchor_path_; }
  /// The ledger's identity: 32 hex digits drawn from the CSPRNG when it was created.
  const std::string& id() const { return id_; }

 private:
  void CheckSchema();
  std::string path_, anchor_path_, id_;
  sqlite3* db_ = nullptr;
};

}  // namespace counterpoint::privacy
