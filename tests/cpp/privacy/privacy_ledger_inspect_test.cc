// `counterpoint ledger` / InspectLedger: the controller's view of a policy's ledger. It
// verifies as a release does, never creates a ledger unless asked to bind, and sums what
// each requester spent as the audit rows say.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/io.h"
#include "privacy/ledger_anchor.h"
#include "privacy/ledger_binding.h"
#include "privacy/ledger_inspect.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using namespace privacy;
using testing::TempDir;

const char* kPolicy = R"(name: inspected
project: study_2026
tiers:
  vetted_researcher: {epsilon_budget: 1.0}
  public: {epsilon_budget: 0.5, threshold: 10}
requesters:
  alice: {tiers: [vetted_researcher, public]}
  bob: {tiers: [public]}
)";

TEST(PrivacyLedgerInspectTest, AnUnboundPolicyIsShownAsSuchAndNothingIsCreatedUnlessBound) {
  TempDir dir("inspect_unbound");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  const LedgerState none = InspectLedger(LoadPolicy(dir / "policy.yaml"), false);
  EXPECT_FALSE(none.bound);
  EXPECT_FALSE(none.exists);
  EXPECT_FALSE(fs::exists(dir / "ledger.sqlite"));
  EXPECT_FALSE(fs::exists(dir / "ledger.sqlite.anchor"));
  EXPECT_EQ(ReadFile(dir / "policy.yaml"), kPolicy);
  // bound at set-up: the ledger is created, the policy names it, and a copy made now is bound too
  const LedgerState bound = InspectLedger(LoadPolicy(dir / "policy.yaml"), true);
  EXPECT_TRUE(bound.bound);
  EXPECT_EQ(bound.chain.rows, 0);
  EXPECT_EQ(bound.chain.head, GenesisHash(bound.id));
  EXPECT_EQ(LoadPolicy(dir / "policy.yaml").ledger_id, bound.id);
  fs::create_directories(dir / "copy");
  fs::copy_file(dir / "policy.yaml", dir / "copy/policy.yaml");
  EXPECT_THROW(InspectLedger(LoadPolicy(dir / "copy/policy.yaml"), false), InputError);
  EXPECT_THROW(OpenPolicyLedger(LoadPolicy(dir / "copy/policy.yaml")), InputError);  // what a release opens
  EXPECT_FALSE(fs::exists(dir / "copy/ledger.sqlite"));
  // binding again changes nothing
  EXPECT_EQ(InspectLedger(LoadPolicy(dir / "policy.yaml"), true).id, bound.id);
  const std::string text = ReadFile(dir / "policy.yaml");
  EXPECT_EQ(text.find("ledger_id:"), text.rfind("ledger_id:"));
}

TEST(PrivacyLedgerInspectTest, WhatEachRequesterSpentIsSummedFromTheAuditRows) {
  TempDir dir("inspect_spent");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  const Policy policy = LoadPolicy(dir / "policy.yaml");
  {
    const auto ledger = OpenPolicyLedger(policy);
    ledger->Charge("project:study_2026", "alice", "vetted_researcher", "a1", {0.25, 0}, {1.0, 1e-9});
    ledger->Charge("project:study_2026", "bob", "public", "b1", {0.125, 0}, {0.5, 1e-9});
    ledger->Charge("project:study_2026", "alice", "vetted_researcher", "a2", {0.5, 0}, {1.0, 1e-9});
  }
  const LedgerState st = InspectLedger(LoadPolicy(dir / "policy.yaml"), false);
  EXPECT_TRUE(st.bound);
  ASSERT_EQ(st.chain.rows, 3);
  ASSERT_EQ(st.audit.size(), 3u);
  EXPECT_EQ(st.audit[2].what, "a2");
  ASSERT_EQ(st.spent.size(), 2u);  // alice, bob (by requester)
  EXPECT_EQ(st.spent[0].requester, "alice");
  EXPECT_EQ(st.spent[0].spent.releases, 2);
  EXPECT_DOUBLE_EQ(st.spent[0].spent.sum_epsilon, 0.75);  // 0.25 + 0.5, pure DP: the sum
  EXPECT_DOUBLE_EQ(st.spent[0].composed.epsilon, 0.75);
  EXPECT_DOUBLE_EQ(st.spent[0].epsilon_budget, 1.0);  // the larger of her tiers' budgets
  EXPECT_EQ(st.spent[1].requester, "bob");
  EXPECT_DOUBLE_EQ(st.spent[1].composed.epsilon, 0.125);
  EXPECT_DOUBLE_EQ(st.spent[1].epsilon_budget, 0.5);
  // the JSON the CLI prints and Python reads says the same
  const nlohmann::json j = LedgerStateJson(st);
  EXPECT_EQ(j["rows"], 3);
  EXPECT_EQ(j["spent"][0]["releases"], 2);
  EXPECT_DOUBLE_EQ(j["spent"][0]["composed_epsilon"].get<double>(), 0.75);
  EXPECT_EQ(j["audit"][1]["requester"], "bob");
}

TEST(PrivacyLedgerInspectTest, TheCliShowsBindsAndRefusesATamperedLedger) {
  TempDir dir("inspect_cli");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  const std::string cmd = std::string(COUNTERPOINT_CLI) + " ledger --policy " + (dir / "policy.yaml");
  const auto unbound = testing::RunCommand(cmd);
  EXPECT_EQ(unbound.status, 0) << unbound.output;
  EXPECT_TRUE(testing::Contains(unbound.output, "is not bound to a ledger and has never released")) << unbound.output;
  EXPECT_FALSE(fs::exists(dir / "ledger.sqlite"));
  const auto bind = testing::RunCommand(cmd + " --bind --json");
  ASSERT_EQ(bind.status, 0) << bind.output;
  const nlohmann::json j = nlohmann::json::parse(bind.output);
  EXPECT_EQ(j["bound"], true);
  EXPECT_EQ(j["id"], LoadPolicy(dir / "policy.yaml").ledger_id);
  EXPECT_EQ(j["rows"], 0);
  // an anchor that no longer matches the ledger: refused as a release would be, exit code 2
  {
    const auto ledger = OpenPolicyLedger(LoadPolicy(dir / "policy.yaml"));
    ledger->Charge("project:study_2026", "alice", "public", "a", {0.1, 0}, {0.5, 1e-9});
  }
  const auto shown = testing::RunCommand(cmd);
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_TRUE(testing::Contains(shown.output, "Verified: schema, hash chain and anchor agree.")) << shown.output;
  EXPECT_TRUE(testing::Contains(shown.output, "alice")) << shown.output;
  WriteAnchor(dir / "ledger.sqlite.anchor", {j["id"].get<std::string>(), 0, GenesisHash(j["id"].get<std::string>())});
  const auto tampered = testing::RunCommand(cmd);
  EXPECT_EQ(tampered.status, 2) << tampered.output;
  EXPECT_TRUE(testing::Contains(tampered.output, "were added outside the gate")) << tampered.output;
}

}  // namespace
}  // namespace counterpoint
