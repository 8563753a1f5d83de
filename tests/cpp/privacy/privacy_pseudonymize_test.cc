// Pseudonyms, the key file, ingest, and the scan of every artifact for leaked ids or key bytes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "core/hash.h"
#include "core/io.h"
#include "privacy/ingest.h"
#include "privacy/pseudonymize.h"
#include "privacy/release.h"
#include "privacy/session.h"
#include "privacy_test_util.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using namespace privacy;
using testing::TempDir;
namespace fs = std::filesystem;

std::array<unsigned char, 32> CountingKey() {
  std::array<unsigned char, 32> k;
  std::iota(k.begin(), k.end(), 0);
  return k;
}

TEST(PrivacyPseudonymizeTest, MatchesAnIndependentHmacSha256) {
  // golden values from Python: hmac.new(bytes(range(32)), id, hashlib.sha256).hexdigest()[:32]
  const PseudonymKey key(CountingKey());
  EXPECT_EQ(key.Pseudonym("alice@example.org"), "03a2cceef95fc1b3c5757f658be5a2fe");
  EXPECT_EQ(key.Pseudonym("user:42"), "858d24814075892b07ef044a03eeeb63");
  EXPECT_EQ(key.Pseudonym(""), "d38b42096d80f45f826b44a9d5607de7");
  // another key, other pseudonyms
  auto other = CountingKey();
  other[0] ^= 1;
  EXPECT_NE(PseudonymKey(other).Pseudonym("user:42"), key.Pseudonym("user:42"));
}

TEST(PrivacyPseudonymizeTest, KeyFileIsCreatedPrivateAndCheckedOnLoad) {
  TempDir dir("key");
  const std::string path = dir / "project.key";
  const PseudonymKey created = PseudonymKey::LoadOrCreate(path, true);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  // loading gives the same key, so the same pseudonyms
  const PseudonymKey loaded = PseudonymKey::LoadOrCreate(path, false);
  EXPECT_EQ(loaded.Pseudonym("x"), created.Pseudonym("x"));
  // two fresh keys differ (32 CSPRNG bytes)
  EXPECT_NE(PseudonymKey::LoadOrCreate(dir / "k2", true).bytes(), created.bytes());
  // a key others can read is refused; so is a key of the wrong size, or a missing one when not creating
  chmod(path.c_str(), 0644);
  const InputError e = testing::CatchInputError([&] { PseudonymKey::LoadOrCreate(path, false); });
  EXPECT_TRUE(testing::Contains(e.what(), "chmod 600")) << e.what();
  testing::WriteText(dir / "short.key", "0123");
  chmod((dir / "short.key").c_str(), 0600);
  EXPECT_THROW(PseudonymKey::LoadOrCreate(dir / "short.key", false), InputError);
  EXPECT_THROW(PseudonymKey::LoadOrCreate(dir / "absent.key", false), InputError);
}

TEST(SlowPrivacyPseudonymizeTest, NoCollisionsOverTenMillionIds) {
  // 1e7 pseudonyms of distinct ids: a collision of 128-bit pseudonyms has probability ~1.5e-25;
  // the test fails if truncation or encoding lost entropy (e.g. only 32 bits kept)
  const PseudonymKey key(CountingKey());
  const int n = 10000000;
  std::vector<std::pair<uint64_t, uint64_t>> values(n);
  for (int i = 0; i < n; ++i) {
    const std::string p = key.Pseudonym("id" + std::to_string(i));
    values[i] = {std::stoull(p.substr(0, 16), nullptr, 16), std::stoull(p.substr(16), nullptr, 16)};
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(std::adjacent_find(values.begin(), values.end()), values.end());
}

TEST(PrivacyPseudonymizeTest, IngestPseudonymisesDropsAndCalibrates) {
  TempDir dir("ingest");
  testing::WriteText(dir / "logs.csv",
                     "timestamp,user_id,ip,item_id,event,email\n"
                     "1700000000,alice@example.org,10.0.0.1,0,click,alice@example.org\n"
                     "1700000060,bob@example.org,10.0.0.2,1,view,bob@example.org\n"
                     "1700000120,alice@example.org,10.0.0.1,2,click,alice@example.org\n");
  const float emb[] = {1, 0, 0, 1, 3, 2};  // items 0, 1, 2 in 2-D
  WriteNpy(dir / "items.npy", emb, 3, 2);
  const IngestResult r = Ingest({dir / "logs.csv", dir / "project.key", dir / "out", dir / "items.npy"});
  EXPECT_EQ(r.rows, 3);
  EXPECT_EQ(r.users, 2);
  EXPECT_EQ(r.dropped_columns, (std::vector<std::string>{"ip", "email"}));
  const CsvTable ev = ReadCsv(dir / "out/events.csv");
  EXPECT_EQ(ev.header, (std::vector<std::string>{"user", "item_id", "timestamp", "event"}));
  const PseudonymKey key = PseudonymKey::LoadOrCreate(dir / "project.key", false);
  EXPECT_EQ(ev.rows[0][0], key.Pseudonym("alice@example.org"));
  EXPECT_EQ(ev.rows[2][0], ev.rows[0][0]);
  EXPECT_EQ(ev.rows[1][3], "view");
  // alice: mean of items 0 and 2 = (2, 1); bob: item 1 = (0, 1)
  const NpyMatrix m = ReadNpy(dir / "out/interests.npy");
  ASSERT_EQ(m.rows, 2);
  EXPECT_EQ(m.data, (std::vector<float>{2, 1, 0, 1}));
  // the key may not live inside the output directory
  const InputError e = testing::CatchInputError([&] {
    Ingest({dir / "logs.csv", dir / "out/inside.key", dir / "out", ""});
  });
  EXPECT_TRUE(testing::Contains(e.what(), "must not lie inside")) << e.what();
  // a missing column is named
  testing::WriteText(dir / "bad.csv", "user_id,item_id,event\nu,1,click\n");
  const InputError e2 = testing::CatchInputError([&] {
    Ingest({dir / "bad.csv", dir / "project.key", dir / "o2", ""});
  });
  EXPECT_TRUE(testing::Contains(e2.what(), "timestamp")) << e2.what();
}

// Every byte written by ingest and by every tier's release is scanned for the raw ids, their
// unkeyed SHA-256 (hex and raw), and the key (hex and raw). Fails if any output leaks one of them.
TEST(PrivacyPseudonymizeTest, NoArtifactContainsIdsTheirHashesOrTheKey) {
  TempDir dir("scan");
  std::vector<std::string> ids;
  std::string logs = "user_id,item_id,timestamp,event\n";
  for (int i = 0; i < 50; ++i) {
    ids.push_back("person" + std::to_string(i) + "@example.org");
    logs += ids.back() + "," + std::to_string(i % 3) + ",17000000" + std::to_string(i) + ",click\n";
  }
  testing::WriteText(dir / "logs.csv", logs);
  const float emb[] = {1, 0, 0, 1, 3, 2};
  WriteNpy(dir / "items.npy", emb, 3, 2);
  fs::create_directories(dir / "secret");
  Ingest({dir / "logs.csv", dir / "secret/project.key", dir / "ingested", dir / "items.npy"});

  // a run directory, released through every tier
  std::vector<testing::FakeImpression> rows;
  for (int u = 0; u < 200; ++u) rows.push_back({u, "control", u % 3 == 0, u % 3 == 0 ? 6003 : -1, u % 2 == 0});
  testing::WriteFakeRun(dir / "run", {"control"}, rows);
  for (int u = 0; u < 200; ++u) ids.push_back("user:" + std::to_string(u));
  fs::create_directories(dir / "out");
  testing::WriteText(dir / "out/policy.yaml", R"(name: scan
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 5}
  ngo: {min_cohort: 5}
  public: {threshold: 5, mechanism: gaussian, epsilon_budget: 5}
requesters:
  team: {tiers: [platform]}
  alice: {tiers: [vetted_researcher]}
  ngo_a: {tiers: [ngo], organisation: 6003}
  press: {tiers: [public]}
)");
  const Policy policy = LoadPolicy(dir / "out/policy.yaml");
  CsprngNoiseSource noise;
  Release(policy, {dir / "run", Tier::kPlatform, "team", 0, 0, dir / "out/traj.csv", dir / "secret/project.key"},
          noise);
  Release(policy, {dir / "run", Tier::kVettedResearcher, "alice", 1, 0, dir / "out/v.csv", ""}, noise);
  Release(policy, {dir / "run", Tier::kNgo, "ngo_a", 1, 0, dir / "out/n.csv", ""}, noise);
  Release(policy, {dir / "run", Tier::kPublic, "press", 0, 0.1, dir / "out/p.csv", ""}, noise);
  const auto traj =
      AccessSession(policy, Tier::kPlatform, "team").ReadTrajectories(dir / "run", dir / "secret/project.key");
  EXPECT_EQ(traj.size(), 200u);

  // what must never appear
  const PseudonymKey key = PseudonymKey::LoadOrCreate(dir / "secret/project.key", false);
  const std::string key_raw(key.bytes().begin(), key.bytes().end());
  std::string key_hex;
  for (unsigned char c : key.bytes()) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    key_hex += b;
  }
  std::vector<std::string> forbidden = {key_raw, key_hex};
  for (const auto& id : ids) {
    const std::string h = Sha256Hex(id);
    forbidden.push_back(h);                // unkeyed SHA-256, hex
    forbidden.push_back(h.substr(0, 32));  // ... or truncated like a pseudonym
    std::string raw;
    for (size_t i = 0; i < 64; i += 2) raw += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    forbidden.push_back(raw);                                        // ... or raw bytes
    if (id.find('@') != std::string::npos) forbidden.push_back(id);  // the email-like raw ids themselves
  }
  int scanned = 0;
  for (const std::string& root : {dir / "ingested", dir / "out"}) {
    for (const auto& f : fs::recursive_directory_iterator(root)) {
      if (!f.is_regular_file()) continue;
      const std::string bytes = ReadFile(f.path().string());
      ++scanned;
      for (const auto& bad : forbidden) EXPECT_EQ(bytes.find(bad), std::string::npos) << f.path();
    }
  }
  EXPECT_GE(scanned, 12);  // events, manifest, interests, users, policy, ledger (+wal), 4 releases + manifests
}

}  // namespace
}  // namespace counterpoint
