// Perceptual hashes, the re-upload pool, re-uploads and hash_sharing: exact bit flips, the
// copy kinds' shares and distances against their binomial laws, blocking within delta and
// not beyond, news reports blocked for the excerpt they carry, chance matches of
// legitimate items against a brute-force count, and the direction of effect on the
// shipped scenario.
#include "recommender/interventions/hash_sharing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "embeddings/catalog_source.h"
#include "embeddings/perceptual_hash.h"
#include "experiment/runner.h"
#include "recommender/recommender.h"
#include "test_util.h"

namespace counterpoint {
namespace {

TEST(PerceptualHashTest, FlipBitsFlipsExactlyThatManyBits) {
  for (int n : {0, 1, 31, 32, 100, 256}) {
    uint8_t a[kHashBytes], b[kHashBytes];
    RandomHash(4, 17, a);
    std::copy(a, a + kHashBytes, b);
    FlipBits(4, 18 + n, n, b);
    EXPECT_EQ(HammingDistance(a, b), n);
  }
  // popcount by hand: all-ones against all-zeros
  uint8_t zero[kHashBytes] = {}, ones[kHashBytes];
  std::fill(ones, ones + kHashBytes, uint8_t{0xff});
  EXPECT_EQ(HammingDistance(zero, ones), 256);
}

TEST(ReuploadPoolTest, CopiesArePendingNearDuplicatesOfExtremistItems) {
  SyntheticCatalogParams p;
  p.n_items = 4000;
  p.reupload_pool = 0.5;
  p.reupload_copies = 3;
  const auto cat = GenerateSyntheticCatalog(p, 6);
  SyntheticCatalogParams plain = p;
  plain.reupload_pool = 0;
  const auto base = GenerateSyntheticCatalog(plain, 6);
  // the originals are those of the catalog without a pool
  ASSERT_GT(cat->size(), base->size());
  ASSERT_EQ((cat->size() - base->size()) % 3, 0);
  for (int64_t i = 0; i < base->size(); ++i) {
    ASSERT_EQ(cat->parent(i), -1);
    ASSERT_EQ(cat->label(i), base->label(i));
    ASSERT_EQ(cat->harm_score(i), base->harm_score(i));
  }
  int64_t extremist = base->LabelCounts()[static_cast<int>(Label::kExtremist)], pooled = 0;
  for (int64_t i = base->size(); i < cat->size(); ++i) {
    const int64_t par = cat->parent(i);
    ASSERT_GE(par, 0);
    EXPECT_EQ(cat->label(i), Label::kExtremist);
    EXPECT_EQ(cat->label(par), Label::kExtremist);
    EXPECT_EQ(cat->upload_step(i), kUploadOnDemand);
    EXPECT_EQ(cat->creator(i), cat->creator(par));
    EXPECT_NEAR(cat->extremity(i), cat->extremity(par), 0.2);
    double cos = 0;
    for (int64_t j = 0; j < cat->dim(); ++j) cos += cat->Embedding(i)[j] * cat->Embedding(par)[j];
    EXPECT_GT(cos, 0.95);
    pooled += (i - base->size()) % 3 == 0;
  }
  // a binomial share of the extremist items, within 4 standard errors
  EXPECT_NEAR(static_cast<double>(pooled) / extremist, 0.5, 4 * std::sqrt(0.25 / extremist));
}

TEST(ReuploadPoolTest, BadParentIsAnInputError) {
  CatalogData d;
  d.dim = 2;
  d.embeddings = {1, 0, 0, 1, 1, 1};
  d.labels = {Label::kExtremist, Label::kExtremist, Label::kExtremist};
  d.extremity = {0.8f, 0.8f, 0.8f};
  d.parent = {-1, 0, 1};  // a copy of a copy
  const InputError e = testing::CatchInputError([&] { Catalog c(d, "pool.csv"); });
  EXPECT_TRUE(testing::Contains(e.what(), "pool.csv"));
  EXPECT_TRUE(testing::Contains(e.what(), "parent"));
}

// hand-built: item 0 an extremist original, items 1 and 2 its copies, 3.. legitimate
std::shared_ptr<const Catalog> FamilyCatalog(int64_t n_legit) {
  CatalogData d;
  d.dim = 2;
  for (int64_t i = 0; i < 3 + n_legit; ++i) {
    d.embeddings.push_back(1.0f);
    d.embeddings.push_back(0.1f * static_cast<float>(i % 7));
    d.labels.push_back(i < 3 ? Label::kExtremist : Label::kNewsReporting);
    d.extremity.push_back(i < 3 ? 0.9f : 0.1f);
    d.parent.push_back(i == 1 || i == 2 ? 0 : -1);
    d.upload_step.push_back(i == 1 || i == 2 ? kUploadOnDemand : (i < 3 ? 0 : 1));
  }
  return std::make_shared<const Catalog>(std::move(d), "family");
}

// drives a recommender's upload and end-of-step hooks (no users)
struct UploadHarness {
  std::shared_ptr<const Catalog> cat;
  PlatformView view;
  TruthChannels channels;
  std::unique_ptr<VectorIndex> index;
  std::unique_ptr<Recommender> rec;
  ItemState items;
  std::vector<ModerationRecord> log;
  std::vector<double> row;

  UploadHarness(std::shared_ptr<const Catalog> c, std::vector<std::unique_ptr<Intervention>> ivs)
      : cat(std::move(c)),
        view(*cat),
        channels(*cat),
        index(std::make_unique<VectorIndex>(*cat, IndexOptions{})),
        items(cat->size()) {
    const auto& rs = *RetrieverRegistry::Get().Find("faiss");
    const auto& ks = *RankerRegistry::Get().Find("relevance");
    rec = std::make_unique<Recommender>(rs.factory(Params::Defaults(rs.spec)), ks.factory(Params::Defaults(ks.spec)),
                                        std::move(ivs), RecommenderOptions{});
    rec->Init({view, *index, channels, 1, 0, 1, 2, 2, "a", 5, 0, Purpose::kIntervention});
    for (int64_t i = 0; i < cat->size(); ++i)
      if (cat->upload_step(i) > 0) items.SetStatus(i, ItemStatus::kPending);
    row.resize(rec->InterventionColumns().size());
  }
  // uploads due at t, then `end` (e.g. a removal) at the end of the step
  void Step(int64_t t, const std::function<void(ItemActions&)>& end = {}) {
    const RecContext ctx{view, *index, items, t, 5};
    std::vector<int64_t> due;
    for (int64_t i = 0; i < cat->size(); ++i)
      if (cat->upload_step(i) == t && items.status[i] == ItemStatus::kPending) due.push_back(i);
    ItemActions up(items, log, t);
    rec->OnUploads(ctx, due, up);
    ItemActions actions(items, log, t);
    if (end) end(actions);
    rec->EndStep(ctx, actions);
    rec->WriteInterventionMetrics(ctx, *cat, row.data());
  }
};

// every copy a re-encode flipping each bit with probability `rate`; no news excerpts
// unless `news_share` > 0 (at `news_rate`)
std::unique_ptr<Intervention> MakeHashSharing(int delta, double rate, double news_share = 0, double news_rate = 0) {
  HashSharingParams p;
  p.match_threshold = delta;
  p.perturbation.reencode_share = 1;
  p.perturbation.crop_share = p.perturbation.overlay_share = 0;
  p.perturbation.reencode_flip_rate = rate;
  p.perturbation.news_excerpt_share = news_share;
  p.perturbation.news_excerpt_flip_rate = news_rate;
  return std::make_unique<HashSharing>(p);
}

std::unique_ptr<Intervention> MakeReuploads() {
  const auto& e = *InterventionRegistry::Get().Find("reuploads");
  Params p = Params::Defaults(e.spec);
  p.Set("delay", int64_t{2});
  p.Set("probability", 1.0);
  return e.factory(p);
}

// removal of the original at step 1: the creator re-uploads copy 1 at step 3, whose code
// flips each bit of the original's at `rate`; blocked iff its distance is within `delta`.
// `distance` receives that distance
ItemStatus CopyFate(int delta, double rate, int* distance, std::vector<ModerationRecord>* log_out = nullptr) {
  std::vector<std::unique_ptr<Intervention>> ivs;
  ivs.push_back(MakeReuploads());
  ivs.push_back(MakeHashSharing(delta, rate));
  const auto* hs = static_cast<const HashSharing*>(ivs.back().get());
  UploadHarness h(FamilyCatalog(2), std::move(ivs));
  *distance = HammingDistance(hs->codes().data() + kHashBytes, hs->codes().data());
  h.Step(0);
  h.Step(1, [](ItemActions& a) { a.Remove(0, ModerationChannel::kClassifier, 1); });
  h.Step(2);
  EXPECT_EQ(h.items.status[1], ItemStatus::kPending) << "not before the delay";
  h.Step(3);
  if (log_out) *log_out = h.log;
  return h.items.status[1];
}

TEST(HashSharingTest, BlocksAReuploadWithinDeltaAndPassesOneBeyond) {
  std::vector<ModerationRecord> log;
  int d = 0;
  // the same codes at any delta (keyed by the seed): the copy is d bits away
  EXPECT_EQ(CopyFate(256, 0.1, &d, &log), ItemStatus::kBlocked);
  ASSERT_GT(d, 5);
  EXPECT_EQ(log.back().item, 1);
  EXPECT_EQ(log.back().event, ModerationEvent::kBlocked);
  EXPECT_EQ(log.back().channel, ModerationChannel::kHashMatch);
  EXPECT_EQ(log.back().step, 3);
  int again = 0;
  EXPECT_EQ(CopyFate(d, 0.1, &again), ItemStatus::kBlocked);  // the boundary: distance <= delta
  EXPECT_EQ(again, d);
  EXPECT_EQ(CopyFate(d - 1, 0.1, &again, &log), ItemStatus::kLive);
  EXPECT_EQ(log.back().event, ModerationEvent::kReuploaded);
  EXPECT_EQ(log.back().step, 3);
  // an identical copy (rate 0) is 0 bits away
  EXPECT_EQ(CopyFate(0, 0.0, &again), ItemStatus::kBlocked);
  EXPECT_EQ(again, 0);
}

// one extremist original (item 0, topic 0) and n copies of it, then m news reports of topic 0
std::shared_ptr<const Catalog> CopiesAndNews(int64_t n, int64_t m) {
  CatalogData d;
  d.dim = 2;
  for (int64_t i = 0; i < 1 + n + m; ++i) {
    d.embeddings.push_back(1.0f);
    d.embeddings.push_back(0.1f * static_cast<float>(i % 7));
    d.labels.push_back(i <= n ? Label::kExtremist : Label::kNewsReporting);
    d.extremity.push_back(i <= n ? 0.9f : 0.1f);
    d.parent.push_back(i >= 1 && i <= n ? 0 : -1);
    d.upload_step.push_back(i >= 1 && i <= n ? kUploadOnDemand : (i == 0 ? 0 : 1));
  }
  return std::make_shared<const Catalog>(std::move(d), "copies");
}

TEST(PerceptualHashTest, CopyKindsFollowTheirSharesAndDistancesTheirBinomialLaws) {
  const int64_t n = 20000;
  const auto cat = CopiesAndNews(n, 0);
  HashPerturbation p;  // the defaults: shares .5/.2/.15 (re-cuts .15), rates .03/.10/.14/.30
  const std::vector<HashOrigin> origin = HashOrigins(*cat, 11, p);
  const std::vector<uint8_t> codes = CatalogHashes(*cat, 11, p);
  std::map<CopyKind, std::vector<int>> distances;
  for (int64_t i = 1; i <= n; ++i) {
    ASSERT_EQ(origin[i].source, 0);
    distances[origin[i].kind].push_back(HammingDistance(codes.data() + i * kHashBytes, codes.data()));
  }
  EXPECT_EQ(origin[0].kind, CopyKind::kOriginal);
  const std::map<CopyKind, std::pair<double, double>> law = {{CopyKind::kReencode, {0.5, 0.03}},
                                                             {CopyKind::kCrop, {0.2, 0.10}},
                                                             {CopyKind::kOverlay, {0.15, 0.14}},
                                                             {CopyKind::kRecut, {0.15, 0.30}}};
  for (const auto& [kind, sr] : law) {
    const auto [share, rate] = sr;
    const auto& ds = distances[kind];
    // the share of copies of this kind: Binomial(n, share)
    EXPECT_NEAR(static_cast<double>(ds.size()) / n, share, 4 * std::sqrt(share * (1 - share) / n))
        << CopyKindName(kind);
    // the mean distance: 256 rate, with variance 256 rate (1 - rate) per copy
    double mean = 0;
    for (int x : ds) mean += x;
    mean /= static_cast<double>(ds.size());
    EXPECT_NEAR(mean, 256 * rate, 4 * std::sqrt(256 * rate * (1 - rate) / ds.size())) << CopyKindName(kind);
  }
}

TEST(HashSharingTest, NewsReportsThatExcerptARemovedItemAreBlockedAsTheThresholdAllows) {
  // 3000 news reports all excerpt item 0 (rate .1: distance Binomial(256, .1), mean 25.6);
  // item 0 is removed at step 0 and the reports arrive at step 1. Blocked: those within delta
  const int64_t m = 3000;
  std::vector<double> blocked;
  for (int delta : {20, 31, 45}) {
    std::vector<std::unique_ptr<Intervention>> ivs;
    ivs.push_back(MakeHashSharing(delta, 0.0, 1.0, 0.1));
    const auto* hs = static_cast<const HashSharing*>(ivs.back().get());
    UploadHarness h(CopiesAndNews(0, m), std::move(ivs));
    h.Step(0, [](ItemActions& a) { a.Remove(0, ModerationChannel::kClassifier, 0); });
    h.Step(1);
    int64_t within = 0;
    for (int64_t i = 1; i <= m; ++i) {
      const bool match = HammingDistance(hs->codes().data() + i * kHashBytes, hs->codes().data()) <= delta;
      within += match;
      EXPECT_EQ(h.items.status[i], match ? ItemStatus::kBlocked : ItemStatus::kLive);
    }
    EXPECT_EQ(h.row[0], static_cast<double>(within));
    EXPECT_EQ(h.row[1], static_cast<double>(within));  // all legitimate
    EXPECT_EQ(h.row[3], static_cast<double>(within));  // all news
    // against P(Binomial(256, .1) <= delta), 4 standard errors
    double q = 0;
    for (int k = 0; k <= delta; ++k)
      q += std::exp(std::lgamma(257.0) - std::lgamma(k + 1.0) - std::lgamma(257.0 - k) + k * std::log(0.1) +
                    (256 - k) * std::log(0.9));
    EXPECT_NEAR(static_cast<double>(within) / m, q, 4 * std::sqrt(q * (1 - q) / m)) << "delta " << delta;
    blocked.push_back(static_cast<double>(within));
  }
  // a looser threshold blocks more reports: the collateral a threshold trades for recall
  EXPECT_LT(blocked[0], blocked[1]);
  EXPECT_LT(blocked[1], blocked[2]);
}

TEST(HashSharingTest, ABlockedReuploadTriggersTheNextCopy) {
  // copy 1 blocked at step 3 -> copy 2 re-uploaded at step 5, blocked too
  std::vector<std::unique_ptr<Intervention>> ivs;
  ivs.push_back(MakeReuploads());
  ivs.push_back(MakeHashSharing(31, 0.0));
  UploadHarness h(FamilyCatalog(2), std::move(ivs));
  for (int t = 0; t < 7; ++t)
    h.Step(t, [&](ItemActions& a) {
      if (t == 1) a.Remove(0, ModerationChannel::kClassifier, 1);
    });
  EXPECT_EQ(h.items.status[1], ItemStatus::kBlocked);
  EXPECT_EQ(h.items.status[2], ItemStatus::kBlocked);
  for (const auto& r : h.log) {
    if (r.item == 2) {
      EXPECT_EQ(r.step, 5);
    }
  }
}

TEST(HashSharingTest, RestoredItemsLeaveTheDatabase) {
  std::vector<std::unique_ptr<Intervention>> ivs;
  ivs.push_back(MakeHashSharing(31, 0.0));
  auto* hs = static_cast<HashSharing*>(ivs[0].get());
  UploadHarness h(FamilyCatalog(2), std::move(ivs));
  h.Step(0, [](ItemActions& a) { a.Remove(0, ModerationChannel::kClassifier, 0); });
  h.Step(1, [](ItemActions& a) { a.Restore(0, ModerationChannel::kAppeal, 1); });
  EXPECT_EQ(hs->db_size(), 1);
  EXPECT_EQ(h.row[2], 1);
  h.Step(2);
  EXPECT_EQ(hs->db_size(), 0);
}

// P(Binomial(256, 1/2) <= d), computed in log space
double ChanceMatch(int d) {
  double p = 0;
  for (int k = 0; k <= d; ++k)
    p += std::exp(std::lgamma(257.0) - std::lgamma(k + 1.0) - std::lgamma(257.0 - k) - 256 * std::log(2.0));
  return p;
}

TEST(HashSharingTest, ChanceMatchesOfLegitimateItemsAreCountedAndBlocked) {
  // 40 removed legitimate items in the database, 3000 legitimate uploads at step 1; with
  // delta = 100 an unrelated pair matches with probability P(Bin(256, 1/2) <= 100)
  const int delta = 100, removed = 40;
  std::vector<std::unique_ptr<Intervention>> ivs;
  ivs.push_back(MakeHashSharing(delta, 0.0));
  auto* hs = static_cast<HashSharing*>(ivs[0].get());
  CatalogData d;
  d.dim = 2;
  const int64_t n = removed + 3000;
  for (int64_t i = 0; i < n; ++i) {
    d.embeddings.push_back(1.0f);
    d.embeddings.push_back(0.01f * static_cast<float>(i % 50));
    d.labels.push_back(Label::kMainstream);
    d.extremity.push_back(0.1f);
    d.upload_step.push_back(i < removed ? 0 : 1);
  }
  UploadHarness h(std::make_shared<const Catalog>(std::move(d), "legit"), std::move(ivs));
  h.Step(0, [&](ItemActions& a) {
    for (int i = 0; i < removed; ++i) a.Remove(i, ModerationChannel::kClassifier, 0);
  });
  h.Step(1);
  // brute force over the codes, independent of the FAISS index
  int64_t expect = 0;
  for (int64_t i = removed; i < n; ++i) {
    bool match = false;
    for (int j = 0; j < removed && !match; ++j)
      match = HammingDistance(hs->codes().data() + i * kHashBytes, hs->codes().data() + j * kHashBytes) <= delta;
    expect += match;
    EXPECT_EQ(h.items.status[i], match ? ItemStatus::kBlocked : ItemStatus::kLive);
  }
  EXPECT_EQ(h.row[0], static_cast<double>(expect));
  EXPECT_EQ(h.row[1], static_cast<double>(expect));  // all legitimate
  EXPECT_EQ(h.row[2], removed);
  // and the count agrees with the binomial chance of a match (4 standard errors)
  const double q = 1 - std::pow(1 - ChanceMatch(delta), removed);
  EXPECT_GT(expect, 0);
  EXPECT_NEAR(static_cast<double>(expect) / 3000, q, 4 * std::sqrt(q * (1 - q) / 3000));
  // at PDQ's delta = 31 a chance match is below 1e-30
  EXPECT_LT(ChanceMatch(31), 1e-30);
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// the shipped scenario, smaller, paired over 3 replicates: the database blocks re-uploads,
// so fewer copies go live, and at delta = 31 it blocks no legitimate item
TEST(SlowHashSharingTest, SharedDatabaseBlocksReuploadsOfRemovedItems) {
  Scenario sc = LoadScenario(std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/hash_sharing.yaml",
                             {"replicates=3", "steps=25", "population.n_users=1500", "catalog.n_items=8000"});
  SelectArms(sc, {"moderation_only", "hash_sharing"});
  const RunResult r = RunScenario(sc);
  std::map<std::pair<std::string, int>, int64_t> live_copies, blocked;
  for (const auto& run : r.runs)
    for (const auto& rec : run.moderation) {
      live_copies[{run.arm, run.replicate}] += rec.event == ModerationEvent::kReuploaded;
      blocked[{run.arm, run.replicate}] += rec.event == ModerationEvent::kBlocked;
    }
  for (int k = 0; k < 3; ++k) {
    const std::pair<std::string, int> control{"moderation_only", k}, treated{"hash_sharing", k};
    EXPECT_EQ(blocked[control], 0);
    EXPECT_GT(blocked[treated], 20) << "replicate " << k;
    EXPECT_LT(live_copies[treated], 0.6 * live_copies[control]) << "replicate " << k;
  }
  // at delta = 31 no legitimate item is blocked by chance (below 1e-30 a pair): the only
  // legitimate items blocked are news reports carrying an excerpt of a removed item
  const size_t cols = r.columns.size();
  const size_t c = std::find(r.columns.begin(), r.columns.end(), "hash_blocked_legitimate") - r.columns.begin();
  const size_t news = std::find(r.columns.begin(), r.columns.end(), "hash_blocked_news") - r.columns.begin();
  for (const auto& run : r.runs)
    if (run.arm == "hash_sharing") {
      for (int64_t t = 0; t < r.steps; ++t) EXPECT_EQ(run.rows[t * cols + c], run.rows[t * cols + news]);
    }
}

}  // namespace
}  // namespace counterpoint
