// Tests for embeddings/candidate_keys: the key order is (score descending, id
// ascending) and decodes to the exact score, and every appender this CPU runs keeps
// exactly the candidates a one-by-one reference keeps (threshold, NaN, bitmap, the
// bitmap's last bytes, tails of a vector), writing nothing past its slack.
#include "embeddings/candidate_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/rng.h"

namespace counterpoint {
namespace {

std::vector<SimdLevel> Levels() {
  std::vector<SimdLevel> out;
  for (int l = 0; l <= static_cast<int>(DetectedSimdLevel()); ++l) out.push_back(static_cast<SimdLevel>(l));
  return out;
}

TEST(CandidateKeysTest, AscendingKeysAreScoresDescendingThenIdsAscending) {
  const float inf = std::numeric_limits<float>::infinity();
  // (score, id) in the top-k's order, best first; -0 and +0 are one score
  const std::vector<std::pair<float, int64_t>> order = {{inf, 5},   {3.5f, 0},  {3.5f, 7}, {1.0f, 2},    {1e-30f, 9},
                                                        {0.0f, 1},  {-0.0f, 3}, {0.0f, 4}, {-1e-30f, 0}, {-1.0f, 6},
                                                        {-2.5f, 1}, {-inf, 0},  {-inf, 8}};
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    EXPECT_LT(CandidateKey(order[i].first, order[i].second), CandidateKey(order[i + 1].first, order[i + 1].second))
        << "at " << i;
  }
  for (const auto& [s, id] : order) {
    const uint64_t key = CandidateKey(s, id);
    EXPECT_EQ(CandidateScore(key), s) << s;
    EXPECT_FALSE(std::signbit(CandidateScore(key)) && CandidateScore(key) == 0.0f) << "-0 reads as +0";
    EXPECT_EQ(static_cast<int64_t>(key & 0xffffffffu), id);
  }
}

TEST(CandidateKeysTest, EveryAppenderKeepsWhatTheReferenceKeeps) {
  CounterRng rng(21, 0, 0, Purpose::kSession);
  uint64_t draw = 0;
  constexpr int64_t kIds = 203;  // 26 bitmap bytes (bits up to 207): ids near its end take the one-by-one path
  std::vector<uint8_t> bitmap((kIds + 7) / 8);
  for (auto& b : bitmap) b = static_cast<uint8_t>(rng.Uniform(draw++) * 256);
  int64_t kept_total = 0, refused_by_bitmap = 0;
  for (const int64_t m : {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 70}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> s(m);
      std::vector<int64_t> ids(m);
      for (int64_t j = 0; j < m; ++j) {
        const double u = rng.Uniform(draw++);
        s[j] = u < 0.05 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(rng.Uniform(draw++) * 4 - 2);
        if (u > 0.95) s[j] = 0.5f;                                         // ties at the threshold are kept
        ids[j] = static_cast<int64_t>(rng.Uniform(draw++) * (kIds + 40));  // some past the bitmap's end
      }
      const float threshold = trial % 4 == 0 ? -std::numeric_limits<float>::infinity() : 0.5f;
      for (const bool with_bitmap : {false, true}) {
        std::vector<uint64_t> want;
        for (int64_t j = 0; j < m; ++j) {
          if (!(s[j] >= threshold)) continue;
          const size_t byte = static_cast<size_t>(ids[j]) >> 3;
          const bool member = byte < bitmap.size() && ((bitmap[byte] >> (ids[j] & 7)) & 1) != 0;
          if (with_bitmap && !member) {
            ++refused_by_bitmap;
            continue;
          }
          want.push_back(CandidateKey(s[j], ids[j]));
        }
        std::sort(want.begin(), want.end());
        for (const SimdLevel level : Levels()) {
          constexpr uint64_t kCanary = 0x5eed5eed5eed5eedULL;
          std::vector<uint64_t> out(m + kAppendSlack + 4, kCanary);
          const int64_t n =
              AppenderFor(level)(s.data(), m, threshold, ids.data(), with_bitmap ? bitmap.data() : nullptr,
                                 with_bitmap ? bitmap.size() : 0, out.data());
          ASSERT_EQ(n, static_cast<int64_t>(want.size())) << SimdLevelName(level) << " m=" << m;
          std::vector<uint64_t> got(out.begin(), out.begin() + n);
          std::sort(got.begin(), got.end());
          EXPECT_EQ(got, want) << SimdLevelName(level) << " m=" << m;
          for (size_t j = m + kAppendSlack; j < out.size(); ++j) {
            EXPECT_EQ(out[j], kCanary) << "written past the slack";
          }
        }
        kept_total += static_cast<int64_t>(want.size());
      }
    }
  }
  EXPECT_GT(kept_total, 1000);
  EXPECT_GT(refused_by_bitmap, 300);
}

}  // namespace
}  // namespace counterpoint
