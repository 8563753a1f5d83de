// The hash database: exact matching within a radius by multi-index hashing, against a
// brute-force scan written here (HammingDistance over every code held).
#include "embeddings/hash_database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "test_util.h"

namespace counterpoint {
namespace {

TEST(PerceptualHashTest, DatabaseReturnsTheNearestDistanceAndForgetsRemovedItems) {
  uint8_t a[kHashBytes], b[kHashBytes], q[2 * kHashBytes];
  RandomHash(1, 1, a);
  RandomHash(1, 2, b);
  std::copy(a, a + kHashBytes, q);
  FlipBits(1, 3, 5, q);
  std::copy(b, b + kHashBytes, q + kHashBytes);
  FlipBits(1, 4, 9, q + kHashBytes);
  HashDatabase db(4);
  int32_t dist[2];
  int64_t item[2];
  db.Nearest(q, 2, dist, item);
  EXPECT_EQ(dist[0], kHashBits + 1);  // empty
  db.Add(10, a);
  db.Add(20, b);
  db.Nearest(q, 2, dist, item);
  EXPECT_EQ(dist[0], 5);
  EXPECT_EQ(item[0], 10);
  EXPECT_EQ(dist[1], 9);
  EXPECT_EQ(item[1], 20);
  db.Remove(10);
  EXPECT_EQ(db.size(), 1);
  db.Nearest(q, 1, dist, item);
  EXPECT_EQ(item[0], 20);
  EXPECT_EQ(dist[0], HammingDistance(q, b));
}

// brute force: the nearest code within `radius`, the first added on ties
void BruteWithin(const std::vector<uint8_t>& held, const std::vector<int64_t>& items, const uint8_t* q, int radius,
                 int32_t& distance, int64_t& item) {
  distance = kHashBits + 1, item = -1;
  for (size_t k = 0; k < items.size(); ++k) {
    const int d = HammingDistance(q, held.data() + k * kHashBytes);
    if (d <= radius && d < distance) distance = d, item = items[k];
  }
}

TEST(HashDatabaseTest, WithinEqualsABruteForceScanAtEveryRadius) {
  // 6000 random codes (past kIndexFrom: the tables answer), several added twice under
  // another item (ties: the first wins); queries: copies of held codes at 0..80 flipped
  // bits, and fresh random codes
  const int64_t n = 6000;
  static_assert(n > HashDatabase::kIndexFrom);
  std::vector<uint8_t> held(n * kHashBytes);
  std::vector<int64_t> items(n);
  HashDatabase db(n);
  for (int64_t i = 0; i < n; ++i) {
    if (i % 100 == 99)
      std::copy_n(held.begin() + (i - 50) * kHashBytes, kHashBytes, held.begin() + i * kHashBytes);
    else
      RandomHash(11, i, held.data() + i * kHashBytes);
    items[i] = 1000 + i;
    db.Add(items[i], held.data() + i * kHashBytes);
  }
  const int64_t m = 400;
  std::vector<uint8_t> queries(m * kHashBytes);
  const CounterRng rng(12, 0, 0, Purpose::kChoice);
  for (int64_t q = 0; q < m; ++q) {
    uint8_t* code = queries.data() + q * kHashBytes;
    if (q % 5 == 4) {
      RandomHash(13, q, code);
      continue;
    }
    const int64_t source = static_cast<int64_t>(rng.Uniform(2 * q) * n);
    std::copy_n(held.begin() + source * kHashBytes, kHashBytes, code);
    FlipBits(14, q, static_cast<int>(rng.Uniform(2 * q + 1) * 81), code);
  }
  for (int radius : {0, 8, 15, 16, 31, 32, 47, 48, 63, 64, 100, 256}) {
    std::vector<int32_t> dist(m);
    std::vector<int64_t> label(m);
    db.Within(queries.data(), m, radius, dist.data(), label.data());
    int hits = 0;
    for (int64_t q = 0; q < m; ++q) {
      int32_t want_d;
      int64_t want_item;
      BruteWithin(held, items, queries.data() + q * kHashBytes, radius, want_d, want_item);
      ASSERT_EQ(dist[q], want_d) << "radius " << radius << ", query " << q;
      ASSERT_EQ(label[q], want_item) << "radius " << radius << ", query " << q;
      hits += want_item >= 0;
    }
    // the radii near 31 find some copies and miss others: the test exercises both sides
    if (radius == 31) {
      EXPECT_GT(hits, 50) << hits;
      EXPECT_LT(hits, m - 50) << hits;
    }
  }
  // codes added after the tables were built, and a removal, are seen by the next query
  db.Add(99, queries.data() + 4 * kHashBytes);  // query 4 is a fresh random code
  db.Remove(1000 + 7);
  held.erase(held.begin() + 7 * kHashBytes, held.begin() + 8 * kHashBytes);
  items.erase(items.begin() + 7);
  held.insert(held.end(), queries.begin() + 4 * kHashBytes, queries.begin() + 5 * kHashBytes);
  items.push_back(99);
  std::vector<int32_t> dist(m);
  std::vector<int64_t> label(m);
  db.Within(queries.data(), m, 31, dist.data(), label.data());
  EXPECT_EQ(label[4], 99);
  for (int64_t q = 0; q < m; ++q) {
    int32_t want_d;
    int64_t want_item;
    BruteWithin(held, items, queries.data() + q * kHashBytes, 31, want_d, want_item);
    ASSERT_EQ(dist[q], want_d) << q;
    ASSERT_EQ(label[q], want_item) << q;
  }
}

TEST(HashDatabaseTest, AnswersDoNotDependOnTheThreadCount) {
  const int64_t n = 5000, m = 2000;
  std::vector<uint8_t> held(n * kHashBytes), queries(m * kHashBytes);
  HashDatabase db(n);
  for (int64_t i = 0; i < n; ++i)
    RandomHash(21, i, held.data() + i * kHashBytes), db.Add(i, held.data() + i * kHashBytes);
  for (int64_t q = 0; q < m; ++q) {
    std::copy_n(held.begin() + (q * 7 % n) * kHashBytes, kHashBytes, queries.begin() + q * kHashBytes);
    FlipBits(22, q, static_cast<int>(q % 40), queries.data() + q * kHashBytes);
  }
  std::vector<int32_t> d1(m), d2(m);
  std::vector<int64_t> l1(m), l2(m);
  {
    testing::ScopedThreads one(1);
    db.Within(queries.data(), m, 31, d1.data(), l1.data());
  }
  {
    testing::ScopedThreads two(2);
    db.Within(queries.data(), m, 31, d2.data(), l2.data());
  }
  EXPECT_EQ(d1, d2);
  EXPECT_EQ(l1, l2);
}

TEST(HashDatabaseTest, RemovedCodesStopMatchingAndNewOnesMatchAtOnce) {
  uint8_t a[kHashBytes], b[kHashBytes], q[kHashBytes];
  RandomHash(2, 1, a);
  RandomHash(2, 2, b);
  std::copy(a, a + kHashBytes, q);
  FlipBits(2, 3, 20, q);
  HashDatabase db(2);
  int32_t d;
  int64_t item;
  db.Within(q, 1, 31, &d, &item);
  EXPECT_EQ(item, -1);  // empty
  db.Add(7, a);
  db.Add(8, b);
  db.Within(q, 1, 31, &d, &item);
  EXPECT_EQ(d, 20);
  EXPECT_EQ(item, 7);
  db.Within(q, 1, 19, &d, &item);
  EXPECT_EQ(item, -1);  // beyond the radius
  EXPECT_EQ(d, kHashBits + 1);
  db.Remove(7);
  db.Within(q, 1, 31, &d, &item);
  EXPECT_EQ(item, -1);
  EXPECT_EQ(db.items(), std::vector<int64_t>{8});
  db.Add(9, q);  // added after a removal: held at once
  db.Within(q, 1, 0, &d, &item);
  EXPECT_EQ(d, 0);
  EXPECT_EQ(item, 9);
}

}  // namespace
}  // namespace counterpoint
