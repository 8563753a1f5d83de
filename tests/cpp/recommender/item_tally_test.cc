// Per-item tallies of an intervention's actions: exact counts from concurrent threads, and
// sums over the items a predicate picks.
#include "recommender/item_tally.h"

#include <gtest/gtest.h>

namespace counterpoint {
namespace {

TEST(ItemTallyTest, CountsFromManyThreadsAreExact) {
  ItemTally t;
  t.Reset(10);
  // item i gets i * 1000 increments, spread over the threads in any order
#pragma omp parallel for schedule(dynamic, 7)
  for (int64_t k = 0; k < 10 * 9000; ++k) {
    const int64_t item = k / 9000;
    if (k % 9000 < item * 1000) t.Add(item);
  }
  // sum over i of i * 1000 for i < 10 = 45000; the even items 2 + 4 + 6 + 8 = 20 thousand
  EXPECT_EQ(t.Count([](int64_t) { return true; }), 45000);
  EXPECT_EQ(t.Count([](int64_t i) { return i % 2 == 0; }), 20000);
  EXPECT_EQ(t.Count([](int64_t i) { return i == 9; }), 9000);
  t.Clear();
  EXPECT_EQ(t.Count([](int64_t) { return true; }), 0);
  t.Add(3);
  EXPECT_EQ(t.Count([](int64_t i) { return i == 3; }), 1);
}

}  // namespace
}  // namespace counterpoint
