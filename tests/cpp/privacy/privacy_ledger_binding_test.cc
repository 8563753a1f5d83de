// A policy is bound to its ledger: a copy of the policy elsewhere, a deleted, emptied or
// swapped ledger never gives a fresh budget.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/io.h"
#include "privacy/ledger_anchor.h"
#include "privacy/ledger_binding.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using namespace privacy;
using testing::TempDir;

const char* kPolicy = R"(name: bound
tiers:
  public: {epsilon_budget: 1.0, threshold: 10}
requesters:
  mallory: {tiers: [public]})";  // no newline at the end: the id goes on a line of its own

int Occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PrivacyLedgerBindingTest, TheFirstReleaseBindsThePolicyToItsLedger) {
  TempDir dir("binding_first");
  testing::WriteText(dir / "policy.yaml", kPolicy);
  const Policy unbound = LoadPolicy(dir / "policy.yaml");
  EXPECT_EQ(unbound.ledger_id, "");
  std::string id;
  {
    const auto ledger = OpenPolicyLedger(unbound);
    id = ledger->id();
  }
  // the id appended on a line of its own; nothing else changed
  const std::string text = ReadFile(dir / "policy.yaml");
  EXPECT_EQ(
      text.rfind(
          std::string(kPolicy) + "\nledger_id: " + id + "  # written when the policy was bound (its first release", 0),
      0u)
      << text;
  const Policy bound = LoadPolicy(dir / "policy.yaml");
  EXPECT_EQ(bound.ledger_id, id);
  EXPECT_EQ(bound.ledger_id_where.line, 6);
  EXPECT_EQ(OpenPolicyLedger(bound)->id(), id);
  // a Policy loaded before the first release (a Python object kept across releases) opens the
  // same ledger and records nothing twice
  EXPECT_EQ(OpenPolicyLedger(unbound)->id(), id);
  EXPECT_EQ(Occurrences(ReadFile(dir / "policy.yaml"), "ledger_id:"), 1);
  // an unbound policy whose ledger is missing beside an anchor of no releases (a creation that
  // did not commit) gets its ledger: nothing was spent
  std::filesystem::create_directories(dir / "fresh");
  testing::WriteText(dir / "fresh/policy.yaml", kPolicy);
  WriteAnchor(dir / "fresh/ledger.sqlite.anchor", {std::string(32, '0'), 0, GenesisHash(std::string(32, '0'))});
  EXPECT_EQ(OpenPolicyLedger(LoadPolicy(dir / "fresh/policy.yaml"))->id().size(), 32u);
  EXPECT_EQ(ReadAnchor(dir / "fresh/ledger.sqlite.anchor")->ledger_id, LoadPolicy(dir / "fresh/policy.yaml").ledger_id);
  // a malformed id is refused where it stands
  testing::WriteText(dir / "bad.yaml", std::string(kPolicy) + "\nledger_id: 12345\n");
  try {
    LoadPolicy(dir / "bad.yaml");
    ADD_FAILURE() << "a malformed ledger_id loaded";
  } catch (const InputError& e) {
    EXPECT_TRUE(testing::Contains(e.what(), "bad.yaml:6:12: error: ledger_id: expected the 32 lowercase hex digits"))
        << e.what();
  }
}

// what a requester tries with the files, through the CLI
class PrivacyLedgerBindingCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<testing::FakeImpression> rows;
    for (int u = 0; u < 200; ++u) rows.push_back({u, "control", false, -1, u % 2 == 0});
    testing::WriteFakeRun(dir_ / "run", {"control"}, rows, std::string(64, 'b'), 400);
    fs::create_directories(dir_ / "gate");
    testing::WriteText(dir_ / "gate/policy.yaml", kPolicy);
    const auto first = Release("gate/policy.yaml", 0.9, "1.csv");
    ASSERT_EQ(first.status, 0) << first.output;
    id_ = LoadPolicy(dir_ / "gate/policy.yaml").ledger_id;
    ASSERT_EQ(id_.size(), 32u);
  }
  testing::CommandResult Release(const std::string& policy, double epsilon, const std::string& out) {
    return testing::RunCommand(std::string(COUNTERPOINT_CLI) + " release " + (dir_ / "run") + " --policy " +
                               (dir_ / policy) + " --tier public --requester mallory --epsilon " +
                               std::to_string(epsilon) + " --out " + (dir_ / out));
  }
  // refused with exit code 2 and `what` in the output; nothing written
  void ExpectRefused(const std::string& policy, const std::string& what) {
    const auto r = Release(policy, 0.5, "2.csv");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_TRUE(testing::Contains(r.output, what)) << r.output;
    EXPECT_FALSE(fs::exists(dir_ / "2.csv"));
  }
  TempDir dir_{"binding_cli"};
  std::string id_;
};

TEST_F(PrivacyLedgerBindingCliTest, AByteIdenticalCopyOfThePolicyElsewhereGetsNoFreshBudget) {
  fs::create_directories(dir_ / "elsewhere");
  fs::copy_file(dir_ / "gate/policy.yaml", dir_ / "elsewhere/policy.yaml");
  ExpectRefused("elsewhere/policy.yaml", dir_ / "elsewhere/ledger.sqlite" +
                                             ": error: no budget ledger here, but the policy " +
                                             (dir_ / "elsewhere/policy.yaml") + " is bound to the ledger " + id_ +
                                             " (ledger_id: at line 6): it has released before; a new ledger would "
                                             "give every requester of this policy a fresh budget");
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere/ledger.sqlite"));
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere/ledger.sqlite.anchor"));
  // the policy where its ledger lives: what is left (0.1) and no more
  EXPECT_EQ(Release("gate/policy.yaml", 0.2, "3.csv").status, 2);
  EXPECT_EQ(Release("gate/policy.yaml", 0.1, "3.csv").status, 0);
}

TEST_F(PrivacyLedgerBindingCliTest, ADeletedLedgerIsNeverCreatedAfresh) {
  // the ledger deleted, its anchor kept; then both deleted: the policy names the id
  fs::rename(dir_ / "gate/ledger.sqlite", dir_ / "saved.sqlite");
  ExpectRefused("gate/policy.yaml", "no budget ledger here, but the policy");
  fs::rename(dir_ / "gate/ledger.sqlite.anchor", dir_ / "saved.anchor");
  ExpectRefused("gate/policy.yaml", "is bound to the ledger " + id_);
  EXPECT_FALSE(fs::exists(dir_ / "gate/ledger.sqlite"));
  // with the ledger_id line removed too, the anchor still says releases happened
  std::string text = ReadFile(dir_ / "gate/policy.yaml");
  testing::WriteText(dir_ / "gate/policy.yaml", text.substr(0, text.find("\nledger_id:")) + "\n");
  fs::rename(dir_ / "saved.anchor", dir_ / "gate/ledger.sqlite.anchor");
  ExpectRefused("gate/policy.yaml", (dir_ / "gate/ledger.sqlite") + ": error: no budget ledger here, but its anchor " +
                                        (dir_ / "gate/ledger.sqlite.anchor") + " records 1 row(s) of the ledger " +
                                        id_ + ": the ledger was deleted or moved");
  EXPECT_FALSE(fs::exists(dir_ / "gate/ledger.sqlite"));
}

TEST_F(PrivacyLedgerBindingCliTest, AnEmptiedOrSwappedLedgerIsRefused) {
  // an empty file in the ledger's place
  fs::rename(dir_ / "gate/ledger.sqlite", dir_ / "saved.sqlite");
  testing::WriteText(dir_ / "gate/ledger.sqlite", "");
  ExpectRefused("gate/policy.yaml", (dir_ / "gate/ledger.sqlite") +
                                        ": error: holds no budget ledger (an empty database), where one is "
                                        "expected: restore the ledger and its anchor from a backup");
  // another policy's ledger, with its own (consistent) anchor, in its place
  fs::create_directories(dir_ / "other");
  testing::WriteText(dir_ / "other/policy.yaml", kPolicy);
  ASSERT_EQ(Release("other/policy.yaml", 0.1, "o.csv").status, 0);
  const std::string other = LoadPolicy(dir_ / "other/policy.yaml").ledger_id;
  ASSERT_NE(other, id_);
  fs::copy_file(dir_ / "other/ledger.sqlite", dir_ / "gate/ledger.sqlite", fs::copy_options::overwrite_existing);
  fs::copy_file(dir_ / "other/ledger.sqlite.anchor", dir_ / "gate/ledger.sqlite.anchor",
                fs::copy_options::overwrite_existing);
  ExpectRefused("gate/policy.yaml", (dir_ / "gate/policy.yaml") +
                                        ":6:12: error: ledger_id: the policy is bound to "
                                        "the ledger " +
                                        id_ + ", but " + (dir_ / "gate/ledger.sqlite") + " is the ledger " + other);
}

}  // namespace
}  // namespace counterpoint
