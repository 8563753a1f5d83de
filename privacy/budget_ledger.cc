#include "privacy/budget_ledger.h"

#include <cmath>
#include <ctime>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace counterpoint::privacy {

namespace {
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_utc TEXT NOT NULL,
  dataset TEXT NOT NULL,
  requester TEXT NOT NULL,
  tier TEXT NOT NULL,
  what TEXT NOT NULL,
  epsilon REAL NOT NULL CHECK (epsilon >= 0),
  rho REAL NOT NULL CHECK (rho >= 0),
  delta REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_dataset ON audit (dataset, requester);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

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
}  // namespace

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

BudgetLedger::BudgetLedger(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path, "cannot open the budget ledger: " + msg);
  }
  // wait for another writer rather than fail; WAL lets readers run beside a writer
  sqlite3_busy_timeout(db_, 60000);
  try {
    Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    Exec(kSchema);
  } catch (const std::runtime_error& e) {
    sqlite3_close(db_);
    db_ = nullptr;
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
  try {
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
    Statement ins(db_,
                  "INSERT INTO audit (at_utc, dataset, requester, tier, what, epsilon, rho, delta) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    const std::string now = NowUtc();
    sqlite3_bind_text(ins.get(), 1, now.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins.get(), 2, dataset.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins.get(), 3, requester.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins.get(), 4, tier.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins.get(), 5, what.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins.get(), 6, cost.epsilon);
    sqlite3_bind_double(ins.get(), 7, cost.rho);
    sqlite3_bind_double(ins.get(), 8, budget.delta);
    if (sqlite3_step(ins.get()) != SQLITE_DONE) throw std::runtime_error(std::string("ledger: ") + sqlite3_errmsg(db_));
    const int64_t id = sqlite3_last_insert_rowid(db_);
    Exec("COMMIT");
    return id;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<AuditEntry> BudgetLedger::Audit() {
  Statement q(db_, "SELECT id, at_utc, dataset, requester, tier, what, epsilon, rho, delta FROM audit ORDER BY id");
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
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace counterpoint::privacy
