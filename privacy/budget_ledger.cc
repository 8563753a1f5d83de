#include "privacy/budget_ledger.h"

#include <sodium.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/hash.h"
#include "privacy/ledger_anchor.h"

namespace counterpoint::privacy {

namespace {
// created once, with a new ledger; CheckSchema compares what the file holds with these
const char* kTables = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at_utc TEXT NOT NULL,
  dataset TEXT NOT NULL,
  requester TEXT NOT NULL,
  tier TEXT NOT NULL,
  what TEXT NOT NULL,
  epsilon REAL NOT NULL CHECK (epsilon >= 0),
  rho REAL NOT NULL CHECK (rho >= 0),
  delta REAL NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_dataset ON audit (dataset, requester);
)sql";

const std::vector<std::pair<std::string, std::string>> kTriggers = {
    {"audit_no_update",
     "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is "
     "append-only'); END"},
    {"audit_no_delete",
     "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is "
     "append-only'); END"},
    {"meta_no_update",
     "CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'the ledger id is fixed'); END"},
    {"meta_no_delete",
     "CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT, 'the ledger id is fixed'); END"}};

const char* kRestore =
    ": the ledger can no longer be trusted, and no release is made from it; the controller restores the ledger "
    "and its anchor from a backup they trust (docs/data-protection.md, \"The ledger's integrity\")";

// a prepared statement, finalised on scope exit
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("ledger: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string NowUtc() {
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::string RandomId() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char hex[2 * sizeof raw + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  return hex;
}

int64_t Count(sqlite3* db, const std::string& sql) {
  Statement q(db, sql.c_str());
  return sqlite3_step(q.get()) == SQLITE_ROW ? sqlite3_column_int64(q.get(), 0) : 0;
}
}  // namespace

// the fields each length-prefixed (no field can run into the next), the numbers exactly
// (%a: the bits of the double)
std::string AuditRowHash(const std::string& prev, const AuditEntry& e) {
  std::string bytes = prev;
  for (const std::string* f : {&e.at_utc, &e.dataset, &e.requester, &e.tier, &e.what})
    bytes += std::to_string(f->size()) + ":" + *f;
  char nums[128];
  std::snprintf(nums, sizeof nums, "%lld|%a|%a|%a", static_cast<long long>(e.id), e.cost.epsilon, e.cost.rho, e.delta);
  return Sha256Hex(bytes + nums);
}

double ComposedEpsilon(const Spent& s, double delta) {
  const double log_term = std::log(1.0 / delta);
  const double r = s.sum_rho;
  const double a = s.sum_epsilon + (r > 0 ? r + 2.0 * std::sqrt(r * log_term) : 0.0);
  const double p = r + s.sum_epsilon_squared / 2.0;
  const double b = p > 0 ? p + 2.0 * std::sqrt(p * log_term) : 0.0;
  return std::min(a, b);
}

Guarantee ComposedGuarantee(const Spent& s, double delta, double delta_cap) {
  const double log_term = std::log(1.0 / delta);
  const double r = s.sum_rho;
  const bool delta_ok = delta < delta_cap;
  Guarantee g;
  if (s.releases == 0 || (s.sum_epsilon == 0 && r == 0)) {
    g.route = "none";
    return g;
  }
  // A: the pure sum, plus the zCDP costs converted at delta
  if (r == 0) {
    g = {s.sum_epsilon, 0.0, true, "pure sum"};
  } else if (delta_ok) {
    g = {s.sum_epsilon + r + 2.0 * std::sqrt(r * log_term), delta, true, "zCDP conversion"};
  } else {
    g = {std::numeric_limits<double>::infinity(), delta, false, "none"};
  }
  // B: everything as zCDP, converted once at delta
  const double p = r + s.sum_epsilon_squared / 2.0;
  const double b = p + 2.0 * std::sqrt(p * log_term);
  if (delta_ok && b < g.epsilon) g = {b, delta, true, "zCDP conversion"};
  return g;
}

BudgetLedger::BudgetLedger(const std::string& path, const LedgerOptions& options)
    : path_(path), anchor_path_(options.anchor.empty() ? path + ".anchor" : options.anchor) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path, "cannot open the budget ledger: " + msg);
  }
  // wait for another writer rather than fail; WAL lets readers run beside a writer
  sqlite3_busy_timeout(db_, 60000);
  try {
    Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    // under the write lock: two processes creating the ledger at once make one
    Exec("BEGIN IMMEDIATE");
    try {
      const bool fresh = Count(db_, "SELECT COUNT(*) FROM sqlite_master") == 0;
      if (fresh && !options.create)
        throw InputError(path,
                         "holds no budget ledger (an empty database), where one is expected: restore the ledger "
                         "and its anchor from a backup (docs/data-protection.md, \"Where the ledger lives\")");
      if (fresh) {
        Exec(kTables);
        for (const auto& [name, sql] : kTriggers) Exec(sql);
        id_ = RandomId();
        Exec("INSERT INTO meta (key, value) VALUES ('ledger_id', '" + id_ + "')");
        WriteAnchor(anchor_path_, {id_, 0, GenesisHash(id_)});
      } else {
        if (Count(db_, "SELECT COUNT(*) FROM pragma_table_info('audit') WHERE name = 'hash'") == 0)
          throw InputError(path,
                           "not a hash-chained budget ledger (an audit table without a hash column, or none: a "
                           "ledger made before counterpoint chained its rows, or another database); its rows cannot "
                           "be verified: keep it as the record of past releases, and bind the policy to a new "
                           "ledger (a new ledger: path; docs/data-protection.md, \"The ledger's integrity\")");
        Statement q(db_, "SELECT value FROM meta WHERE key = 'ledger_id'");
        if (sqlite3_step(q.get()) == SQLITE_ROW) id_ = Text(q.get(), 0);
        if (id_.empty()) throw LedgerTampered(path, std::string("the ledger has no id (meta.ledger_id)") + kRestore);
      }
      Exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  } catch (const std::runtime_error& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    if (dynamic_cast<const InputError*>(&e)) throw;
    throw InputError(path, std::string("not a usable budget ledger: ") + e.what());
  }
}

BudgetLedger::~BudgetLedger() { sqlite3_close(db_); }

void BudgetLedger::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

void BudgetLedger::CheckSchema() {
  std::map<std::string, std::string> triggers;
  Statement q(db_, "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'");
  while (sqlite3_step(q.get()) == SQLITE_ROW) triggers[Text(q.get(), 0)] = Text(q.get(), 1);
  for (const auto& [name, sql] : kTriggers) {
    auto it = triggers.find(name);
    if (it == triggers.end())
      throw LedgerTampered(path_, "the trigger " + name +
                                      " that keeps the audit log append-only has been dropped, so rows may have "
                                      "been changed through SQLite" +
                                      kRestore);
    if (it->second != sql)
      throw LedgerTampered(path_,
                           "the trigger " + name + " has been replaced by another (" + it->second + ")" + kRestore);
    triggers.erase(it);
  }
  if (!triggers.empty())
    throw LedgerTampered(
        path_, "the ledger holds a trigger the gate did not create (" + triggers.begin()->first + ")" + kRestore);
}

ChainState BudgetLedger::Verify() {
  CheckSchema();
  ChainState state{0, GenesisHash(id_)};
  for (const AuditEntry& e : Audit()) {
    const std::string row = "row " + std::to_string(e.id) + " of the audit log";
    if (e.id != state.rows + 1)
      throw LedgerTampered(path_, row + " follows row " + std::to_string(state.rows) + ": rows " +
                                      std::to_string(state.rows + 1) + ".." + std::to_string(e.id - 1) +
                                      " have been deleted" + kRestore);
    if (!(e.cost.epsilon >= 0) || !(e.cost.rho >= 0) || !std::isfinite(e.cost.epsilon) || !std::isfinite(e.cost.rho))
      throw LedgerTampered(path_, row + " has a negative or non-finite cost" + kRestore);
    const std::string expected = AuditRowHash(state.head, e);
    if (e.hash != expected)
      throw LedgerTampered(path_, row +
                                      " does not match its hash: it (or a row before it) was rewritten after it "
                                      "was written (INSERT OR REPLACE, UPDATE, or an edit of the file)" +
                                      kRestore);
    state.rows = e.id;
    state.head = expected;
  }
  const std::optional<LedgerAnchor> anchor = ReadAnchor(anchor_path_);
  const std::string rows = std::to_string(state.rows);
  if (!anchor) {
    if (state.rows == 0) {  // created, never charged: nothing to lose
      WriteAnchor(anchor_path_, {id_, 0, state.head});
      return state;
    }
    throw LedgerTampered(anchor_path_, "the anchor of the budget ledger " + path_ + " (which holds " + rows +
                                           " rows) is missing: without it, rows deleted from the end or a roll-back "
                                           "to an older copy cannot be told from the real ledger" +
                                           kRestore);
  }
  if (anchor->ledger_id != id_)
    throw LedgerTampered(anchor_path_, "the anchor is of the ledger " + anchor->ledger_id + ", but " + path_ +
                                           " is the ledger " + id_ + ": one of them has been replaced" + kRestore);
  if (anchor->pending_rows > 0) {
    // a charge stopped between writing its row into the anchor and folding it in (Charge):
    // the ledger holds that row (committed) or not (rolled back), and either is the real ledger
    const bool committed = state.rows == anchor->pending_rows && state.head == anchor->pending_head;
    const bool rolled_back = state.rows == anchor->rows && state.head == anchor->head;
    if (committed || rolled_back) {
      WriteAnchor(anchor_path_, {id_, state.rows, state.head});
      return state;
    }
  }
  if (anchor->rows > state.rows)
    throw LedgerTampered(path_, "the ledger holds " + rows + " rows but its anchor " + anchor_path_ + " records " +
                                    std::to_string(anchor->rows) + ": rows " + std::to_string(state.rows + 1) + ".." +
                                    std::to_string(anchor->rows) +
                                    " have been deleted, or the ledger was rolled back to an older copy" + kRestore);
  if (anchor->rows < state.rows)
    throw LedgerTampered(path_,
                         "the ledger holds " + rows + " rows but its anchor " + anchor_path_ + " records " +
                             std::to_string(anchor->rows) + ": rows " + std::to_string(anchor->rows + 1) + ".." + rows +
                             " were added outside the gate, or the anchor was rolled back to an older copy" + kRestore);
  if (anchor->head != state.head)
    throw LedgerTampered(path_, "row " + rows + " (the last) does not match the head hash in the anchor " +
                                    anchor_path_ +
                                    ": the ledger's rows were rewritten and re-chained, or the "
                                    "ledger was replaced by another of the same length" +
                                    kRestore);
  return state;
}

Spent BudgetLedger::SpentBy(const std::string& dataset, const std::string& requester) {
  Statement q(db_,
              "SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(epsilon * epsilon), 0), COALESCE(SUM(rho), 0), "
              "COUNT(*) FROM audit WHERE dataset = ?1 AND requester = ?2");
  sqlite3_bind_text(q.get(), 1, dataset.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q.get(), 2, requester.c_str(), -1, SQLITE_TRANSIENT);
  Spent s;
  if (sqlite3_step(q.get()) == SQLITE_ROW) {
    s.sum_epsilon = sqlite3_column_double(q.get(), 0);
    s.sum_epsilon_squared = sqlite3_column_double(q.get(), 1);
    s.sum_rho = sqlite3_column_double(q.get(), 2);
    s.releases = sqlite3_column_int64(q.get(), 3);
  } else {
    throw std::runtime_error(std::string("ledger: ") + sqlite3_errmsg(db_));
  }
  return s;
}

int64_t BudgetLedger::Charge(const std::string& dataset, const std::string& requester, const std::string& tier,
                             const std::string& what, const PrivacyCost& cost, const PrivacyBudget& budget,
                             double delta_cap) {
  if (!(cost.epsilon >= 0) || !(cost.rho >= 0) || !std::isfinite(cost.epsilon) || !std::isfinite(cost.rho))
    throw std::invalid_argument("ledger: a cost must be finite and non-negative");
  // the write lock is taken before reading what was spent: no other process can charge in between
  Exec("BEGIN IMMEDIATE");
  int64_t charged = 0;
  try {
    const ChainState chain = Verify();
    Spent s = SpentBy(dataset, requester);
    const Guarantee before = ComposedGuarantee(s, budget.delta, delta_cap);
    s.sum_epsilon += cost.epsilon;
    s.sum_epsilon_squared += cost.epsilon * cost.epsilon;
    s.sum_rho += cost.rho;
    s.releases += 1;
    const Guarantee after = ComposedGuarantee(s, budget.delta, delta_cap);
    if (!after.valid) {
      std::ostringstream msg;
      msg.precision(6);
      msg << "release refused: a zCDP cost (rho " << s.sum_rho << " spent by requester '" << requester
          << "' on dataset " << dataset
          << " with this release) converts to (epsilon, delta)-DP only at the tier's delta " << budget.delta
          << ", which is not below 1/n = " << delta_cap
          << " for this dataset's users: at delta >= 1/n a mechanism may publish a user's rows outright (Dwork & Roth "
             "2014, Section 2.3); lower the tier's delta below 1/n in the policy";
      throw BudgetExceeded(path_, msg.str());
    }
    if (after.epsilon > budget.epsilon * (1 + 1e-9)) {
      std::ostringstream msg;
      msg.precision(6);
      msg << "release refused: requester '" << requester << "' has spent epsilon " << before.epsilon << " (delta "
          << before.delta << ") on dataset " << dataset << " in " << s.releases - 1 << " release(s); this one (epsilon "
          << cost.epsilon << ", rho " << cost.rho << ") would bring it to " << after.epsilon << " (delta "
          << after.delta << "), over the budget " << budget.epsilon;
      throw BudgetExceeded(path_, msg.str());
    }
    AuditEntry e;
    e.id = chain.rows + 1;
    e.at_utc = NowUtc();
    e.dataset = dataset;
    e.requester = requester;
    e.tier = tier;
    e.what = what;
    e.cost = cost;
    e.delta = budget.delta;
    e.hash = AuditRowHash(chain.head, e);
    Statement ins(db_,
                  "INSERT INTO audit (id, at_utc, dataset, requester, tier, what, epsilon, rho, delta, hash) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    sqlite3_bind_int64(ins.get(), 1, e.id);
    int col = 2;
    for (const std::string* f : {&e.at_utc, &e.dataset, &e.requester, &e.tier, &e.what})
      sqlite3_bind_text(ins.get(), col++, f->c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins.get(), 7, cost.epsilon);
    sqlite3_bind_double(ins.get(), 8, cost.rho);
    sqlite3_bind_double(ins.get(), 9, budget.delta);
    sqlite3_bind_text(ins.get(), 10, e.hash.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(ins.get()) != SQLITE_DONE) throw std::runtime_error(std::string("ledger: ") + sqlite3_errmsg(db_));
    // the anchor moves under the write lock, so anchors of racing processes never go back.
    // It records the row as pending before the commit, so a crash on either side of the
    // commit leaves an anchor that Verify accepts (with the row or without it); a commit
    // that fails puts the old anchor back
    WriteAnchor(anchor_path_, {id_, chain.rows, chain.head, e.id, e.hash});
    try {
      Exec("COMMIT");
    } catch (...) {
      WriteAnchor(anchor_path_, {id_, chain.rows, chain.head});
      throw;
    }
    charged = e.id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  // fold the pending row in, under the lock again (another charge may have come first and
  // folded it already); if this fails, the next charge's Verify folds it
  try {
    Exec("BEGIN IMMEDIATE");
    Verify();
    Exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return charged;
}

std::vector<AuditEntry> BudgetLedger::Audit() {
  Statement q(db_,
              "SELECT id, at_utc, dataset, requester, tier, what, epsilon, rho, delta, hash FROM audit ORDER BY id");
  std::vector<AuditEntry> out;
  while (sqlite3_step(q.get()) == SQLITE_ROW) {
    AuditEntry e;
    e.id = sqlite3_column_int64(q.get(), 0);
    e.at_utc = Text(q.get(), 1);
    e.dataset = Text(q.get(), 2);
    e.requester = Text(q.get(), 3);
    e.tier = Text(q.get(), 4);
    e.what = Text(q.get(), 5);
    e.cost.epsilon = sqlite3_column_double(q.get(), 6);
    e.cost.rho = sqlite3_column_double(q.get(), 7);
    e.delta = sqlite3_column_double(q.get(), 8);
    e.hash = Text(q.get(), 9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace counterpoint::privacy
