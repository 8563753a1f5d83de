// The data-protection policy: a valid file loads; every mistake is reported at file:line:col.
#include <gtest/gtest.h>

#include "privacy/policy.h"
#include "privacy/session.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using namespace privacy;

TEST(PrivacyPolicyTest, LoadsTiersWithTheirSettings) {
  const Policy p = ParsePolicy(R"(name: demo
ledger: /tmp/x/ledger.sqlite
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 3, mechanism: gaussian, delta: 1.0e-8}
  ngo: {min_cohort: 25}
  public: {threshold: 100, max_partitions_per_user: 2, max_contribution_per_partition: 5}
requesters:
  ngo_a: {tiers: [ngo], organisation: 6003}
  NGO B: {tiers: [ngo, public], organisation: 6004, aliases: ["Data Desk <data@ngo-b.example>"]}
)",
                               "demo.yaml", "/base");
  EXPECT_EQ(p.name, "demo");
  EXPECT_EQ(p.ledger, "/tmp/x/ledger.sqlite");
  EXPECT_EQ(p.sha256.size(), 64u);
  EXPECT_EQ(p.tiers.size(), 4u);
  const TierPolicy& v = p.Get(Tier::kVettedResearcher);
  EXPECT_EQ(v.mechanism, Mechanism::kGaussian);
  EXPECT_DOUBLE_EQ(v.budget.epsilon, 3);
  EXPECT_DOUBLE_EQ(v.budget.delta, 1e-8);
  EXPECT_EQ(v.threshold, 0);
  const TierPolicy& n = p.Get(Tier::kNgo);
  EXPECT_EQ(n.threshold, 25);
  // requesters: keyed on the normalised name, every alias normalised too
  ASSERT_EQ(p.requesters.size(), 2u);
  const RequesterPolicy& b = p.requesters.at("ngo b");
  EXPECT_EQ(b.written, "NGO B");
  EXPECT_EQ(b.organisation, 6004);
  EXPECT_EQ(b.tiers, (std::set<Tier>{Tier::kNgo, Tier::kPublic}));
  EXPECT_EQ(b.aliases, std::vector<std::string>{"data@ngo-b.example"});
  EXPECT_EQ(p.requester_names.at("data@ngo-b.example"), "ngo b");
  EXPECT_EQ(p.requesters.at("ngo_a").organisation, 6003);
  const TierPolicy& pub = p.Get(Tier::kPublic);
  EXPECT_EQ(pub.threshold, 100);
  EXPECT_EQ(pub.bounds.max_partitions_per_user, 2);
  EXPECT_EQ(pub.bounds.max_contribution_per_partition, 5);
  EXPECT_EQ(pub.mechanism, Mechanism::kLaplace);
  // a relative ledger path is resolved against the policy's directory
  EXPECT_EQ(ParsePolicy("name: a\ntiers: {platform: {}}\nrequesters: {team: {tiers: [platform]}}\n", "a.yaml", "/base")
                .ledger,
            "/base/ledger.sqlite");
}

TEST(PrivacyPolicyTest, EveryMistakeIsReportedAtFileLineColumn) {
  const InputError e = testing::CatchInputError([] {
    ParsePolicy(R"(name: bad
tiers:
  researcher: {}
  public: {thresold: 10}
  ngo: {min_cohort: 0}
  vetted_researcher: {mechanism: gauss, organisations: {x: 1}}
requesters:
  alice: {tiers: [public, ngo, platform]}
)",
                "bad.yaml", ".");
  });
  const std::string msg = e.what();
  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:3:3: error: tiers: unknown tier 'researcher'")) << msg;
  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:4:12: error: tiers.public: unknown key 'thresold'")) << msg;
  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:4:11: error: tiers.public: missing required key 'threshold'")) << msg;
  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:5:21: error: tiers.ngo.min_cohort: value 0 is out of range")) << msg;

  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:6:34: error: tiers.vetted_researcher.mechanism: 'gauss'")) << msg;
  EXPECT_TRUE(testing::Contains(msg, "bad.yaml:6:41: error: tiers.vetted_researcher: unknown key 'organisations'"))
      << msg;
  // alice holds ngo without an organisation, and platform, which the policy does not grant
  EXPECT_TRUE(
      testing::Contains(msg, "bad.yaml:8:3: error: requesters.alice: holds the ngo tier, so 'organisation: ID'"))
      << msg;
  EXPECT_TRUE(testing::Contains(msg,
                                "bad.yaml:8:32: error: requesters.alice.tiers: the policy does not grant the tier "
                                "'platform': add it under tiers:, or remove it from this list"))
      << msg;
  EXPECT_EQ(e.diagnostics().size(), 8u) << msg;
}

TEST(PrivacyPolicyTest, TheOldNgoOrganisationsListIsRefusedWithItsReplacement) {
  const InputError e = testing::CatchInputError([] {
    ParsePolicy("name: old\ntiers:\n  ngo: {min_cohort: 5, organisations: {ngo_a: 6003, ngo_b: 6004}}\n", "old.yaml",
                ".");
  });
  const std::string msg = e.what();
  EXPECT_TRUE(testing::Contains(msg,
                                "old.yaml:3:39: error: tiers.ngo.organisations: the requester list moved to the "
                                "top-level requesters:"))
      << msg;
  EXPECT_TRUE(testing::Contains(msg,
                                "requesters: {ngo_a: {tiers: [ngo], organisation: 6003}, ngo_b: {tiers: [ngo], "
                                "organisation: 6004}}"))
      << msg;
  EXPECT_TRUE(testing::Contains(msg, "old.yaml: error: policy: 'requesters' is required")) << msg;
  EXPECT_EQ(e.diagnostics().size(), 2u) << msg;
}

TEST(PrivacyPolicyTest, ARequesterIdThatIsNotUtf8IsRefusedWhereItStands) {
  const InputError e = testing::CatchInputError([] {
    ParsePolicy("name: p\ntiers:\n  ngo: {}\nrequesters:\n  \"ng\xe9\": {tiers: [ngo], organisation: 1}\n", "p.yaml",
                ".");
  });
  EXPECT_TRUE(testing::Contains(e.what(), "p.yaml:5:3: error: requesters: the requester name is not UTF-8"))
      << e.what();
  EXPECT_TRUE(testing::Contains(e.what(), "byte 0xe9 at byte 3 is not UTF-8")) << e.what();
}

TEST(PrivacyPolicyTest, MissingTiersAndSyntaxErrors) {
  const InputError e = testing::CatchInputError([] { ParsePolicy("name: x\n", "p.yaml", "."); });
  EXPECT_TRUE(testing::Contains(e.what(), "'tiers' must be a map")) << e.what();
  const InputError e2 = testing::CatchInputError([] { ParsePolicy("name: x\ntiers: {a: [\n", "p.yaml", "."); });
  EXPECT_TRUE(testing::Contains(e2.what(), "p.yaml:")) << e2.what();
  // a tier the policy does not list is not granted
  const Policy p = ParsePolicy(
      "name: only_public\ntiers: {public: {threshold: 5}}\nrequesters: {press: {tiers: [public]}}\n", "p.yaml", ".");
  const InputError e3 = testing::CatchInputError([&] { p.Get(Tier::kPlatform); });
  EXPECT_TRUE(testing::Contains(e3.what(), "does not grant the tier 'platform'")) << e3.what();
  EXPECT_THROW(ParseTier("admin", "--tier"), InputError);
}

TEST(PrivacyPolicyTest, NonPlatformSessionCannotReadTrajectories) {
  testing::TempDir dir("session");
  testing::WriteFakeRun(dir / "run", {"control"}, {{7, "control", false, -1, true}});
  const Policy p = ParsePolicy(
      "name: lab_policy\ntiers: {platform: {}, vetted_researcher: {}, public: {threshold: 5}}\n"
      "requesters: {team: {tiers: [platform]}, Alice: {tiers: [vetted_researcher, public]}}\n",
      "lab.yaml", ".");
  for (Tier t : {Tier::kVettedResearcher, Tier::kPublic}) {
    AccessSession s(p, t, " alice ");
    EXPECT_EQ(s.requester(), "alice");
    try {
      s.ReadTrajectories(dir / "run", dir / "key");
      ADD_FAILURE() << "expected PermissionDenied";
    } catch (const PermissionDenied& e) {
      EXPECT_TRUE(testing::Contains(e.what(), std::string("'") + TierName(t) + "' session")) << e.what();
      EXPECT_TRUE(testing::Contains(e.what(), "lab_policy")) << e.what();
      EXPECT_EQ(e.tier(), TierName(t));
    }
  }
  // an ngo session is not even granted by this policy
  EXPECT_THROW(AccessSession(p, Tier::kNgo, "alice"), InputError);
  // a session names a listed requester who holds the tier
  EXPECT_THROW(AccessSession(p, Tier::kPlatform, "alice"), InputError);
  EXPECT_THROW(AccessSession(p, Tier::kPublic, "mallory"), InputError);
  EXPECT_EQ(AccessSession(p, Tier::kPlatform, "TEAM").requester(), "team");
}

}  // namespace
}  // namespace counterpoint
