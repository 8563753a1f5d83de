// The budget ledger: composition against closed forms, refusal, restart, two writers, append-only audit.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <random>

#include "privacy/budget_ledger.h"
#include "privacy_test_util.h"

namespace counterpoint {
namespace {

using namespace privacy;
using testing::TempDir;

// Bun & Steinke (2016), computed here independently of the ledger: the smaller of basic
// composition (pure sum + zCDP conversion) and conversion of everything to zCDP
double ClosedForm(const std::vector<PrivacyCost>& costs, double delta) {
  double eps = 0, eps2 = 0, rho = 0;
  for (const auto& c : costs) {
    eps += c.epsilon;
    eps2 += c.epsilon * c.epsilon;
    rho += c.rho;
  }
  const double l = std::log(1 / delta);
  const double basic = eps + (rho > 0 ? rho + 2 * std::sqrt(rho * l) : 0);
  const double all_zcdp = rho + eps2 / 2 + 2 * std::sqrt((rho + eps2 / 2) * l);
  return costs.empty() ? 0 : std::min(basic, all_zcdp);
}

TEST(PrivacyLedgerTest, ComposedEpsilonMatchesHandComputedValues) {
  // pure only: the plain sum (conversion 0.5^2/2*2 + 2 sqrt(0.25 ln 1e9) = 4.8 is worse)
  EXPECT_DOUBLE_EQ(ComposedEpsilon({0.5 + 0.5, 0.25 + 0.25, 0, 2}, 1e-9), 1.0);
  // zCDP only: rho = 0.01, delta = 1e-6: 0.01 + 2 sqrt(0.01 * 13.8155) = 0.753402...
  EXPECT_NEAR(ComposedEpsilon({0, 0, 0.01, 1}, 1e-6), 0.01 + 2 * std::sqrt(0.01 * 13.815510557964274), 1e-12);
  // many small pure costs: 100 x 0.01 sums to 1.0, but as zCDP: 0.005 + 2 sqrt(0.005 * 13.8155) = 0.5307
  EXPECT_NEAR(ComposedEpsilon({1.0, 100 * 1e-4, 0, 100}, 1e-6), 0.005 + 2 * std::sqrt(0.005 * 13.815510557964274),
              1e-12);
}

// one commit (with fsync) per charge: ~20 s, hence Slow
TEST(SlowPrivacyLedgerTest, RandomQuerySequencesMatchClosedFormComposition) {
  // 1000 sequences of 1..12 random charges (pure or zCDP) against random budgets: every charge
  // is accepted exactly when the closed form stays within the budget, and the ledger's sums match
  TempDir dir("ledger_random");
  BudgetLedger ledger(dir / "ledger.sqlite");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  int accepted = 0, refused = 0;
  for (int s = 0; s < 1000; ++s) {
    const std::string dataset = "d" + std::to_string(s);
    const PrivacyBudget budget{0.5 + 3 * u(rng), std::pow(10.0, -4 - 8 * u(rng))};
    std::vector<PrivacyCost> kept;
    const int len = 1 + static_cast<int>(rng() % 12);
    for (int q = 0; q < len; ++q) {
      PrivacyCost c;
      if (rng() % 2)
        c.epsilon = 0.6 * u(rng);
      else
        c.rho = 0.05 * u(rng);
      std::vector<PrivacyCost> next = kept;
      next.push_back(c);
      const bool fits = ClosedForm(next, budget.delta) <= budget.epsilon * (1 + 1e-9);
      bool ok = true;
      try {
        ledger.Charge(dataset, "r", "vetted_researcher", "q", c, budget);
      } catch (const BudgetExceeded&) {
        ok = false;
      }
      ASSERT_EQ(ok, fits) << "sequence " << s << " query " << q;
      if (ok) kept = next;
      ok ? ++accepted : ++refused;
    }
    const Spent spent = ledger.SpentBy(dataset, "r");
    EXPECT_EQ(spent.releases, static_cast<int64_t>(kept.size()));
    EXPECT_NEAR(ComposedEpsilon(spent, budget.delta), ClosedForm(kept, budget.delta), 1e-9);
  }
  // both branches were exercised
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(refused, 500);
}

TEST(PrivacyLedgerTest, OverspendRefusedAndStateSurvivesRestart) {
  TempDir dir("ledger_restart");
  const PrivacyBudget budget{1.0, 1e-9};
  {
    BudgetLedger ledger(dir / "l.sqlite");
    for (int i = 0; i < 10; ++i) ledger.Charge("ds", "alice", "public", "q" + std::to_string(i), {0.1, 0}, budget);
    EXPECT_THROW(ledger.Charge("ds", "alice", "public", "q10", {0.001, 0}, budget), BudgetExceeded);
  }
  // a new process (here: a new connection) sees the same spend and refuses the same query
  BudgetLedger again(dir / "l.sqlite");
  const Spent s = again.SpentBy("ds", "alice");
  EXPECT_EQ(s.releases, 10);
  EXPECT_NEAR(s.sum_epsilon, 1.0, 1e-12);
  EXPECT_THROW(again.Charge("ds", "alice", "public", "q10", {0.001, 0}, budget), BudgetExceeded);
  // another dataset or requester starts from zero
  again.Charge("ds2", "alice", "public", "q", {1.0, 0}, budget);
  again.Charge("ds", "bob", "public", "q", {1.0, 0}, budget);
  EXPECT_EQ(again.Audit().size(), 12u);
}

TEST(PrivacyLedgerTest, AuditLogIsAppendOnly) {
  TempDir dir("ledger_audit");
  BudgetLedger ledger(dir / "l.sqlite");
  ledger.Charge("ds", "alice", "ngo", "reach.csv", {0.25, 0}, {1, 1e-9});
  EXPECT_THROW(ledger.Exec("UPDATE audit SET epsilon = 0"), std::runtime_error);
  EXPECT_THROW(ledger.Exec("DELETE FROM audit"), std::runtime_error);
  const auto audit = ledger.Audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].dataset, "ds");
  EXPECT_EQ(audit[0].what, "reach.csv");
  EXPECT_DOUBLE_EQ(audit[0].cost.epsilon, 0.25);
  EXPECT_EQ(audit[0].at_utc.size(), 20u);  // 2026-01-02T03:04:05Z
}

TEST(PrivacyLedgerTest, TwoProcessesChargingAtOnceNeverOverspend) {
  // two forked processes each try 120 charges of 0.0125 against a budget of 1.0 at delta 1e-9: in
  // total exactly the largest n whose closed-form composition fits may pass (n = 150: converting to
  // zCDP beats the plain sum 1.875). Without the BEGIN IMMEDIATE read-check-write transaction both
  // would read the same spend and the total could exceed the budget (or charges would be lost).
  int n_max = 0;
  while (ClosedForm(std::vector<PrivacyCost>(n_max + 1, {0.0125, 0}), 1e-9) <= 1.0 * (1 + 1e-9)) ++n_max;
  EXPECT_EQ(n_max, 150);
  TempDir dir("ledger_two");
  const std::string path = dir / "l.sqlite";
  { BudgetLedger init(path); }
  pid_t kids[2];
  for (pid_t& kid : kids) {
    kid = fork();
    ASSERT_GE(kid, 0);
    if (kid == 0) {
      int code = 0;
      try {
        BudgetLedger ledger(path);
        for (int i = 0; i < 120; ++i) {
          try {
            ledger.Charge("ds", "alice", "public", "q", {0.0125, 0}, {1.0, 1e-9});
          } catch (const BudgetExceeded&) {
          }
        }
      } catch (...) {
        code = 3;
      }
      _exit(code);
    }
  }
  for (pid_t kid : kids) {
    int status = 0;
    waitpid(kid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  BudgetLedger ledger(path);
  const Spent s = ledger.SpentBy("ds", "alice");
  EXPECT_EQ(s.releases, n_max);
  EXPECT_NEAR(s.sum_epsilon, 0.0125 * n_max, 1e-9);
  EXPECT_LE(ComposedEpsilon(s, 1e-9), 1.0 * (1 + 1e-9));
}

}  // namespace
}  // namespace counterpoint
