// The release gate end to end: policy -> bounded, noised, thresholded table -> ledger -> files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "privacy/release.h"
#include "privacy_test_util.h"
#include "seeded_noise_source.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using namespace privacy;
using testing::FakeImpression;
using testing::TempDir;

// the public tier's 20 requesters r0..r19 each have a budget of their own
const std::string kPolicy = [] {
  std::string p = R"(name: test_policy
ledger: ledger.sqlite
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 2.0, max_partitions_per_user: 2, max_contribution_per_partition: 3}
  ngo: {epsilon_budget: 1.0, min_cohort: 20, max_partitions_per_user: 2, max_contribution_per_partition: 3}
  public: {epsilon_budget: 3.0, threshold: 40, mechanism: gaussian, delta: 1.0e-9, max_partitions_per_user: 2,
           max_contribution_per_partition: 3}
requesters:
  alice: {tiers: [vetted_researcher]}
  bob: {tiers: [vetted_researcher]}
  carol: {tiers: [vetted_researcher]}
  a: {tiers: [vetted_researcher]}
  x: {tiers: [vetted_researcher, public]}
  ngo_a: {tiers: [ngo], organisation: 6003}
  ngo_b: {tiers: [ngo], organisation: 6004}
)";
  for (int i = 0; i < 20; ++i) p += "  r" + std::to_string(i) + ": {tiers: [public]}\n";
  return p;
}();

// 300 users in arm "control" (organic), 30 of them also in "campaign" (injected, org 6003),
// 5 in "campaign" organic: the campaign/organic cell is far below every threshold
std::vector<FakeImpression> SmallRun() {
  std::vector<FakeImpression> rows;
  for (int u = 0; u < 300; ++u)
    for (int i = 0; i < 4; ++i) rows.push_back({u, "control", false, -1, i == 0});
  for (int u = 0; u < 30; ++u) rows.push_back({u, "campaign", true, 6003, u % 2 == 0});
  for (int u = 0; u < 5; ++u) rows.push_back({u, "campaign", false, -1, false});
  return rows;
}

struct Released {
  std::map<std::string, std::vector<std::string>> cells;  // "arm/source" -> row
};

Released ReadRelease(const std::string& path) {
  const CsvTable t = ReadCsv(path);
  Released r;
  for (const auto& row : t.rows) r.cells[row[0] + "/" + row[1]] = row;
  return r;
}

TEST(PrivacyReleaseTest, VettedResearcherGetsBoundedNoisyCountsAndIsCharged) {
  TempDir dir("release");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control", "campaign"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(1);
  ReleaseRequest req{dir / "run", Tier::kVettedResearcher, "alice", 1.0, 0, dir / "out.csv", ""};
  const ReleaseResult res = Release(policy, req, noise);
  EXPECT_EQ(res.cells, 4);
  // L1 sensitivity k (m c + 1) = 2 (2 * 3 + 1) = 14: the scale is 14 / epsilon, rounded up on a 2^-20 grid
  const auto& mech = res.manifest["mechanism"];
  EXPECT_EQ(mech["name"], "discrete_laplace");
  EXPECT_EQ(mech["l1_sensitivity"], 14);
  EXPECT_GE(mech["scale_value"].get<double>(), 14.0);
  EXPECT_LT(mech["scale_value"].get<double>(), 14.0 + 2.0 / (1 << 20));
  EXPECT_LE(mech["epsilon_realised"].get<double>(), 1.0);
  EXPECT_EQ(res.manifest["scenario_sha256"], std::string(64, 'a'));
  EXPECT_EQ(res.manifest["tier"], "vetted_researcher");
  // control/organic: 300 users, each clamped to 3 impressions (900), 300 clicks. A noise draw
  // exceeds 14 * 12 = 168 in magnitude with probability 2 exp(-12) / (1 + e^-1/14) ~ 6e-6 per draw
  const Released r = ReadRelease(dir / "out.csv");
  const auto& row = r.cells.at("control/organic");
  ASSERT_EQ(row[5], "released");
  EXPECT_NEAR(std::stod(row[2]), 300, 168);
  EXPECT_NEAR(std::stod(row[3]), 900, 168);
  EXPECT_NEAR(std::stod(row[4]), 300, 168);
  // the ledger has the charge, and the manifest names it
  BudgetLedger ledger(policy.ledger);
  const auto audit = ledger.Audit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].requester, "alice");
  EXPECT_EQ(audit[0].tier, "vetted_researcher");
  EXPECT_DOUBLE_EQ(audit[0].cost.epsilon, 1.0);
  EXPECT_EQ(res.manifest["ledger_entry"], audit[0].id);
  EXPECT_TRUE(std::filesystem::exists(dir / "out.csv.manifest.json"));
}

TEST(PrivacyReleaseTest, OverspendIsRefusedAndNothingIsWritten) {
  TempDir dir("release_overspend");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control", "campaign"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(2);
  Release(policy, {dir / "run", Tier::kVettedResearcher, "bob", 1.5, 0, dir / "a.csv", ""}, noise);
  // 1.5 + 0.6 > 2.0: refused, and no file appears
  EXPECT_THROW(Release(policy, {dir / "run", Tier::kVettedResearcher, "bob", 0.6, 0, dir / "b.csv", ""}, noise),
               BudgetExceeded);
  EXPECT_FALSE(std::filesystem::exists(dir / "b.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir / "b.csv.manifest.json"));
  // another requester has a budget of their own; 1.5 + 0.5 = 2.0 still fits for bob
  Release(policy, {dir / "run", Tier::kVettedResearcher, "carol", 2.0, 0, dir / "c.csv", ""}, noise);
  Release(policy, {dir / "run", Tier::kVettedResearcher, "bob", 0.5, 0, dir / "d.csv", ""}, noise);
}

TEST(PrivacyReleaseTest, NoReleasedCellIsBelowTheThreshold) {
  // public: threshold 40 on the noisy user count; ngo: min_cohort 20 on its own organisation only.
  // This fails if a cell whose noisy count is under the threshold were written out.
  TempDir dir("release_threshold");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control", "campaign"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(3);
  int suppressed = 0, released = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string out = dir / ("p" + std::to_string(i) + ".csv");
    Release(policy, {dir / "run", Tier::kPublic, "r" + std::to_string(i), 0, 0.05, out, ""}, noise);
    for (const auto& [cell, row] : ReadRelease(out).cells) {
      if (row[5] == "released") {
        EXPECT_GE(std::stoll(row[2]), 40) << cell;
        ++released;
      } else {
        EXPECT_EQ(row[2], "") << cell;
        ++suppressed;
      }
    }
  }
  // control/organic (300 users, 13 sigma above 40) is always released, the empty control/injected
  // cell almost never: L2 sensitivity^2 = 2 (2 * 9 + 1) = 38, sigma^2 = 38 / 0.1 = 380, sigma 19.5
  EXPECT_GE(released, 20);
  EXPECT_GE(suppressed, 20);
  const std::string ngo_out = dir / "ngo.csv";
  const ReleaseResult res = Release(policy, {dir / "run", Tier::kNgo, "ngo_a", 0.5, 0, ngo_out, ""}, noise);
  const CsvTable t = ReadCsv(ngo_out);
  ASSERT_EQ(t.header[2], "organisation");
  for (const auto& row : t.rows) {
    EXPECT_EQ(row[2], "6003");
    if (row[6] == "released") {
      EXPECT_GE(std::stoll(row[3]), 20);
    }
  }
  EXPECT_EQ(res.manifest["organisation"], 6003);
}

TEST(PrivacyReleaseTest, NgoRequesterMustBeListedAndMechanismMustMatch) {
  TempDir dir("release_errors");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(4);
  const InputError e = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kNgo, "ngo_c", 0.5, 0, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e.what(), "requester 'ngo_c' (normalised: 'ngo_c') is not listed under requesters:"))
      << e.what();
  // the public tier is gaussian here: --epsilon is the wrong knob
  const InputError e2 = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kPublic, "x", 0.5, 0, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e2.what(), "--rho")) << e2.what();
  // "campaign" appears in the log but not in the manifest's arms
  const InputError e3 = testing::CatchInputError([&] {
    Release(policy, {dir / "run", Tier::kVettedResearcher, "x", 0.5, 0, dir / "x.csv", ""}, noise);
  });
  EXPECT_TRUE(testing::Contains(e3.what(), "impressions.csv:")) << e3.what();
  EXPECT_FALSE(std::filesystem::exists(dir / "x.csv"));
}

TEST(PrivacyReleaseTest, TwoReleasesOfTheSameInputDiffer) {
  // the CLI's noise comes from the CSPRNG: two releases of the same run differ (with 4 cells x 3
  // values of discrete Laplace noise at scale 14, equal tables have probability below 0.04^12)
  TempDir dir("release_differ");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control", "campaign"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  CsprngNoiseSource noise1, noise2;
  Release(policy, {dir / "run", Tier::kVettedResearcher, "a", 0.5, 0, dir / "1.csv", ""}, noise1);
  Release(policy, {dir / "run", Tier::kVettedResearcher, "a", 0.5, 0, dir / "2.csv", ""}, noise2);
  EXPECT_NE(ReadFile(dir / "1.csv"), ReadFile(dir / "2.csv"));
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

using namespace privacy;
using testing::TempDir;

TEST(PrivacyReleaseTest, AnOutputOverTheGatesOwnFilesOrInsideTheRunIsRefused) {
  TempDir dir("release_out");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  testing::WriteFakeRun(dir / "run", {"control", "campaign"}, SmallRun());
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  testing::SeededNoiseSource noise(1);
  const std::string run = dir / "run";
  // spelled another way too: through a ./ and a .. the path is the same file
  const std::vector<std::pair<std::string, std::string>> refused = {
      {dir / "policy.yaml", "is the policy file"},
      {dir / "run/../ledger.sqlite", "is the policy's budget ledger"},
      {dir / "ledger.sqlite-wal", "is the policy's budget ledger"},
      {dir / "run/metrics.csv", "lies in the run directory"},
      {dir / "run/new.csv", "lies in the run directory"},
      {dir / "./ledger.sqlite.manifest.json.csv", ""},  // allowed: another file
  };
  for (const auto& [out, why] : refused) {
    ReleaseRequest req{run, Tier::kVettedResearcher, "alice", 0.1, 0, out, ""};
    if (why.empty()) {
      EXPECT_NO_THROW(Release(policy, req, noise)) << out;
      continue;
    }
    try {
      Release(policy, req, noise);
      ADD_FAILURE() << out << " was accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  }
  // the key, and an --out whose manifest (out + ".manifest.json") would land on the policy
  auto message = [&](const Policy& p, const ReleaseRequest& req) {
    try {
      Release(p, req, noise);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  testing::WriteText(dir / "with_ops.yaml", kPolicy + "  ops: {tiers: [platform]}\n");
  const Policy with_ops = LoadPolicy(dir / "with_ops.yaml");
  EXPECT_NE(message(with_ops, {run, Tier::kPlatform, "ops", 0, 0, dir / "key.bin", dir / "key.bin"})
                .find("is the pseudonymisation key"),
            std::string::npos);
  testing::WriteText(dir / "rel.csv.manifest.json", kPolicy);
  const Policy odd = LoadPolicy(dir / "rel.csv.manifest.json");
  EXPECT_NE(
      message(odd, {run, Tier::kVettedResearcher, "alice", 0.1, 0, dir / "rel.csv", ""}).find("is the policy file"),
      std::string::npos);
}

}  // namespace
}  // namespace counterpoint
