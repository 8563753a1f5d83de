// Who is asking, as a determined requester would try it: spellings of one name, tiers not
// held, names not listed; and what the manifest says is spent (delta, the 1/n cap, epsilon
// that underflows to 0), and sensitivity limits checked when the policy loads.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "privacy/release.h"
#include "privacy/requester.h"
#include "privacy_test_util.h"
#include "seeded_noise_source.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using namespace privacy;
using testing::TempDir;

std::string N(const std::string& s) { return NormaliseRequester(s, "test"); }

TEST(PrivacyRequesterTest, SpellingsOfOneNameNormaliseToOneIdentity) {
  // case, surrounding and repeated white space
  EXPECT_EQ(N("  Alice   MARTIN "), "alice martin");
  EXPECT_EQ(N("alice\tmartin"), "alice martin");
  // Unicode white space (no-break space, ideographic space) and invisible characters
  EXPECT_EQ(N("Alice\u00a0Martin"), "alice martin");
  EXPECT_EQ(N("\u3000Alice Martin\u200b"), "alice martin");
  EXPECT_EQ(N("Ali\u200bce"), "alice");
  // an address, bare or with a display name (which is ignored)
  EXPECT_EQ(N("Alice.Martin@Uni.Example"), "alice.martin@uni.example");
  EXPECT_EQ(N("Alice Martin <alice.martin@uni.example>"), "alice.martin@uni.example");
  EXPECT_EQ(N("\"Martin, Alice\"   < ALICE.MARTIN@UNI.EXAMPLE >"), "alice.martin@uni.example");
  EXPECT_EQ(N("Someone Else <alice.martin@uni.example>"), "alice.martin@uni.example");
  // Unicode case folding: Latin-1, Latin Extended-A, Greek (final sigma), Cyrillic, fullwidth
  EXPECT_EQ(N("\u00c9LODIE \u0141UKASZ"), "\u00e9lodie \u0142ukasz");  // ÉLODIE ŁUKASZ
  EXPECT_EQ(N("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3"),
            N("\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2"));      // ΟΔΥΣΣΕΥΣ = οδυσσευς
  EXPECT_EQ(N("\u0418\u0412\u0410\u041d"), "\u0438\u0432\u0430\u043d");  // ИВАН -> иван
  EXPECT_EQ(N("\uff21\uff2c\uff29\uff23\uff25"), "\uff41\uff4c\uff49\uff43\uff45");  // fullwidth ALICE
  // what stays apart: other letters, other addresses
  EXPECT_NE(N("alice"), N("alicé"));
  EXPECT_NE(N("alice+x@uni.example"), N("alice@uni.example"));
}

TEST(PrivacyRequesterTest, BadNamesAreRefusedWithTheFix) {
  const InputError e1 = testing::CatchInputError([] {
    NormaliseRequester(
        "ali\x01"
        "ce",
        "--requester");
  });
  EXPECT_TRUE(testing::Contains(e1.what(),
                                "--requester: error: the requester name 'ali\x01"
                                "ce' holds a control"))
      << e1.what();
  const InputError e2 = testing::CatchInputError([] { NormaliseRequester("  \u200b ", "--requester"); });
  EXPECT_TRUE(testing::Contains(e2.what(), "is empty once white space is removed")) << e2.what();
  const InputError e3 = testing::CatchInputError([] { NormaliseRequester("al\xff", "--requester"); });
  EXPECT_TRUE(testing::Contains(e3.what(), "not UTF-8 (byte 0xff at byte 3")) << e3.what();
}

TEST(PrivacyRequesterTest, TwoEntriesThatNormaliseAlikeAreRefusedAtLoad) {
  const InputError e = testing::CatchInputError([] {
    ParsePolicy(R"(name: p
tiers: {public: {threshold: 5}, vetted_researcher: {}}
requesters:
  alice: {tiers: [public]}
  bob: {tiers: [vetted_researcher], aliases: ["  ALICE "]}
)",
                "p.yaml", ".");
  });
  EXPECT_TRUE(testing::Contains(e.what(),
                                "p.yaml:5:47: error: requesters.bob: the name 'alice' also names "
                                "requesters.alice (line 4) once normalised"))
      << e.what();
}

const char* kPolicy = R"(name: gate
ledger: ledger.sqlite
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 2.0, max_partitions_per_user: 2, max_contribution_per_partition: 3}
  ngo: {epsilon_budget: 1.0, min_cohort: 5, max_partitions_per_user: 2, max_contribution_per_partition: 3}
  public: {epsilon_budget: 3.0, threshold: 5, mechanism: gaussian, delta: 1.0e-9}
requesters:
  Alice Martin:
    tiers: [vetted_researcher]
    aliases: ["alice.martin@uni.example"]
  ngo_a: {tiers: [ngo], organisation: 6003}
  press: {tiers: [public]}
)";

std::vector<testing::FakeImpression> Rows() {
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 100; ++u) rows.push_back({u, "control", u % 4 == 0, u % 4 == 0 ? 6003 : -1, u % 2 == 0});
  return rows;
}

TEST(PrivacyRequesterTest, SpellingsShareOneBudgetAndTheLedgerChargesTheIdentity) {
  TempDir dir("requester_spellings");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control"}, Rows());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(11);
  const ReleaseResult r1 =
      Release(policy, {dir / "run", Tier::kVettedResearcher, "  ALICE   martin", 1.5, 0, dir / "a.csv", ""}, noise);
  EXPECT_EQ(r1.manifest["requester"], "alice martin");
  EXPECT_EQ(r1.manifest["requester_as_given"], "  ALICE   martin");
  // 1.5 spent of 2.0: every other spelling of the same person is the same budget
  for (const char* spelling :
       {"Alice Martin", "alice.martin@uni.example", "Dr. A. Martin <Alice.Martin@UNI.example>", "alice\u00a0martin"}) {
    const std::string out = dir / "b.csv";
    try {
      Release(policy, {dir / "run", Tier::kVettedResearcher, spelling, 0.6, 0, out, ""}, noise);
      ADD_FAILURE() << spelling << ": a second spelling got a fresh budget";
    } catch (const BudgetExceeded& e) {
      EXPECT_TRUE(testing::Contains(e.what(), "requester 'alice martin' has spent epsilon 1.5")) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  // a spelling that is not the same name (another address) is not a fresh budget either: refused
  const InputError e = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kVettedResearcher, "alice.martin+2@uni.example", 0.6, 0, dir / "c.csv", ""},
            noise);
  });
  EXPECT_TRUE(testing::Contains(e.what(),
                                "requester 'alice.martin+2@uni.example' (normalised: "
                                "'alice.martin+2@uni.example') is not listed under requesters:"))
      << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "policy.yaml:8:1: error:")) << e.what();
  // what is left (0.5) is still there for her under any spelling
  Release(policy, {dir / "run", Tier::kVettedResearcher, "alice.martin@uni.example", 0.5, 0, dir / "d.csv", ""}, noise);
  BudgetLedger ledger(policy.ledger);
  const auto audit = ledger.Audit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].requester, "alice martin");
  EXPECT_EQ(audit[1].requester, "alice martin");
  EXPECT_DOUBLE_EQ(ledger.SpentBy(ChargedDataset(policy), "alice martin").sum_epsilon, 2.0);
}

TEST(PrivacyRequesterTest, ATierTheRequesterDoesNotHoldIsRefusedByTheReleaseItself) {
  TempDir dir("requester_tiers");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control"}, Rows());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(12);
  // a vetted researcher asking for the platform tier (raw trajectories) or the ngo tier
  const InputError e = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kPlatform, "alice.martin@uni.example", 0, 0, dir / "t.csv", dir / "key"},
            noise);
  });
  EXPECT_TRUE(testing::Contains(e.what(),
                                "policy.yaml:9:3: error: requester 'Alice Martin' (asked as "
                                "'alice.martin@uni.example') does not hold the tier 'platform': "
                                "requesters.Alice Martin.tiers grants vetted_researcher"))
      << e.what();
  EXPECT_THROW(Release(policy, {dir / "run", Tier::kNgo, "Alice Martin", 0.5, 0, dir / "n.csv", ""}, noise),
               InputError);
  // the press asking for the researchers' tier, where there is no threshold
  EXPECT_THROW(Release(policy, {dir / "run", Tier::kVettedResearcher, "PRESS", 0.5, 0, dir / "v.csv", ""}, noise),
               InputError);
  for (const char* f : {"t.csv", "n.csv", "v.csv"}) EXPECT_FALSE(std::filesystem::exists(dir / f)) << f;
  // nothing was charged
  EXPECT_TRUE(BudgetLedger(policy.ledger).Audit().empty());
}

TEST(PrivacyRequesterTest, EpsilonOrRhoThatIsNotPositiveSaysSo) {
  TempDir dir("requester_epsilon");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control"}, Rows());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(13);
  const double underflow = std::strtod("1e-400", nullptr);  // 0: below the smallest double
  EXPECT_EQ(underflow, 0.0);
  const InputError e = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kVettedResearcher, "Alice Martin", underflow, 0, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e.what(), "--epsilon: error: epsilon must be positive and finite, got 0")) << e.what();
  const InputError e2 = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kVettedResearcher, "Alice Martin", -1, 0, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e2.what(), "epsilon must be positive and finite, got -1")) << e2.what();
  const InputError e3 = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kPublic, "press", 0, underflow, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e3.what(), "--rho: error: rho must be positive and finite, got 0")) << e3.what();
  EXPECT_TRUE(BudgetLedger(policy.ledger).Audit().empty());
}

// a laplace tier at delta 1e-3, its 20 releases of epsilon 0.01 each
const char* kDeltaPolicy = R"(name: delta
tiers:
  vetted_researcher: {epsilon_budget: 1.0, delta: 1.0e-3, max_partitions_per_user: 1, max_contribution_per_partition: 1}
  public: {epsilon_budget: 1.0, delta: 1.0e-3, threshold: 1, mechanism: gaussian, max_partitions_per_user: 1,
           max_contribution_per_partition: 1}
requesters:
  r: {tiers: [vetted_researcher, public]}
)";

TEST(PrivacyRequesterTest, TheManifestReportsTheComposedDeltaBelowOneOverN) {
  TempDir dir("requester_delta");
  // n = 500 users: 1/n = 2e-3 > delta = 1e-3; n = 2000: 1/n = 5e-4 <= delta. The two populations are
  // two projects (one policy each: the budget is the project's, whatever run is released)
  testing::WriteFakeRun(dir / "small", {"control"}, Rows(), std::string(64, 'b'), 500);
  testing::WriteFakeRun(dir / "large", {"control"}, Rows(), std::string(64, 'c'), 2000);
  for (const char* project : {"small", "large"}) {
    std::filesystem::create_directories(dir / project);
    testing::WriteText(dir / project + "/policy.yaml", kDeltaPolicy + std::string("project: ") + project + "\n");
  }
  const Policy small_policy = LoadPolicy(dir / "small/policy.yaml"),
               large_policy = LoadPolicy(dir / "large/policy.yaml");
  testing::SeededNoiseSource noise(14);
  nlohmann::json first, small, large;
  for (int i = 0; i < 20; ++i) {
    const nlohmann::json m =
        Release(small_policy, {dir / "small", Tier::kVettedResearcher, "r", 0.01, 0, dir / "s.csv", ""}, noise)
            .manifest;
    if (i == 0) first = m;
    small = m;
    large = Release(large_policy, {dir / "large", Tier::kVettedResearcher, "r", 0.01, 0, dir / "l.csv", ""}, noise)
                .manifest;
  }
  EXPECT_EQ(small["dataset"], "project:small");
  // one pure release: (0.01, 0)
  EXPECT_EQ(first["guarantee"]["this_release"]["delta"], 0);
  EXPECT_DOUBLE_EQ(first["guarantee"]["composed"]["epsilon"].get<double>(), 0.01);
  EXPECT_EQ(first["guarantee"]["composed"]["delta"], 0.0);
  EXPECT_EQ(first["guarantee"]["composed"]["route"], "pure sum");
  // 20 of them: the sum is 0.2 at delta 0, but as zCDP (P = 20 * 0.01^2 / 2 = 0.001) they cost
  // 0.001 + 2 sqrt(0.001 ln 1000) = 0.167226 at delta 1e-3: the manifest says which, with its delta
  const double b = 0.001 + 2 * std::sqrt(0.001 * std::log(1000.0));
  EXPECT_NEAR(b, 0.167226, 1e-6);
  EXPECT_NEAR(small["guarantee"]["composed"]["epsilon"].get<double>(), b, 1e-12);
  EXPECT_DOUBLE_EQ(small["guarantee"]["composed"]["delta"].get<double>(), 1e-3);
  EXPECT_EQ(small["guarantee"]["composed"]["route"], "zCDP conversion");
  EXPECT_DOUBLE_EQ(small["guarantee"]["delta_cap"].get<double>(), 1.0 / 500);
  EXPECT_EQ(small["guarantee"]["users"], 500);
  EXPECT_DOUBLE_EQ(small["budget"]["spent_delta_after"].get<double>(), 1e-3);
  // with 2000 users delta 1e-3 is not below 1/n: the ledger keeps to the pure sum, delta 0
  EXPECT_NEAR(large["guarantee"]["composed"]["epsilon"].get<double>(), 0.2, 1e-12);
  EXPECT_EQ(large["guarantee"]["composed"]["delta"], 0.0);
  EXPECT_LT(large["guarantee"]["composed"]["delta"].get<double>(), large["guarantee"]["delta_cap"].get<double>());
  // and a Gaussian release, which holds only at delta, is refused there, naming the key and the fix
  const InputError e = testing::CatchInputError([&] {
    Release(large_policy, {dir / "large", Tier::kPublic, "r", 0, 0.01, dir / "g.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e.what(),
                                "policy.yaml:4:3: error: tiers.public.delta: 0.001 is not below 1/n = 0.0005 "
                                "for this run's 2000 users"))
      << e.what();
  EXPECT_FALSE(std::filesystem::exists(dir / "g.csv"));
  // on the small run it goes through: (rho + 2 sqrt(rho ln 1000), 1e-3) for this release
  const nlohmann::json g =
      Release(small_policy, {dir / "small", Tier::kPublic, "r", 0, 0.01, dir / "g.csv", ""}, noise).manifest;
  EXPECT_NEAR(g["guarantee"]["this_release"]["epsilon"].get<double>(), 0.01 + 2 * std::sqrt(0.01 * std::log(1000.0)),
              1e-12);
  EXPECT_DOUBLE_EQ(g["guarantee"]["this_release"]["delta"].get<double>(), 1e-3);
  EXPECT_DOUBLE_EQ(g["guarantee"]["composed"]["delta"].get<double>(), 1e-3);
  EXPECT_FALSE(g["mechanism"].contains("delta"));
}

TEST(PrivacyRequesterTest, LedgerNeverUsesADeltaAtOrAboveTheCap) {
  // pure costs fall back to the plain sum; a zCDP cost has no valid guarantee and is refused
  const Guarantee pure = ComposedGuarantee({2.0, 100 * 0.0004, 0, 100}, 1e-3, 1e-3);
  EXPECT_DOUBLE_EQ(pure.epsilon, 2.0);
  EXPECT_EQ(pure.delta, 0.0);
  const Guarantee conv = ComposedGuarantee({2.0, 100 * 0.0004, 0, 100}, 1e-3, 1.0);
  EXPECT_NEAR(conv.epsilon, 0.02 + 2 * std::sqrt(0.02 * std::log(1000.0)), 1e-12);
  EXPECT_EQ(conv.delta, 1e-3);
  EXPECT_FALSE(ComposedGuarantee({0, 0, 0.01, 1}, 1e-3, 1e-3).valid);
  TempDir dir("requester_cap");
  BudgetLedger ledger(dir / "l.sqlite");
  const InputError e = testing::CatchInputError([&] {
    ledger.Charge("ds", "r", "public", "q", {0, 0.01}, {1.0, 1e-3}, 1e-3);
  });
  EXPECT_TRUE(testing::Contains(e.what(), "release refused: a zCDP cost")) << e.what();
  EXPECT_TRUE(ledger.Audit().empty());
}

TEST(PrivacyRequesterTest, SensitivityLimitsAreCheckedWhenThePolicyLoads) {
  // L1 = k (2c + 1) = 100000 * 2000001 > 2^30: no discrete-Laplace release is possible
  const InputError e = testing::CatchInputError([] {
    ParsePolicy(R"(name: wide
tiers:
  public: {threshold: 5, max_partitions_per_user: 100000, max_contribution_per_partition: 1000000}
  vetted_researcher: {mechanism: gaussian, epsilon_budget: 1.0e-6, max_partitions_per_user: 1000,
                      max_contribution_per_partition: 1000}
requesters:
  r: {tiers: [public, vetted_researcher]}
)",
                "wide.yaml", ".");
  });
  const std::string msg = e.what();
  EXPECT_TRUE(testing::Contains(msg,
                                "wide.yaml:3:3: error: tiers.public: the L1 sensitivity k (2 c + 1) = "
                                "200000100000 (max_partitions_per_user k = 100000, "
                                "max_contribution_per_partition c = 1000000) leaves no discrete-Laplace release "
                                "possible"))
      << msg;
  EXPECT_TRUE(testing::Contains(msg, "lower max_partitions_per_user or max_contribution_per_partition")) << msg;
  // L2^2 = 1000 (2 * 10^6 + 1) = 2000001000; epsilon_budget 1e-6 allows rho ~ 1.2e-14 per release
  EXPECT_TRUE(testing::Contains(msg,
                                "wide.yaml:4:3: error: tiers.vetted_researcher: the squared L2 sensitivity "
                                "k (2 c^2 + 1) = 2000001000"))
      << msg;
  EXPECT_EQ(e.diagnostics().size(), 2u) << msg;
}

}  // namespace
}  // namespace counterpoint
