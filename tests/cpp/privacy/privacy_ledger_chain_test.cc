// The ledger's hash chain and anchor: what someone with write access to the ledger tries,
// through SQLite's C API and by copying files, is detected before the next charge.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "core/io.h"
#include "privacy/budget_ledger.h"
#include "privacy/ledger_anchor.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using namespace privacy;
using testing::TempDir;

const PrivacyBudget kBudget{1.0, 1e-9};

// raw SQL on a connection of its own, as an attacker with the file would run it
void Tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

// three charges of 0.3 for alice (0.9 of her 1.0 spent): 0.35 more is refused
void ChargeThree(const std::string& path) {
  BudgetLedger ledger(path);
  for (const char* what : {"q0", "q1", "q2"}) ledger.Charge("ds", "alice", "public", what, {0.3, 0}, kBudget);
}

// the next charge, which would fit had the tampering worked, is refused naming the file
// and what broke; nothing is charged
void ExpectTampered(const std::string& path, const std::string& file, const std::string& what) {
  BudgetLedger ledger(path);
  try {
    ledger.Charge("ds", "alice", "public", "more", {0.35, 0}, kBudget);
    ADD_FAILURE() << "the charge went through: " << what;
  } catch (const LedgerTampered& e) {
    EXPECT_EQ(e.diagnostics().front().file, file);
    EXPECT_TRUE(testing::Contains(e.what(), what)) << e.what();
    EXPECT_TRUE(testing::Contains(e.what(), "restores the ledger and its anchor from a backup")) << e.what();
  }
}

const char* kColumns = "id, at_utc, dataset, requester, tier, what, epsilon, rho, delta, hash";

TEST(PrivacyLedgerChainTest, AnUntouchedLedgerVerifiesAndItsAnchorFollowsEveryRow) {
  TempDir dir("chain_ok");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  BudgetLedger ledger(path);
  EXPECT_EQ(ledger.id().size(), 32u);
  const ChainState state = ledger.Verify();
  EXPECT_EQ(state.rows, 3);
  const auto anchor = ReadAnchor(path + ".anchor");
  ASSERT_TRUE(anchor.has_value());
  EXPECT_EQ(anchor->ledger_id, ledger.id());
  EXPECT_EQ(anchor->rows, 3);
  EXPECT_EQ(anchor->head, state.head);
  // the chain recomputed here, independently: genesis, then each row over the previous hash
  std::string head = GenesisHash(ledger.id());
  for (const AuditEntry& e : ledger.Audit()) {
    head = AuditRowHash(head, e);
    EXPECT_EQ(e.hash, head);
  }
  EXPECT_EQ(head, state.head);
  // two ledgers never share an id
  EXPECT_NE(BudgetLedger(dir / "other.sqlite").id(), ledger.id());
}

TEST(PrivacyLedgerChainTest, ARowRewrittenWithInsertOrReplaceIsDetected) {
  // INSERT OR REPLACE deletes the old row without firing the DELETE trigger
  TempDir dir("chain_replace");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  Tamper(path, std::string("INSERT OR REPLACE INTO audit (") + kColumns + ") SELECT id, at_utc, dataset, " +
                   "requester, tier, what, 0, rho, delta, hash FROM audit WHERE id = 2");
  EXPECT_DOUBLE_EQ(BudgetLedger(path).SpentBy("ds", "alice").sum_epsilon, 0.6);  // the rewrite took
  ExpectTampered(path, path, "row 2 of the audit log does not match its hash");
  EXPECT_EQ(BudgetLedger(path).Audit().size(), 3u);
}

TEST(PrivacyLedgerChainTest, ADroppedTriggerIsDetectedAndSoIsTheUpdateItLetThrough) {
  TempDir dir("chain_update");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  Tamper(path, "DROP TRIGGER audit_no_update");
  ExpectTampered(path, path, "the trigger audit_no_update that keeps the audit log append-only has been dropped");
  // the trigger put back as it was, after the update it let through: the chain tells
  Tamper(path,
         "UPDATE audit SET epsilon = 0 WHERE id = 1; CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN "
         "SELECT RAISE(ABORT, 'the audit log is append-only'); END");
  ExpectTampered(path, path, "row 1 of the audit log does not match its hash");
  // a trigger replaced by one that lets everything through
  TempDir dir2("chain_update2");
  const std::string path2 = dir2 / "l.sqlite";
  ChargeThree(path2);
  Tamper(path2,
         "DROP TRIGGER audit_no_delete; CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT 1; END");
  ExpectTampered(path2, path2, "the trigger audit_no_delete has been replaced by another");
}

TEST(PrivacyLedgerChainTest, ARewriteReChainedByTheAttackerIsCaughtByTheAnchorButNotOnceTheAnchorIsRewrittenToo) {
  TempDir dir("chain_rechain");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  // rewrite row 2 to cost nothing and re-chain rows 2 and 3, as someone who knows the scheme would
  std::string id;
  std::string head;
  {
    BudgetLedger ledger(path);
    id = ledger.id();
    std::vector<AuditEntry> rows = ledger.Audit();
    rows[1].cost.epsilon = 0;
    head = GenesisHash(id);
    std::string sql = "DROP TRIGGER audit_no_update;";
    for (AuditEntry& e : rows) {
      e.hash = head = AuditRowHash(head, e);
      sql += "UPDATE audit SET epsilon = " + std::to_string(e.cost.epsilon) + ", hash = '" + e.hash +
             "' WHERE id = " + std::to_string(e.id) + ";";
    }
    sql +=
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is "
        "append-only'); END";
    Tamper(path, sql);
  }
  ExpectTampered(path, path, "row 3 (the last) does not match the head hash in the anchor " + path + ".anchor");
  // the limit, as docs/data-protection.md states it: a database and anchor rewritten consistently
  // pass; only an anchor kept out of the attacker's reach (and compared) would tell
  WriteAnchor(path + ".anchor", {id, 3, head});
  BudgetLedger ledger(path);
  EXPECT_NO_THROW(ledger.Charge("ds", "alice", "public", "more", {0.35, 0}, kBudget));
}

TEST(PrivacyLedgerChainTest, DeletedRowsAreDetected) {
  // the last rows, with the trigger dropped and put back
  TempDir dir("chain_delete");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  Tamper(path,
         "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id >= 2; CREATE TRIGGER audit_no_delete BEFORE DELETE "
         "ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END");
  ExpectTampered(path, path, "the ledger holds 1 rows but its anchor " + path + ".anchor records 3: rows 2..3");
  // a row in the middle
  TempDir dir2("chain_delete2");
  const std::string path2 = dir2 / "l.sqlite";
  ChargeThree(path2);
  Tamper(path2,
         "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 2; CREATE TRIGGER audit_no_delete BEFORE DELETE "
         "ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END");
  ExpectTampered(path2, path2, "row 3 of the audit log follows row 1: rows 2..2 have been deleted");
}

TEST(PrivacyLedgerChainTest, ALedgerRolledBackToAnOlderCopyIsDetected) {
  TempDir dir("chain_rollback");
  const std::string path = dir / "l.sqlite";
  {
    BudgetLedger ledger(path);
    ledger.Charge("ds", "alice", "public", "q0", {0.3, 0}, kBudget);
  }
  // the last connection closed: the database is whole in its main file (the WAL checkpointed)
  ASSERT_FALSE(fs::exists(path + "-wal"));
  fs::copy_file(path, dir / "backup.sqlite");
  {
    BudgetLedger ledger(path);
    ledger.Charge("ds", "alice", "public", "q1", {0.3, 0}, kBudget);
    ledger.Charge("ds", "alice", "public", "q2", {0.3, 0}, kBudget);
  }
  fs::copy_file(dir / "backup.sqlite", path, fs::copy_options::overwrite_existing);
  ExpectTampered(path, path,
                 "the ledger holds 1 rows but its anchor " + path +
                     ".anchor records 3: rows 2..3 have been deleted, or the ledger was rolled back to an older copy");
}

TEST(PrivacyLedgerChainTest, AMissingOrForeignAnchorIsDetected) {
  TempDir dir("chain_anchor");
  const std::string path = dir / "l.sqlite";
  ChargeThree(path);
  fs::rename(path + ".anchor", dir / "saved.anchor");
  ExpectTampered(path, path + ".anchor",
                 "the anchor of the budget ledger " + path + " (which holds 3 rows) is missing");
  // another ledger's anchor in its place
  ChargeThree(dir / "other.sqlite");
  fs::copy_file(dir / "other.sqlite.anchor", path + ".anchor");
  ExpectTampered(path, path + ".anchor", "the anchor is of the ledger");
  // its own anchor back: all is well
  fs::copy_file(dir / "saved.anchor", path + ".anchor", fs::copy_options::overwrite_existing);
  EXPECT_EQ(BudgetLedger(path).Verify().rows, 3);
  // an anchor kept elsewhere (the policy's anchor:) is the one compared
  const std::string far = dir / "far.anchor";
  BudgetLedger elsewhere(dir / "e.sqlite", {far});
  elsewhere.Charge("ds", "alice", "public", "q", {0.3, 0}, kBudget);
  EXPECT_EQ(ReadAnchor(far)->rows, 1);
  EXPECT_FALSE(fs::exists(dir / "e.sqlite.anchor"));
}

// A charge writes its row into the anchor as pending before the commit and folds it in
// after: a crash on either side of the commit leaves a ledger the gate accepts, with the
// row (committed) or without it (rolled back), and nothing else.
TEST(PrivacyLedgerChainTest, ACrashOnEitherSideOfTheCommitLeavesALedgerTheGateAccepts) {
  TempDir dir("chain_crash");
  const std::string path = dir / "l.sqlite", anchor_path = path + ".anchor";
  ChainState one, two;
  {
    BudgetLedger ledger(path);
    ledger.Charge("ds", "alice", "public", "q0", {0.3, 0}, kBudget);
    one = ledger.Verify();
  }
  ASSERT_FALSE(ReadAnchor(anchor_path)->pending_rows);  // folded in after the commit
  fs::copy_file(path, dir / "before_q1.sqlite");
  {
    BudgetLedger ledger(path);
    ledger.Charge("ds", "alice", "public", "q1", {0.3, 0}, kBudget);
    two = ledger.Verify();
  }
  const std::string id = ReadAnchor(anchor_path)->ledger_id;
  // crashed after the commit, before the fold: the ledger holds the pending row
  WriteAnchor(anchor_path, {id, 1, one.head, 2, two.head});
  {
    BudgetLedger ledger(path);
    EXPECT_EQ(ledger.Verify().rows, 2);
    const auto folded = ReadAnchor(anchor_path);
    EXPECT_EQ(folded->rows, 2);
    EXPECT_EQ(folded->head, two.head);
    EXPECT_EQ(folded->pending_rows, 0);
    // 0.3 + 0.3 spent: 0.35 more is over the budget of 1.0
    EXPECT_THROW(ledger.Charge("ds", "alice", "public", "q2", {0.45, 0}, kBudget), BudgetExceeded);
  }
  // crashed before the commit: the ledger lacks the pending row (the copy taken before q1)
  fs::copy_file(dir / "before_q1.sqlite", path, fs::copy_options::overwrite_existing);
  WriteAnchor(anchor_path, {id, 1, one.head, 2, two.head});
  {
    BudgetLedger ledger(path);
    EXPECT_EQ(ledger.Verify().rows, 1);
    EXPECT_EQ(ReadAnchor(anchor_path)->rows, 1);
    EXPECT_EQ(ReadAnchor(anchor_path)->pending_rows, 0);
  }
  // a pending row that is neither in the ledger nor its next row is no excuse: a ledger
  // two rows behind its anchor's pending row is refused
  {
    BudgetLedger ledger(path);
    ledger.Charge("ds", "alice", "public", "q1'", {0.3, 0}, kBudget);
    ledger.Charge("ds", "alice", "public", "q2'", {0.3, 0}, kBudget);
    const ChainState three = ledger.Verify();
    WriteAnchor(anchor_path, {id, 3, three.head, 4, three.head});
  }
  fs::copy_file(dir / "before_q1.sqlite", path, fs::copy_options::overwrite_existing);
  ExpectTampered(path, path, "the ledger holds 1 rows but its anchor " + anchor_path + " records 3");
}

// through the CLI, as a requester who can write the ledger's file would try it
TEST(PrivacyLedgerChainTest, TheCliRefusesAReleaseFromATamperedLedger) {
  TempDir dir("chain_cli");
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 200; ++u) rows.push_back({u, "control", false, -1, u % 2 == 0});
  testing::WriteFakeRun(dir / "run", {"control"}, rows, std::string(64, 'c'), 400);
  testing::WriteText(dir / "policy.yaml", R"(name: chain
tiers:
  public: {epsilon_budget: 1.0, threshold: 10}
requesters:
  mallory: {tiers: [public]}
)");
  const std::string base = std::string(COUNTERPOINT_CLI) + " release " + (dir / "run") + " --policy " +
                           (dir / "policy.yaml") + " --tier public --requester mallory --out ";
  ASSERT_EQ(testing::RunCommand(base + (dir / "1.csv") + " --epsilon 0.9").status, 0);
  // her spend rewritten to nothing: a full-budget release would go through without the chain
  Tamper(dir / "ledger.sqlite", std::string("INSERT OR REPLACE INTO audit (") + kColumns +
                                    ") SELECT id, at_utc, dataset, requester, tier, what, 0, rho, delta, hash FROM "
                                    "audit WHERE id = 1");
  const auto r = testing::RunCommand(base + (dir / "2.csv") + " --epsilon 1.0");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(
      testing::Contains(r.output, dir / "ledger.sqlite" + ": error: row 1 of the audit log does not match its hash"))
      << r.output;
  EXPECT_FALSE(fs::exists(dir / "2.csv"));
}

}  // namespace
}  // namespace counterpoint
