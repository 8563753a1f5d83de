// Tests for embeddings/catalog (validation, normalisation, extremity direction),
// the synthetic generator (its documented geometry and label statistics) and
// the .npy + CSV loader (its error messages).
#include "embeddings/catalog.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/io.h"
#include "core/params.h"
#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

namespace fs = std::filesystem;

// n x d Gaussian embeddings, all mainstream, extremity uniform in (0, 1).
CatalogData RandomData(int64_t n, int64_t d, uint64_t seed) {
  CatalogData data;
  data.dim = d;
  data.embeddings.resize(n * d);
  for (int64_t i = 0; i < n; ++i) {
    const CounterRng rng(seed, i, 0, Purpose::kCatalogEmbedding);
    for (int64_t j = 0; j < d; ++j) data.embeddings[i * d + j] = static_cast<float>(rng.Normal(j));
    data.labels.push_back(Label::kMainstream);
    data.extremity.push_back(static_cast<float>(rng.Uniform(1000)));
  }
  return data;
}

double Norm(const float* v, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(v[j]) * v[j];
  return std::sqrt(s);
}

// ---------------------------------------------------------------- Catalog

TEST(CatalogTest, NormalisesRowsAndFillsDefaults) {
  CatalogData data = RandomData(40, 5, 1);
  const std::vector<float> raw = data.embeddings;
  const std::vector<float> extremity = data.extremity;
  const Catalog c(std::move(data), "test");
  EXPECT_EQ(c.size(), 40);
  EXPECT_EQ(c.dim(), 5);
  EXPECT_EQ(c.source(), "test");
  for (int64_t i = 0; i < c.size(); ++i) {
    const double norm = Norm(raw.data() + i * 5, 5);
    EXPECT_NEAR(Norm(c.Embedding(i), 5), 1.0, 1e-6);
    for (int64_t j = 0; j < 5; ++j) EXPECT_NEAR(c.Embedding(i)[j], raw[i * 5 + j] / norm, 1e-6);
    EXPECT_EQ(c.harm_score(i), extremity[i]);  // defaults to the extremity
    EXPECT_EQ(c.creator(i), 0);
    EXPECT_EQ(c.topic(i), 0);
    EXPECT_EQ(c.upload_step(i), 0);
    EXPECT_EQ(c.id(i), std::to_string(i));
  }
  EXPECT_EQ(c.embeddings(), c.Embedding(0));
  EXPECT_EQ(c.n_topics(), 1);
  EXPECT_EQ(c.LabelCounts()[static_cast<int>(Label::kMainstream)], 40);
}

TEST(CatalogTest, KeepsGivenAttributes) {
  CatalogData data = RandomData(4, 3, 2);
  data.labels = {Label::kMainstream, Label::kExtremist, Label::kNewsReporting, Label::kExtremist};
  data.harm_score = {0.0f, 1.0f, 0.5f, 0.25f};
  data.creator = {3, 3, 4, 5};
  data.topic = {0, 6, 2, 6};
  data.upload_step = {-2, 0, 7, 1};
  data.ids = {"a", "b", "c", "d"};
  const Catalog c(std::move(data));
  EXPECT_EQ(c.n_topics(), 7);  // max topic + 1
  EXPECT_EQ(c.id(2), "c");
  EXPECT_EQ(c.label(2), Label::kNewsReporting);
  EXPECT_EQ(c.harm_score(3), 0.25f);
  EXPECT_EQ(c.creator(2), 4);
  EXPECT_EQ(c.upload_step(0), -2);
  const auto counts = c.LabelCounts();
  EXPECT_EQ(counts, (std::array<int64_t, kNumLabels>{1, 0, 2, 0, 1}));
}

TEST(CatalogTest, RejectsNonFiniteEmbeddings) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    CatalogData data = RandomData(6, 4, 3);
    data.embeddings[3 * 4 + 2] = bad;
    const InputError e = CatchInputError([&] { Catalog c(std::move(data), "items.npy"); });
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, "items.npy");
    EXPECT_TRUE(Contains(e.what(), "row 3")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "column 2")) << e.what();
  }
}

TEST(CatalogTest, RejectsZeroRows) {
  CatalogData data = RandomData(6, 4, 4);
  for (int j = 0; j < 4; ++j) data.embeddings[5 * 4 + j] = 0.0f;
  const InputError e = CatchInputError([&] { Catalog c(std::move(data), "src"); });
  EXPECT_TRUE(Contains(e.what(), "all-zero")) << e.what();
}

TEST(CatalogTest, RejectsExtremityAndHarmOutsideUnitInterval) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (float bad : {1.5f, -0.1f, nan}) {
    CatalogData data = RandomData(5, 3, 5);
    data.extremity[2] = bad;
    EXPECT_THROW(Catalog(std::move(data)), InputError) << bad;
    CatalogData data2 = RandomData(5, 3, 5);
    data2.harm_score.assign(5, 0.5f);
    data2.harm_score[4] = bad;
    EXPECT_THROW(Catalog(std::move(data2)), InputError) << bad;
  }
  // the closed interval's ends are fine
  CatalogData ok = RandomData(2, 3, 5);
  ok.extremity = {0.0f, 1.0f};
  EXPECT_NO_THROW(Catalog(std::move(ok)));
}

TEST(CatalogTest, RejectsSizeMismatchesAndBadShapes) {
  auto expect_error = [](CatalogData data, const std::string& needle) {
    const InputError e = CatchInputError([&] { Catalog c(std::move(data), "src"); });
    EXPECT_TRUE(Contains(e.what(), needle)) << needle << " -> " << e.what();
  };
  const CatalogData base = RandomData(5, 3, 6);
  {
    CatalogData d = base;
    d.labels.pop_back();
    expect_error(d, "labels has 4 entries for 5 items");
  }
  {
    CatalogData d = base;
    d.extremity.push_back(0.5f);
    expect_error(d, "extremity has 6 entries for 5 items");
  }
  {
    CatalogData d = base;
    d.harm_score.assign(4, 0.1f);
    expect_error(d, "harm_score has 4 entries");
  }
  {
    CatalogData d = base;
    d.creator.assign(3, 0);
    expect_error(d, "creator has 3 entries");
  }
  {
    CatalogData d = base;
    d.topic.assign(6, 0);
    expect_error(d, "topic has 6 entries");
  }
  {
    CatalogData d = base;
    d.upload_step.assign(1, 0);
    expect_error(d, "upload_step has 1 entries");
  }
  {
    CatalogData d = base;
    d.ids = {"a", "b"};
    expect_error(d, "ids has 2 entries");
  }
  {
    CatalogData d = base;
    d.embeddings.push_back(1.0f);  // 16 floats, not a multiple of 3
    expect_error(d, "multiple of the dimension");
  }
  {
    CatalogData d = base;
    d.dim = 0;
    expect_error(d, "dimension must be positive");
  }
  {
    CatalogData d;
    d.dim = 3;
    expect_error(d, "no items");
  }
  {
    CatalogData d = base;
    d.extremity_direction = {1.0f, 0.0f};
    expect_error(d, "extremity direction has 2 components, the embeddings have 3");
  }
  {
    CatalogData d = base;
    d.topic = {0, 1, -1, 0, 0};
    expect_error(d, "topic must be >= 0");
  }
}

// Extremity grows along axis 2 (positively) or axis 4 (negatively); the estimate
// must be that axis and equal the closed form: normalise(sum_i (e_i - mean e) x_i)
// over the normalised rows.
TEST(CatalogTest, EstimatesExtremityDirectionFromTheData) {
  for (const auto& [axis, sign] : std::vector<std::pair<int, double>>{{2, 1.0}, {4, -1.0}}) {
    const int64_t n = 3000, d = 6;
    CatalogData data = RandomData(n, d, 7);
    for (int64_t i = 0; i < n; ++i) {
      const CounterRng rng(8, i, 0, Purpose::kCatalogAttributes);
      data.embeddings[i * d + axis] = static_cast<float>(sign * 4.0 * (data.extremity[i] - 0.5) + 0.2 * rng.Normal(0));
    }
    const Catalog c(std::move(data));
    const auto& dir = c.extremity_direction();
    ASSERT_EQ(static_cast<int64_t>(dir.size()), d);
    EXPECT_NEAR(Norm(dir.data(), d), 1.0, 1e-6);
    EXPECT_GT(sign * dir[axis], 0.95) << "axis " << axis;
    // independent computation of the estimator
    double mean_e = 0;
    for (int64_t i = 0; i < n; ++i) mean_e += c.extremity(i);
    mean_e /= n;
    std::vector<double> acc(d, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) acc[j] += (c.extremity(i) - mean_e) * c.Embedding(i)[j];
    double norm = 0;
    for (double a : acc) norm += a * a;
    norm = std::sqrt(norm);
    for (int64_t j = 0; j < d; ++j) EXPECT_NEAR(dir[j], acc[j] / norm, 1e-5);
    // projections then rank extremity: correlation of Project(x_i) with e_i is high
    double se = 0, sp = 0, spp = 0, see = 0, sep = 0;
    for (int64_t i = 0; i < n; ++i) {
      const double p = c.Project(c.Embedding(i)), e = c.extremity(i);
      se += e, sp += p, spp += p * p, see += e * e, sep += e * p;
    }
    const double cov = sep / n - se / n * sp / n;
    const double corr = cov / std::sqrt((see / n - se * se / n / n) * (spp / n - sp * sp / n / n));
    EXPECT_GT(corr, 0.9);
  }
}

TEST(CatalogTest, GivenDirectionIsNormalisedAndUsedByProject) {
  CatalogData data = RandomData(3, 4, 9);
  data.extremity_direction = {3.0f, 0.0f, -4.0f, 0.0f};
  const Catalog c(std::move(data));
  EXPECT_NEAR(c.extremity_direction()[0], 0.6f, 1e-7);
  EXPECT_NEAR(c.extremity_direction()[2], -0.8f, 1e-7);
  const float v[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_NEAR(c.Project(v), 0.6 * 1 - 0.8 * 3, 1e-6);
}

TEST(CatalogTest, ConstantExtremityGivesZeroDirection) {
  CatalogData data = RandomData(20, 4, 10);
  data.extremity.assign(20, 0.5f);
  const Catalog c(std::move(data));
  for (float x : c.extremity_direction()) EXPECT_EQ(x, 0.0f);
  EXPECT_EQ(c.Project(c.Embedding(3)), 0.0);
}

TEST(CatalogTest, LabelNamesRoundTrip) {
  const auto names = LabelNames();
  ASSERT_EQ(static_cast<int>(names.size()), kNumLabels);
  EXPECT_EQ(names,
            (std::vector<std::string>{"mainstream", "borderline", "extremist", "counter_narrative", "news_reporting"}));
  for (int i = 0; i < kNumLabels; ++i) {
    const Label l = static_cast<Label>(i);
    EXPECT_EQ(LabelName(l), names[i]);
    EXPECT_EQ(ParseLabel(names[i]), l);
    EXPECT_EQ(IsHarmful(l), l == Label::kBorderline || l == Label::kExtremist);
  }
  EXPECT_FALSE(ParseLabel("Extremist").has_value());  // case-sensitive
  EXPECT_FALSE(ParseLabel("").has_value());
}

TEST(CatalogTest, NormalizeRowsCountsZeroRows) {
  std::vector<float> m = {3, 4, 0, 0, -1, 0};
  EXPECT_EQ(NormalizeRows(m.data(), 3, 2), 1);
  EXPECT_EQ(m, (std::vector<float>{0.6f, 0.8f, 0, 0, -1, 0}));
}

// ---------------------------------------------------------------- synthetic

SyntheticCatalogParams TestSyntheticParams() {
  // spelled out so the test does not depend on the defaults
  SyntheticCatalogParams p;
  p.n_items = 20000;
  p.dim = 32;
  p.n_topics = 20;
  p.share_borderline = 0.08;
  p.share_extremist = 0.03;
  p.share_counter_narrative = 0.04;
  p.share_news_reporting = 0.05;
  p.topic_spread = 0.45;
  p.extremity_shift = 1.2;
  p.classifier_noise = 0.15;
  p.news_confusion = 0.35;
  p.items_per_creator = 10;
  p.new_item_share = 0.2;
  p.upload_horizon = 50;
  return p;
}

const Catalog& SharedSynthetic() {
  static const std::shared_ptr<const Catalog> c = GenerateSyntheticCatalog(TestSyntheticParams(), 42);
  return *c;
}

double Shares(const SyntheticCatalogParams& p, Label l) {
  switch (l) {
    case Label::kBorderline:
      return p.share_borderline;
    case Label::kExtremist:
      return p.share_extremist;
    case Label::kCounterNarrative:
      return p.share_counter_narrative;
    case Label::kNewsReporting:
      return p.share_news_reporting;
    case Label::kMainstream:
      break;
  }
  return 1.0 - p.share_borderline - p.share_extremist - p.share_counter_narrative - p.share_news_reporting;
}

TEST(CatalogSyntheticTest, LabelSharesWithinBinomialTolerance) {
  const Catalog& c = SharedSynthetic();
  const auto p = TestSyntheticParams();
  ASSERT_EQ(c.size(), p.n_items);
  ASSERT_EQ(c.dim(), p.dim);
  const auto counts = c.LabelCounts();
  const double n = static_cast<double>(c.size());
  for (int l = 0; l < kNumLabels; ++l) {
    const double share = Shares(p, static_cast<Label>(l));
    EXPECT_NEAR(counts[l] / n, share, 5 * std::sqrt(share * (1 - share) / n)) << LabelName(static_cast<Label>(l));
  }
}

TEST(CatalogSyntheticTest, TopicsUploadsAndCreators) {
  const Catalog& c = SharedSynthetic();
  const auto p = TestSyntheticParams();
  const double n = static_cast<double>(c.size());
  EXPECT_EQ(c.n_topics(), p.n_topics);
  std::vector<int> per_topic(p.n_topics, 0);
  int fresh = 0;
  std::map<int64_t, Label> creator_label;
  for (int64_t i = 0; i < c.size(); ++i) {
    ASSERT_GE(c.topic(i), 0);
    ASSERT_LT(c.topic(i), p.n_topics);
    ++per_topic[c.topic(i)];
    if (c.upload_step(i) > 0) {
      ++fresh;
      EXPECT_LE(c.upload_step(i), p.upload_horizon);
    } else {
      EXPECT_GT(c.upload_step(i), -p.upload_horizon);
    }
    // a creator publishes a single label
    const auto [it, inserted] = creator_label.emplace(c.creator(i), c.label(i));
    EXPECT_EQ(it->second, c.label(i)) << "creator " << c.creator(i);
  }
  const double q = 1.0 / p.n_topics;
  for (int t = 0; t < p.n_topics; ++t) EXPECT_NEAR(per_topic[t] / n, q, 5 * std::sqrt(q * (1 - q) / n));
  EXPECT_NEAR(fresh / n, p.new_item_share, 5 * std::sqrt(p.new_item_share * (1 - p.new_item_share) / n));
}

TEST(CatalogSyntheticTest, UnitNormsAndScoresInRange) {
  const Catalog& c = SharedSynthetic();
  for (int64_t i = 0; i < c.size(); ++i) {
    ASSERT_NEAR(Norm(c.Embedding(i), c.dim()), 1.0, 1e-5) << i;
    ASSERT_GE(c.harm_score(i), 0.0f);
    ASSERT_LE(c.harm_score(i), 1.0f);
  }
  EXPECT_NEAR(Norm(c.extremity_direction().data(), c.dim()), 1.0, 1e-6);
}

TEST(CatalogSyntheticTest, ExtremityRangesByLabel) {
  const Catalog& c = SharedSynthetic();
  for (int64_t i = 0; i < c.size(); ++i) {
    const float e = c.extremity(i);
    switch (c.label(i)) {
      case Label::kMainstream:
        EXPECT_GE(e, 0.0f);
        EXPECT_LE(e, 0.3f) << i;
        break;
      case Label::kBorderline:
        EXPECT_GE(e, 0.35f) << i;
        EXPECT_LE(e, 0.65f) << i;
        break;
      case Label::kExtremist:
        EXPECT_GE(e, 0.7f) << i;
        EXPECT_LE(e, 1.0f) << i;
        break;
      case Label::kCounterNarrative:
        EXPECT_GE(e, 0.0f);
        EXPECT_LE(e, 0.1f) << i;
        break;
      case Label::kNewsReporting:
        EXPECT_GE(e, 0.05f) << i;
        EXPECT_LE(e, 0.25f) << i;
        break;
    }
  }
}

// Counter-narratives and news sit near the harmful region of their topic:
// their mean cosine to that topic's extremist items exceeds mainstream's.
TEST(CatalogSyntheticTest, CounterNarrativesAndNewsAreNearExtremistItemsOfTheirTopic) {
  const Catalog& c = SharedSynthetic();
  const int64_t d = c.dim();
  const int topics = c.n_topics();
  // mean extremist vector per topic: dot(x, mean) = mean cosine to those items
  std::vector<double> mean(topics * d, 0.0);
  std::vector<int> count(topics, 0);
  for (int64_t i = 0; i < c.size(); ++i) {
    if (c.label(i) != Label::kExtremist) continue;
    ++count[c.topic(i)];
    for (int64_t j = 0; j < d; ++j) mean[c.topic(i) * d + j] += c.Embedding(i)[j];
  }
  for (int t = 0; t < topics; ++t) {
    ASSERT_GT(count[t], 0) << "topic " << t;
    for (int64_t j = 0; j < d; ++j) mean[t * d + j] /= count[t];
  }
  std::array<double, kNumLabels> sum{};
  std::array<int, kNumLabels> n{};
  for (int64_t i = 0; i < c.size(); ++i) {
    double cosine = 0;
    for (int64_t j = 0; j < d; ++j) cosine += c.Embedding(i)[j] * mean[c.topic(i) * d + j];
    sum[static_cast<int>(c.label(i))] += cosine;
    ++n[static_cast<int>(c.label(i))];
  }
  auto avg = [&](Label l) { return sum[static_cast<int>(l)] / n[static_cast<int>(l)]; };
  EXPECT_GT(avg(Label::kCounterNarrative), avg(Label::kMainstream) + 0.05);
  EXPECT_GT(avg(Label::kNewsReporting), avg(Label::kMainstream) + 0.05);
  // and harmful items are near each other too
  EXPECT_GT(avg(Label::kExtremist), avg(Label::kMainstream));
}

TEST(CatalogSyntheticTest, ProjectionOnExtremityDirectionOrdersLabels) {
  const Catalog& c = SharedSynthetic();
  std::array<double, kNumLabels> sum{};
  std::array<int, kNumLabels> n{};
  for (int64_t i = 0; i < c.size(); ++i) {
    sum[static_cast<int>(c.label(i))] += c.Project(c.Embedding(i));
    ++n[static_cast<int>(c.label(i))];
  }
  auto avg = [&](Label l) { return sum[static_cast<int>(l)] / n[static_cast<int>(l)]; };
  EXPECT_GT(avg(Label::kExtremist), avg(Label::kBorderline));
  EXPECT_GT(avg(Label::kBorderline), avg(Label::kMainstream));
  EXPECT_GT(avg(Label::kExtremist), avg(Label::kMainstream) + 0.3);
}

// harm = clamp(extremity + noise + news_confusion) for news: the mean bias is
// news_confusion (clamping at 0 or 1 is rare: extremity + 0.35 lies in [0.4, 0.6],
// 2.7 noise sds away from either end), against the small bias of clamping at 0 without it.
TEST(CatalogSyntheticTest, ClassifierConfusesNewsWithHarm) {
  const Catalog& c = SharedSynthetic();
  const auto p = TestSyntheticParams();
  double news_bias = 0;
  int news = 0;
  for (int64_t i = 0; i < c.size(); ++i) {
    if (c.label(i) != Label::kNewsReporting) continue;
    news_bias += c.harm_score(i) - c.extremity(i);
    ++news;
  }
  news_bias /= news;
  EXPECT_NEAR(news_bias, p.news_confusion, 5 * p.classifier_noise / std::sqrt(news) + 0.01);

  // without the confusion only clamping at 0 biases the score (same seed: same items and noise)
  SyntheticCatalogParams q = p;
  q.n_items = 4000;
  q.news_confusion = 0.0;
  const auto plain = GenerateSyntheticCatalog(q, 42);
  double plain_bias = 0;
  int plain_news = 0;
  for (int64_t i = 0; i < plain->size(); ++i) {
    if (plain->label(i) != Label::kNewsReporting) continue;
    plain_bias += plain->harm_score(i) - plain->extremity(i);
    ++plain_news;
  }
  plain_bias /= plain_news;
  // for extremity e and noise sd s, E[max(0, e + s Z)] - e = s phi(e/s) - e Phi(-e/s)
  // (the clamp at 1 needs Z > 5); averaged over news extremity e ~ U[0.05, 0.25] by
  // Simpson's rule, about 0.0152. Clamping only shrinks the spread, so s / sqrt(n) bounds
  // the standard error of the mean bias; the tolerance is 4 of them
  const double s = q.classifier_noise;
  auto clamp_bias = [s](double e) {
    return s * std::exp(-0.5 * (e / s) * (e / s)) / std::sqrt(2 * M_PI) - e * 0.5 * std::erfc(e / s / std::sqrt(2.0));
  };
  const int m = 200;
  const double h = 0.2 / m;
  double expected = 0;
  for (int k = 0; k <= m; ++k) expected += (k == 0 || k == m ? 1 : k % 2 ? 4 : 2) * clamp_bias(0.05 + k * h);
  expected *= h / 3 / 0.2;
  EXPECT_NEAR(plain_bias, expected, 4 * s / std::sqrt(plain_news));
}

// The pools: copies of a share of one label's items, appended after the originals in
// parent order (each parent's copies together), pending until uploaded on demand, the
// news pool after the re-upload pool, neither changing what comes before it.
TEST(CatalogSyntheticTest, PoolsAppendPendingCopiesOfTheirLabelAfterTheOriginals) {
  SyntheticCatalogParams p = TestSyntheticParams();
  p.n_items = 4000;
  const auto plain = GenerateSyntheticCatalog(p, 42);
  p.reupload_pool = 0.5;
  p.reupload_copies = 3;
  const auto reuploads = GenerateSyntheticCatalog(p, 42);
  p.news_pool = 0.25;
  p.news_copies = 2;
  const auto both = GenerateSyntheticCatalog(p, 42);
  const int64_t n = p.n_items, d = p.dim;
  const auto counts = plain->LabelCounts();
  const int64_t extremist = counts[static_cast<int>(Label::kExtremist)];
  const int64_t news = counts[static_cast<int>(Label::kNewsReporting)];
  const int64_t r = reuploads->size() - n, m = both->size() - reuploads->size();
  ASSERT_EQ(r % 3, 0);
  ASSERT_EQ(m % 2, 0);
  // pooled parents: binomial draws of the shares, within 5 standard errors
  EXPECT_NEAR(r / 3.0, 0.5 * extremist, 5 * std::sqrt(0.25 * extremist));
  EXPECT_NEAR(m / 2.0, 0.25 * news, 5 * std::sqrt(0.25 * 0.75 * news));
  ASSERT_GT(m, 0);
  // what comes before a pool is unchanged, bit for bit (embeddings normalised the same way)
  EXPECT_EQ(0, std::memcmp(plain->embeddings(), both->embeddings(), sizeof(float) * n * d));
  EXPECT_EQ(0, std::memcmp(reuploads->embeddings(), both->embeddings(), sizeof(float) * (n + r) * d));
  for (int64_t i = 0; i < n + r; ++i) {
    ASSERT_EQ(reuploads->harm_score(i), both->harm_score(i));
    ASSERT_EQ(reuploads->parent(i), both->parent(i));
  }
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(plain->harm_score(i), both->harm_score(i));
    ASSERT_EQ(both->parent(i), -1);
    ASSERT_NE(both->upload_step(i), kUploadOnDemand);
  }
  // each copy: pending, its parent's label, topic and creator, an embedding near its parent's,
  // extremity within the label's range; parents ascending, each with its copies together
  int64_t last_parent = -1;
  for (int64_t i = n; i < both->size(); ++i) {
    const bool in_news = i >= n + r;
    const int64_t par = both->parent(i), each = in_news ? 2 : 3, k = (i - (in_news ? n + r : n)) % each;
    ASSERT_GE(par, 0);
    ASSERT_LT(par, n);
    EXPECT_EQ(both->upload_step(i), kUploadOnDemand);
    EXPECT_EQ(both->label(i), in_news ? Label::kNewsReporting : Label::kExtremist);
    EXPECT_EQ(both->label(par), both->label(i));
    EXPECT_EQ(both->topic(i), both->topic(par));
    EXPECT_EQ(both->creator(i), both->creator(par));
    if (k == 0) {
      if (i == n + r) last_parent = -1;  // the news pool starts its own parent order
      EXPECT_GT(par, last_parent);
      last_parent = par;
    } else {
      EXPECT_EQ(par, both->parent(i - 1));
    }
    EXPECT_GE(both->extremity(i), in_news ? 0.05f : 0.7f);
    EXPECT_LE(both->extremity(i), in_news ? 0.25f : 1.0f);
    // a perturbation of relative norm about reupload_noise (0.1) leaves the cosine with the
    // parent near 1 / sqrt(1 + 0.01) (0.995) on the normalised rows; 0.95 is far below
    double cos = 0;
    for (int64_t j = 0; j < d; ++j) cos += both->Embedding(i)[j] * both->Embedding(par)[j];
    EXPECT_GT(cos, 0.95) << i;
  }
}

TEST(CatalogSyntheticTest, DeterministicInSeed) {
  SyntheticCatalogParams p = TestSyntheticParams();
  p.n_items = 3000;
  p.dim = 16;
  const auto a = GenerateSyntheticCatalog(p, 5);
  const auto b = GenerateSyntheticCatalog(p, 5);
  const auto other = GenerateSyntheticCatalog(p, 6);
  ASSERT_EQ(a->size(), b->size());
  EXPECT_EQ(0, std::memcmp(a->embeddings(), b->embeddings(), sizeof(float) * a->size() * a->dim()));
  EXPECT_EQ(a->labels(), b->labels());
  EXPECT_EQ(a->extremity_direction(), b->extremity_direction());
  int same_label = 0, same_topic = 0;
  for (int64_t i = 0; i < a->size(); ++i) {
    ASSERT_EQ(a->extremity(i), b->extremity(i));
    ASSERT_EQ(a->harm_score(i), b->harm_score(i));
    ASSERT_EQ(a->creator(i), b->creator(i));
    ASSERT_EQ(a->topic(i), b->topic(i));
    ASSERT_EQ(a->upload_step(i), b->upload_step(i));
    same_label += a->label(i) == other->label(i);
    same_topic += a->topic(i) == other->topic(i);
  }
  EXPECT_NE(0, std::memcmp(a->embeddings(), other->embeddings(), sizeof(float) * a->size() * a->dim()));
  EXPECT_LT(same_topic, a->size() / 10);  // ~1/20 agree by chance
  EXPECT_LT(same_label, a->size());
}

// Above 20000 items the generator runs in parallel; results must not depend on
// the number of threads.
TEST(CatalogSyntheticTest, IndependentOfThreadCount) {
  SyntheticCatalogParams p = TestSyntheticParams();
  p.n_items = 20001;
  p.dim = 8;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto serial = GenerateSyntheticCatalog(p, 11);
  omp_set_num_threads(4);
  const auto parallel = GenerateSyntheticCatalog(p, 11);
  omp_set_num_threads(saved);
  EXPECT_EQ(0, std::memcmp(serial->embeddings(), parallel->embeddings(), sizeof(float) * p.n_items * p.dim));
  EXPECT_EQ(serial->labels(), parallel->labels());
}

TEST(CatalogSyntheticTest, SharesAboveOneAreRejected) {
  SyntheticCatalogParams p = TestSyntheticParams();
  p.n_items = 100;
  p.share_borderline = 0.5;
  p.share_extremist = 0.3;
  p.share_counter_narrative = 0.2;
  p.share_news_reporting = 0.1;
  const InputError e = CatchInputError([&] { GenerateSyntheticCatalog(p, 1); });
  EXPECT_TRUE(Contains(e.what(), "add up to")) << e.what();
  // exactly 1 is allowed: no mainstream items
  p.share_news_reporting = 0.0;
  const auto c = GenerateSyntheticCatalog(p, 1);
  EXPECT_EQ(c->LabelCounts()[static_cast<int>(Label::kMainstream)], 0);
}

TEST(CatalogSyntheticTest, SpecDefaultsMatchTheStructDefaults) {
  const SyntheticCatalogParams d;
  const SyntheticCatalogParams s = SyntheticParamsFrom(Params::Defaults(SyntheticCatalogSpec()));
  EXPECT_EQ(s.n_items, d.n_items);
  EXPECT_EQ(s.dim, d.dim);
  EXPECT_EQ(s.n_topics, d.n_topics);
  EXPECT_EQ(s.share_borderline, d.share_borderline);
  EXPECT_EQ(s.share_extremist, d.share_extremist);
  EXPECT_EQ(s.share_counter_narrative, d.share_counter_narrative);
  EXPECT_EQ(s.share_news_reporting, d.share_news_reporting);
  EXPECT_EQ(s.topic_spread, d.topic_spread);
  EXPECT_EQ(s.extremity_shift, d.extremity_shift);
  EXPECT_EQ(s.classifier_noise, d.classifier_noise);
  EXPECT_EQ(s.news_confusion, d.news_confusion);
  EXPECT_EQ(s.items_per_creator, d.items_per_creator);
  EXPECT_EQ(s.new_item_share, d.new_item_share);
  EXPECT_EQ(s.upload_horizon, d.upload_horizon);
}

TEST(CatalogSyntheticTest, RegistryBuildsTheSameCatalog) {
  const auto* entry = CatalogRegistry::Get().Find("synthetic");
  ASSERT_NE(entry, nullptr);
  DiagnosticList diags;
  const Params params =
      ValidateBlock(YAML::Load("n_items: 500\ndim: 8\nn_topics: 4"), entry->spec, "s.yaml", "catalog", diags);
  ASSERT_TRUE(diags.empty());
  CatalogContext ctx;
  ctx.seed = 99;
  const auto via_registry = entry->factory(params, ctx);
  const auto direct = GenerateSyntheticCatalog(SyntheticParamsFrom(params), 99);
  ASSERT_EQ(via_registry->size(), 500);
  EXPECT_EQ(via_registry->dim(), 8);
  EXPECT_EQ(0, std::memcmp(via_registry->embeddings(), direct->embeddings(), sizeof(float) * 500 * 8));
}

// ---------------------------------------------------------------- files

class CatalogFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("counterpoint_catalog_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    npy_ = (dir_ / "emb.npy").string();
    csv_ = (dir_ / "items.csv").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteMatrix(std::vector<float> m, int64_t rows, int64_t cols) { WriteNpy(npy_, m.data(), rows, cols); }
  void WriteGoodMatrix() { WriteMatrix({1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 0}, 4, 3); }
  void WriteCsv(const std::string& text) { std::ofstream(csv_, std::ios::binary) << text; }

  InputError LoadError(int64_t expected_dim = 0) {
    return CatchInputError([&] { LoadCatalogFiles(npy_, csv_, expected_dim); });
  }

  fs::path dir_;
  std::string npy_, csv_;
};

constexpr char kGoodCsv[] =
    "id,label,extremity,harm_score,creator,topic,upload_step\n"
    "v1,mainstream,0.1,0.2,7,0,0\n"
    "v2,borderline,0.5,0.4,7,1,-3\n"
    "v3,extremist,0.9,1,8,2,5\n"
    "v4,counter_narrative,0,0.05,9,1,2\n";

// Creator / organisation ids are 64-bit: platform ids beyond 2^31 survive loading.
TEST_F(CatalogFilesTest, CreatorIdsBeyond32BitsAreKept) {
  WriteGoodMatrix();
  WriteCsv(
      "id,label,creator\n"
      "v1,mainstream,5000000000\n"
      "v2,borderline,9223372036854775807\n"
      "v3,extremist,-4294967296\n"
      "v4,counter_narrative,2147483648\n");
  const auto c = LoadCatalogFiles(npy_, csv_, 3);
  EXPECT_EQ(c->creator(0), int64_t{5000000000});
  EXPECT_EQ(c->creator(1), INT64_MAX);
  EXPECT_EQ(c->creator(2), int64_t{-4294967296});
  EXPECT_EQ(c->creator(3), int64_t{2147483648});
}

TEST_F(CatalogFilesTest, GoodFixtureLoads) {
  WriteGoodMatrix();
  WriteCsv(kGoodCsv);
  const auto c = LoadCatalogFiles(npy_, csv_, 3);
  ASSERT_EQ(c->size(), 4);
  EXPECT_EQ(c->dim(), 3);
  EXPECT_EQ(c->source(), npy_);
  EXPECT_EQ(c->id(2), "v3");
  EXPECT_EQ(c->label(1), Label::kBorderline);
  EXPECT_EQ(c->label(3), Label::kCounterNarrative);
  EXPECT_EQ(c->extremity(2), 0.9f);
  EXPECT_EQ(c->harm_score(0), 0.2f);
  EXPECT_EQ(c->creator(2), 8);
  EXPECT_EQ(c->topic(3), 1);
  EXPECT_EQ(c->n_topics(), 3);
  EXPECT_EQ(c->upload_step(1), -3);
  // rows are normalised
  EXPECT_EQ(c->Embedding(1)[1], 1.0f);
  EXPECT_NEAR(c->Embedding(3)[0], 1 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(c->Embedding(3)[1], 1 / std::sqrt(2.0), 1e-7);
  // dim 0 means "take it from the file"
  EXPECT_EQ(LoadCatalogFiles(npy_, csv_)->dim(), 3);
}

TEST_F(CatalogFilesTest, MinimalCsvDefaultsExtremityByLabel) {
  WriteGoodMatrix();
  WriteCsv("label,id\nmainstream,a\nborderline,b\nextremist,c\nnews_reporting,d\n");
  const auto c = LoadCatalogFiles(npy_, csv_);
  EXPECT_EQ(c->extremity(0), 0.0f);
  EXPECT_EQ(c->extremity(1), 0.5f);
  EXPECT_EQ(c->extremity(2), 1.0f);
  EXPECT_EQ(c->extremity(3), 0.0f);
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c->harm_score(i), c->extremity(i));
    EXPECT_EQ(c->topic(i), 0);
  }
  EXPECT_EQ(c->id(3), "d");
}

TEST_F(CatalogFilesTest, Float64EmbeddingsLoad) {
  const std::vector<double> values = {0.5, 0.5, -1, 2};
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY") + '\x01' + '\0' + static_cast<char>(header.size()) + '\0' + header;
  bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * 8);
  std::ofstream(npy_, std::ios::binary) << bytes;
  WriteCsv("id,label\na,mainstream\nb,extremist\n");
  const auto c = LoadCatalogFiles(npy_, csv_, 2);
  EXPECT_NEAR(c->Embedding(0)[0], 1 / std::sqrt(2.0), 1e-7);
  EXPECT_NEAR(c->Embedding(1)[1], 2 / std::sqrt(5.0), 1e-7);
}

TEST_F(CatalogFilesTest, WrongDimensionNamesBoth) {
  WriteGoodMatrix();
  WriteCsv(kGoodCsv);
  const InputError e = LoadError(5);
  EXPECT_EQ(e.diagnostics()[0].file, npy_);
  EXPECT_TRUE(Contains(e.what(), "dimension 3")) << e.what();
  EXPECT_TRUE(Contains(e.what(), "dim: 5")) << e.what();
}

TEST_F(CatalogFilesTest, NonFiniteEmbeddingNamesRowAndColumn) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    WriteMatrix({1, 0, 0, 0, 1, bad, 0, 0, 3, 1, 1, 0}, 4, 3);
    WriteCsv(kGoodCsv);
    const InputError e = LoadError();
    EXPECT_EQ(e.diagnostics()[0].file, npy_);
    EXPECT_TRUE(Contains(e.what(), "row 1 column 2")) << e.what();
  }
}

TEST_F(CatalogFilesTest, ZeroEmbeddingIsRejected) {
  WriteMatrix({1, 0, 0, 0, 0, 0, 0, 0, 3, 1, 1, 0}, 4, 3);
  WriteCsv(kGoodCsv);
  const InputError e = LoadError();
  EXPECT_EQ(e.diagnostics()[0].file, npy_);
  EXPECT_TRUE(Contains(e.what(), "all-zero")) << e.what();
}

TEST_F(CatalogFilesTest, UnknownLabelListsValidLabelsAndNamesTheLine) {
  WriteGoodMatrix();
  WriteCsv("id,label\na,mainstream\nb,extreme\nc,extremist\nd,mainstream\n");
  const InputError e = LoadError();
  const Diagnostic& d = e.diagnostics()[0];
  EXPECT_EQ(d.file, csv_);
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 2);
  EXPECT_TRUE(Contains(d.message, "unknown label 'extreme'")) << d.message;
  EXPECT_TRUE(Contains(d.message, "valid labels: mainstream, borderline, extremist, counter_narrative, news_reporting"))
      << d.message;
  EXPECT_TRUE(Contains(e.what(), csv_ + ":3:2")) << e.what();
}

TEST_F(CatalogFilesTest, DuplicateIdNamesBothLines) {
  WriteGoodMatrix();
  WriteCsv("id,label\na,mainstream\nb,mainstream\na,extremist\nd,mainstream\n");
  const InputError e = LoadError();
  const Diagnostic& d = e.diagnostics()[0];
  EXPECT_EQ(d.file, csv_);
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(d.column, 1);
  EXPECT_TRUE(Contains(d.message, "duplicate item id 'a' (first on line 2)")) << d.message;
}

TEST_F(CatalogFilesTest, MissingIdNamesTheLine) {
  WriteGoodMatrix();
  WriteCsv("label,id\nmainstream,a\nmainstream,\nextremist,c\nmainstream,d\n");
  const InputError e = LoadError();
  EXPECT_EQ(e.diagnostics()[0].line, 3);
  EXPECT_EQ(e.diagnostics()[0].column, 2);
  EXPECT_TRUE(Contains(e.what(), "missing item id")) << e.what();
}

TEST_F(CatalogFilesTest, RowCountMismatch) {
  WriteGoodMatrix();
  WriteCsv("id,label\na,mainstream\nb,mainstream\nc,extremist\n");
  const InputError e = LoadError();
  EXPECT_EQ(e.diagnostics()[0].file, csv_);
  EXPECT_TRUE(Contains(e.what(), "has 3 item rows")) << e.what();
  EXPECT_TRUE(Contains(e.what(), "4 embeddings")) << e.what();
}

TEST_F(CatalogFilesTest, MissingLabelColumn) {
  WriteGoodMatrix();
  WriteCsv("id,kind\na,x\nb,x\nc,x\nd,x\n");
  const InputError e = LoadError();
  EXPECT_EQ(e.diagnostics()[0].file, csv_);
  EXPECT_EQ(e.diagnostics()[0].line, 1);
  EXPECT_TRUE(Contains(e.what(), "missing column 'label'")) << e.what();
  EXPECT_TRUE(Contains(e.what(), "id, kind")) << e.what();
}

TEST_F(CatalogFilesTest, BadAttributeValuesNameTheLine) {
  WriteGoodMatrix();
  struct Case {
    std::string row3, expect;
    int column;
  };
  const std::vector<Case> cases = {
      {"c,extremist,1.5,1,0,0,0", "must lie in [0, 1]", 0},
      {"c,extremist,0.9,-0.2,0,0,0", "must lie in [0, 1]", 0},
      {"c,extremist,high,1,0,0,0", "expected a finite number, got 'high'", 3},
      {"c,extremist,0.9,1,x,0,0", "expected an integer, got 'x'", 5},
      {"c,extremist,0.9,1,0,-1,0", "topic must be >= 0", 6},
  };
  for (const auto& c : cases) {
    WriteCsv(
        "id,label,extremity,harm_score,creator,topic,upload_step\n"
        "a,mainstream,0,0,0,0,0\nb,mainstream,0,0,0,0,0\n" +
        c.row3 + "\nd,mainstream,0,0,0,0,0\n");
    const InputError e = LoadError();
    EXPECT_EQ(e.diagnostics()[0].file, csv_) << c.row3;
    EXPECT_EQ(e.diagnostics()[0].line, 4) << c.row3;
    EXPECT_EQ(e.diagnostics()[0].column, c.column) << c.row3;
    EXPECT_TRUE(Contains(e.what(), c.expect)) << c.row3 << " -> " << e.what();
  }
}

TEST_F(CatalogFilesTest, MissingFilesAreNamed) {
  WriteCsv(kGoodCsv);
  EXPECT_EQ(LoadError().diagnostics()[0].file, npy_);  // no .npy written
  WriteGoodMatrix();
  fs::remove(csv_);
  EXPECT_EQ(LoadError().diagnostics()[0].file, csv_);
}

TEST_F(CatalogFilesTest, RegistryResolvesRelativePaths) {
  WriteGoodMatrix();
  WriteCsv(kGoodCsv);
  const auto* entry = CatalogRegistry::Get().Find("files");
  ASSERT_NE(entry, nullptr);
  DiagnosticList diags;
  const Params params = ValidateBlock(YAML::Load("embeddings: emb.npy\nitems: items.csv\ndim: 3"), entry->spec,
                                      "s.yaml", "catalog", diags);
  ASSERT_TRUE(diags.empty());
  CatalogContext ctx;
  ctx.base_dir = dir_.string();
  const auto c = entry->factory(params, ctx);
  EXPECT_EQ(c->size(), 4);
  EXPECT_EQ(c->id(0), "v1");
  // both file keys are required
  DiagnosticList missing;
  ValidateBlock(YAML::Load("dim: 3"), entry->spec, "s.yaml", "catalog", missing);
  EXPECT_EQ(missing.size(), 2u);
}

}  // namespace
}  // namespace counterpoint
