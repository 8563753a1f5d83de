// Tests for embeddings/ivf_scanner: the SIMD IVF-Flat scanner against FAISS's own
// IVFFlatScanner on the same inverted lists (top-k sets equal up to ties), the
// kernel's scores against a double reference, the ID selector honoured inside the
// scan, and store_pairs labels.
#include "embeddings/ivf_scanner.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/invlists/DirectMap.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include "core/rng.h"
#include "random_rows.h"

namespace counterpoint {
namespace {

using testing::RandomRows;

constexpr int64_t kD = 40, kNb = 3000, kNlist = 16, kNq = 60, kK = 15;
using idx_t = faiss::Index::idx_t;

// FAISS's IndexIVFFlat and ours over one trained quantizer, with the same data added
struct Pair {
  faiss::IndexFlatIP quantizer{kD};
  std::unique_ptr<faiss::IndexIVFFlat> faiss_ivf;
  std::unique_ptr<SimdIndexIVFFlat> ours;
  std::vector<float> xb = RandomRows(kNb, kD, 1);

  Pair() {
    faiss_ivf = std::make_unique<faiss::IndexIVFFlat>(&quantizer, kD, kNlist, faiss::METRIC_INNER_PRODUCT);
    faiss_ivf->cp.verbose = false;
    faiss_ivf->train(kNb, xb.data());
    faiss_ivf->add(kNb, xb.data());
    ours = std::make_unique<SimdIndexIVFFlat>(&quantizer, kD, kNlist);
    ours->is_trained = true;
    ours->add(kNb, xb.data());
  }
};

// built once for all tests (training is the slow part)
Pair& Shared() {
  static Pair p;
  return p;
}

struct Result {
  std::vector<float> dis = std::vector<float>(kNq * kK);
  std::vector<idx_t> ids = std::vector<idx_t>(kNq * kK);
};

Result Search(const faiss::IndexIVF& index, const std::vector<float>& q, faiss::IDSelector* sel) {
  faiss::SearchParametersIVF p;
  p.nprobe = 4;
  p.sel = sel;
  Result r;
  index.search(kNq, q.data(), kK, r.dis.data(), r.ids.data(), &p);
  return r;
}

void ExpectSameUpToTies(const Result& ours, const Result& faiss_r) {
  for (int64_t i = 0; i < kNq; ++i) {
    const std::set<idx_t> mine(ours.ids.begin() + i * kK, ours.ids.begin() + (i + 1) * kK);
    const float kth = faiss_r.dis[i * kK + kK - 1];
    for (int64_t j = 0; j < kK; ++j) {
      EXPECT_NEAR(ours.dis[i * kK + j], faiss_r.dis[i * kK + j], 1e-4f) << i << "," << j;
      if (!mine.count(faiss_r.ids[i * kK + j])) {
        EXPECT_NEAR(faiss_r.dis[i * kK + j], kth, 1e-4f) << "not a tie";
      }
    }
  }
}

TEST(IvfScannerTest, SameListsAsFaiss) {
  Pair& p = Shared();
  for (idx_t l = 0; l < kNlist; ++l) ASSERT_EQ(p.ours->get_list_size(l), p.faiss_ivf->get_list_size(l));
}

TEST(IvfScannerTest, TopkMatchesFaissScannerUpToTies) {
  Pair& p = Shared();
  const auto q = RandomRows(kNq, kD, 2);
  ExpectSameUpToTies(Search(*p.ours, q, nullptr), Search(*p.faiss_ivf, q, nullptr));
}

TEST(IvfScannerTest, SelectorHonouredInsideTheScan) {
  Pair& p = Shared();
  const auto q = RandomRows(kNq, kD, 3);
  // exclude every item whose id is odd, and all of 0..99
  std::vector<uint8_t> bits((kNb + 7) / 8, 0x55);
  for (int i = 0; i < 100 / 8 + 1; ++i) bits[i] = 0;
  faiss::IDSelectorBitmap sel(bits.size(), bits.data());
  const Result ours = Search(*p.ours, q, &sel);
  for (idx_t id : ours.ids)
    if (id >= 0) {
      EXPECT_TRUE(id % 2 == 0 && id >= 104) << "excluded item " << id << " returned";
    }
  ExpectSameUpToTies(ours, Search(*p.faiss_ivf, q, &sel));
}

TEST(IvfScannerTest, ScanCodesScoresEveryListItemWithinRoundingOfDouble) {
  Pair& p = Shared();
  const auto q = RandomRows(1, kD, 4);
  std::unique_ptr<faiss::InvertedListScanner> scanner(p.ours->get_InvertedListScanner(true, nullptr));
  scanner->set_query(q.data());
  const idx_t list = 3;
  scanner->set_list(list, 0);
  const size_t n = p.ours->invlists->list_size(list);
  ASSERT_GT(n, 10u);
  // a heap as large as the list keeps every item, labels are (list, offset) pairs
  std::vector<float> dis(n, -std::numeric_limits<float>::max());
  std::vector<idx_t> lab(n, -1);
  const auto* codes = p.ours->invlists->get_codes(list);
  const auto* ids = p.ours->invlists->get_ids(list);
  EXPECT_EQ(scanner->scan_codes(n, codes, ids, dis.data(), lab.data(), n), n);
  std::set<idx_t> offsets;
  for (size_t j = 0; j < n; ++j) {
    ASSERT_EQ(static_cast<idx_t>(faiss::lo_listno(lab[j])), list);
    const size_t off = faiss::lo_offset(lab[j]);
    offsets.insert(off);
    const float* v = reinterpret_cast<const float*>(codes) + off * kD;
    double exact = 0, abs_sum = 0;
    for (int64_t c = 0; c < kD; ++c) exact += static_cast<double>(q[c]) * v[c], abs_sum += std::fabs(q[c] * v[c]);
    EXPECT_LE(std::fabs(dis[j] - exact), 2 * kD * std::ldexp(1.0, -24) * abs_sum * 1.01);
    EXPECT_EQ(dis[j], scanner->distance_to_code(reinterpret_cast<const uint8_t*>(v)));
  }
  EXPECT_EQ(offsets.size(), n);
  p.ours->invlists->release_codes(list, codes);
  p.ours->invlists->release_ids(list, ids);
}

// Small integer coordinates make every score exact in float and give many equal
// scores, positive and negative: with every list probed, the search must return the
// exact top k by (score descending, id ascending), best first, which a sort of all
// items by that order (computed here in integers) gives independently. k = 40 out of
// 2,000 items fills and cuts each query's buffer of 2k several times.
TEST(IvfScannerTest, AllListsProbedGiveTheExactTopkWithTiesByIdAscending) {
  constexpr int64_t d = 16, n = 2000, nlist = 8, nq = 25, k = 40;
  CounterRng rng(11, 0, 0, Purpose::kSession);
  std::vector<float> xb(n * d), q(nq * d);
  uint64_t draw = 0;
  for (auto& v : xb) v = static_cast<float>(static_cast<int>(rng.Uniform(draw++) * 5) - 2);  // -2..2
  for (auto& v : q) v = static_cast<float>(static_cast<int>(rng.Uniform(draw++) * 3) - 1);   // -1..1
  faiss::IndexFlatIP quantizer(d);
  SimdIndexIVFFlat ivf(&quantizer, d, nlist);
  ivf.cp.verbose = false;
  ivf.train(n, xb.data());
  ivf.add(n, xb.data());
  faiss::SearchParametersIVF params;
  params.nprobe = nlist;
  std::vector<float> dis(nq * k);
  std::vector<idx_t> ids(nq * k);
  ivf.search(nq, q.data(), k, dis.data(), ids.data(), &params);
  int64_t ties = 0;
  for (int64_t i = 0; i < nq; ++i) {
    std::vector<std::pair<int64_t, int64_t>> order;  // (-score, id): ascending = best first
    for (int64_t j = 0; j < n; ++j) {
      int64_t score = 0;
      for (int64_t c = 0; c < d; ++c) score += static_cast<int64_t>(q[i * d + c]) * static_cast<int64_t>(xb[j * d + c]);
      order.emplace_back(-score, j);
    }
    std::sort(order.begin(), order.end());
    for (int64_t r = 0; r < k; ++r) {
      EXPECT_EQ(ids[i * k + r], order[r].second) << "query " << i << " rank " << r;
      EXPECT_EQ(dis[i * k + r], static_cast<float>(-order[r].first)) << "query " << i << " rank " << r;
      if (r > 0 && order[r].first == order[r - 1].first) ++ties;
    }
  }
  EXPECT_GT(ties, nq * k / 2);  // the case is about ties
}

// The same against a bitmap selector (every third id excluded) and k = 150 of 3,000
// items, with two value ranges: few distinct scores (a cut's radix level cannot
// split the ties, so the exact select runs) and many (the one-level cut keeps a
// little more than k, with a threshold below the k-th). Either way the answer is
// the exact top k among the selected items.
TEST(IvfScannerTest, SelectorAndLargeKGiveTheExactTopkWhateverTheCut) {
  constexpr int64_t d = 16, n = 3000, nlist = 8, nq = 20, k = 150;
  for (const int range : {2, 60}) {
    CounterRng rng(12 + range, 0, 0, Purpose::kSession);
    std::vector<float> xb(n * d), q(nq * d);
    uint64_t draw = 0;
    for (auto& v : xb) v = static_cast<float>(static_cast<int>(rng.Uniform(draw++) * (2 * range + 1)) - range);
    for (auto& v : q) v = static_cast<float>(static_cast<int>(rng.Uniform(draw++) * 3) - 1);
    faiss::IndexFlatIP quantizer(d);
    SimdIndexIVFFlat ivf(&quantizer, d, nlist);
    ivf.cp.verbose = false;
    ivf.train(n, xb.data());
    ivf.add(n, xb.data());
    std::vector<uint8_t> bits((n + 7) / 8, 0);
    for (int64_t j = 0; j < n; ++j)
      if (j % 3 != 0) bits[j >> 3] = static_cast<uint8_t>(bits[j >> 3] | (1u << (j & 7)));
    faiss::IDSelectorBitmap sel(bits.size(), bits.data());
    faiss::SearchParametersIVF params;
    params.nprobe = nlist;
    params.sel = &sel;
    std::vector<float> dis(nq * k);
    std::vector<idx_t> ids(nq * k);
    ivf.search(nq, q.data(), k, dis.data(), ids.data(), &params);
    for (int64_t i = 0; i < nq; ++i) {
      std::vector<std::pair<int64_t, int64_t>> order;  // (-score, id): ascending = best first
      for (int64_t j = 0; j < n; ++j) {
        if (j % 3 == 0) continue;
        int64_t score = 0;
        for (int64_t c = 0; c < d; ++c)
          score += static_cast<int64_t>(q[i * d + c]) * static_cast<int64_t>(xb[j * d + c]);
        order.emplace_back(-score, j);
      }
      std::sort(order.begin(), order.end());
      for (int64_t r = 0; r < k; ++r) {
        ASSERT_EQ(ids[i * k + r], order[r].second) << "range " << range << " query " << i << " rank " << r;
        ASSERT_EQ(dis[i * k + r], static_cast<float>(-order[r].first)) << "range " << range << " query " << i;
      }
    }
  }
}

}  // namespace
}  // namespace counterpoint
