// Tests for embeddings/flat_search: exact top-k by the kernel's own scores,
// agreement with FAISS's IndexFlatIP up to ties, the ID selector honoured,
// missing slots, and answers independent of batch composition and threads.
#include "embeddings/flat_search.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/IDSelector.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cstring>
#include <set>
#include <vector>

#include "core/rng.h"
#include "random_rows.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::RandomRows;

struct Topk {
  std::vector<float> dis;
  std::vector<int64_t> ids;
};

Topk Search(const std::vector<float>& q, const std::vector<float>& xb, int64_t d, int64_t k,
            const faiss::IDSelector* sel = nullptr) {
  const int64_t nq = static_cast<int64_t>(q.size()) / d, nb = static_cast<int64_t>(xb.size()) / d;
  Topk r{std::vector<float>(nq * k), std::vector<int64_t>(nq * k)};
  ExactInnerProductSearch(ActiveKernels(), q.data(), nq, xb.data(), nb, d, k, sel, r.dis.data(), r.ids.data());
  return r;
}

constexpr int64_t kD = 24, kNb = 1500, kNq = 131, kK = 10;

TEST(FlatSearchTest, TopkIsExactByTheKernelScores) {
  // every returned score is the kernel's dot of its item, in descending order, and
  // no item left out scores above the k-th (a tie with the k-th keeps the lower id)
  const auto xb = RandomRows(kNb, kD, 1), q = RandomRows(kNq, kD, 2);
  const Topk r = Search(q, xb, kD, kK);
  const DotKernels& k = ActiveKernels();
  for (int64_t i = 0; i < kNq; ++i) {
    std::set<int64_t> got;
    for (int64_t j = 0; j < kK; ++j) {
      const int64_t id = r.ids[i * kK + j];
      ASSERT_GE(id, 0);
      got.insert(id);
      EXPECT_EQ(r.dis[i * kK + j], k.dot(q.data() + i * kD, xb.data() + id * kD, kD));
      if (j > 0) {
        EXPECT_GE(r.dis[i * kK + j - 1], r.dis[i * kK + j]);
      }
    }
    EXPECT_EQ(got.size(), static_cast<size_t>(kK));
    const float kth = r.dis[i * kK + kK - 1];
    for (int64_t item = 0; item < kNb; ++item)
      if (!got.count(item)) {
        EXPECT_LE(k.dot(q.data() + i * kD, xb.data() + item * kD, kD), kth);
      }
  }
}

TEST(FlatSearchTest, MatchesFaissIndexFlatIpUpToTies) {
  const auto xb = RandomRows(kNb, kD, 3), q = RandomRows(kNq, kD, 4);
  faiss::IndexFlatIP faiss_index(kD);
  faiss_index.add(kNb, xb.data());
  std::vector<float> fd(kNq * kK);
  std::vector<faiss::Index::idx_t> fi(kNq * kK);
  faiss_index.search(kNq, q.data(), kK, fd.data(), fi.data());
  const Topk r = Search(q, xb, kD, kK);
  for (int64_t i = 0; i < kNq; ++i) {
    const std::set<int64_t> ours(r.ids.begin() + i * kK, r.ids.begin() + (i + 1) * kK);
    const float kth = fd[i * kK + kK - 1];
    for (int64_t j = 0; j < kK; ++j) {
      EXPECT_NEAR(r.dis[i * kK + j], fd[i * kK + j], 1e-4f);
      // an id only FAISS returns must be tied (within float rounding) with the k-th
      if (!ours.count(fi[i * kK + j])) {
        EXPECT_NEAR(fd[i * kK + j], kth, 1e-4f);
      }
    }
  }
}

TEST(FlatSearchTest, SelectorIsHonouredAndMissingSlotsAreEmpty) {
  const int64_t nb = 50;
  const auto xb = RandomRows(nb, kD, 5), q = RandomRows(9, kD, 6);
  // keep items 0, 3, 6, ... (17 items) and ask for 20
  std::vector<uint8_t> bits((nb + 7) / 8, 0);
  for (int64_t i = 0; i < nb; i += 3) bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
  faiss::IDSelectorBitmap sel(bits.size(), bits.data());
  const int64_t k = 20;
  const Topk r = Search(q, xb, kD, k, &sel);
  for (int64_t i = 0; i < 9; ++i) {
    std::set<int64_t> got;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t id = r.ids[i * k + j];
      if (j < 17) {
        ASSERT_GE(id, 0);
        EXPECT_EQ(id % 3, 0) << "excluded item " << id << " returned";
        got.insert(id);
      } else {
        EXPECT_EQ(id, -1);
        EXPECT_EQ(r.dis[i * k + j], -FLT_MAX);
      }
    }
    EXPECT_EQ(got.size(), 17u) << "every allowed item is returned once";
  }
}

TEST(FlatSearchTest, AnswersIgnoreBatchCompositionAndThreads) {
  const auto xb = RandomRows(kNb, kD, 7), q = RandomRows(kNq, kD, 8);
  Topk all;
  {
    testing::ScopedThreads t(1);
    all = Search(q, xb, kD, kK);
  }
  testing::ScopedThreads t(2);
  const Topk again = Search(q, xb, kD, kK);
  EXPECT_EQ(std::memcmp(all.dis.data(), again.dis.data(), all.dis.size() * sizeof(float)), 0);
  EXPECT_EQ(all.ids, again.ids);
  for (int64_t i = 0; i < kNq; i += 13) {
    const std::vector<float> one(q.begin() + i * kD, q.begin() + (i + 1) * kD);
    const Topk alone = Search(one, xb, kD, kK);
    EXPECT_EQ(std::memcmp(alone.dis.data(), all.dis.data() + i * kK, kK * sizeof(float)), 0) << i;
    EXPECT_TRUE(std::equal(alone.ids.begin(), alone.ids.end(), all.ids.begin() + i * kK)) << i;
  }
}

TEST(FlatSearchTest, SimdIndexFlatIpSearchesThroughTheKernelsWithParams) {
  const auto xb = RandomRows(200, kD, 9), q = RandomRows(5, kD, 10);
  SimdIndexFlatIP index(kD);
  index.add(200, xb.data());
  std::vector<uint8_t> bits(25, 0xff);
  bits[0] = 0;  // exclude items 0..7
  faiss::IDSelectorBitmap sel(bits.size(), bits.data());
  faiss::SearchParameters params;
  params.sel = &sel;
  std::vector<float> dis(5 * 4);
  std::vector<faiss::Index::idx_t> ids(5 * 4);
  index.search(5, q.data(), 4, dis.data(), ids.data(), &params);
  const Topk ref = Search(q, xb, kD, 4, &sel);
  for (int i = 0; i < 20; ++i) {
    EXPECT_GE(ids[i], 8);
    EXPECT_EQ(ids[i], ref.ids[i]);
    EXPECT_EQ(dis[i], ref.dis[i]);
  }
}

}  // namespace
}  // namespace counterpoint
