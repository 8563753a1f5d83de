// Implicit-feedback ALS (Hu, Koren & Volinsky 2008): a half-step against the normal
// equations solved by hand, the loss (computed here pair by pair) never rising over
// sweeps, warm starts from a converged solution, thread invariance and bad options.
#include "recommender/implicit_als.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/rng.h"

namespace counterpoint {
namespace {

// the exact minimiser over x in R^2 of sum_i c_i (p_i - x . y_i)^2 + lambda |x|^2:
// the 2 x 2 normal equations (sum_i c_i y_i y_i^T + lambda I) x = sum_i c_i p_i y_i,
// written out with the full confidence matrix and solved by Cramer's rule
std::array<double, 2> ClosedForm2(const std::vector<std::array<double, 2>>& y, const std::vector<double>& c,
                                  const std::vector<double>& p, double lambda) {
  double a11 = lambda, a12 = 0, a22 = lambda, b1 = 0, b2 = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    a11 += c[i] * y[i][0] * y[i][0];
    a12 += c[i] * y[i][0] * y[i][1];
    a22 += c[i] * y[i][1] * y[i][1];
    b1 += c[i] * p[i] * y[i][0];
    b2 += c[i] * p[i] * y[i][1];
  }
  const double det = a11 * a22 - a12 * a12;
  return {(a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det};
}

// L = sum over every (u, i) of c_ui (p_ui - x_u . y_i)^2 + lambda (|X|^2 + |Y|^2), pair by
// pair from a dense r (users x items)
double DenseLoss(const ImplicitAls& als, const std::vector<std::vector<double>>& r) {
  const auto& o = als.options();
  double loss = 0;
  for (size_t u = 0; u < r.size(); ++u) {
    for (size_t i = 0; i < r[u].size(); ++i) {
      double s = 0;
      for (int f = 0; f < o.factors; ++f) s += als.user_factors()(u, f) * als.item_factors()(i, f);
      const double p = r[u][i] > 0 ? 1.0 : 0.0, c = 1.0 + o.alpha * r[u][i];
      loss += c * (p - s) * (p - s);
    }
  }
  return loss + o.lambda * (als.user_factors().squaredNorm() + als.item_factors().squaredNorm());
}

// a users x items matrix of click counts in {0, 1, 2, 3}, about `density` of them non-zero
std::vector<std::vector<double>> RandomCounts(int users, int items, double density, uint64_t seed) {
  std::vector<std::vector<double>> r(users, std::vector<double>(items, 0.0));
  for (int u = 0; u < users; ++u) {
    const CounterRng rng(seed, u, 0, Purpose::kSession);
    for (int i = 0; i < items; ++i)
      if (rng.Uniform(2 * i) < density) r[u][i] = 1.0 + std::floor(3.0 * rng.Uniform(2 * i + 1));
  }
  return r;
}

std::vector<ImplicitRating> Ratings(const std::vector<std::vector<double>>& r) {
  std::vector<ImplicitRating> out;
  for (size_t u = 0; u < r.size(); ++u)
    for (size_t i = 0; i < r[u].size(); ++i)
      if (r[u][i] > 0) out.push_back({static_cast<int64_t>(u), static_cast<int64_t>(i), r[u][i]});
  return out;
}

double MaxChange(const ImplicitAls::Matrix& a, const ImplicitAls::Matrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

TEST(ImplicitAlsTest, UserHalfStepSolvesTheNormalEquations) {
  const double alpha = 3.0, lambda = 0.25;
  ImplicitAls als({.factors = 2, .alpha = alpha, .lambda = lambda}, 7);
  // user 0 clicked item 0 twice and item 2 once (item 1 never); the second rating of
  // item 0 arrives as a separate entry and must add up
  const std::vector<ImplicitRating> ratings = {{0, 0, 1.0}, {0, 2, 1.0}, {0, 0, 1.0}};
  als.SetRatings(ratings);
  ASSERT_EQ(als.n_users(), 1);
  ASSERT_EQ(als.n_items(), 3);
  const std::vector<std::array<double, 2>> y = {{0.5, -1.0}, {2.0, 0.3}, {-0.7, 1.1}};
  for (int i = 0; i < 3; ++i)
    for (int f = 0; f < 2; ++f) als.item_factors()(i, f) = y[i][f];
  als.SolveUsers();
  // c = 1 + alpha r with r = (2, 0, 1); p = (1, 0, 1)
  const auto x = ClosedForm2(y, {1 + 2 * alpha, 1, 1 + alpha}, {1, 0, 1}, lambda);
  EXPECT_NEAR(als.user_factors()(0, 0), x[0], 1e-9);
  EXPECT_NEAR(als.user_factors()(0, 1), x[1], 1e-9);
}

TEST(ImplicitAlsTest, ItemHalfStepSolvesTheNormalEquations) {
  const double alpha = 10.0, lambda = 0.5;
  ImplicitAls als({.factors = 2, .alpha = alpha, .lambda = lambda}, 8);
  // item 1 clicked by user 0 (3 times) and user 3 (once); users 1 and 2 never clicked it;
  // item 0 carries another user's click so the users outnumber item 1's raters
  als.SetRatings(std::vector<ImplicitRating>{{0, 1, 3.0}, {3, 1, 1.0}, {2, 0, 1.0}});
  ASSERT_EQ(als.n_users(), 4);
  const std::vector<std::array<double, 2>> x = {{1.0, 0.2}, {-0.4, 0.9}, {0.3, 0.3}, {0.8, -0.6}};
  for (int u = 0; u < 4; ++u)
    for (int f = 0; f < 2; ++f) als.user_factors()(u, f) = x[u][f];
  als.SolveItems();
  const auto y = ClosedForm2(x, {1 + 3 * alpha, 1, 1, 1 + alpha}, {1, 0, 0, 1}, lambda);
  EXPECT_NEAR(als.item_factors()(1, 0), y[0], 1e-9);
  EXPECT_NEAR(als.item_factors()(1, 1), y[1], 1e-9);
}

TEST(ImplicitAlsTest, LossNeverRisesOverHalfSteps) {
  const auto r = RandomCounts(40, 25, 0.2, 11);
  ImplicitAls als({.factors = 4, .alpha = 5.0, .lambda = 0.1, .init_scale = 0.1}, 3);
  als.SetRatings(Ratings(r));
  ASSERT_EQ(als.n_users(), 40);
  ASSERT_EQ(als.n_items(), 25);
  double before = DenseLoss(als, r);
  EXPECT_NEAR(als.Loss(), before, 1e-9 * before);
  const double start = before;
  for (int half = 0; half < 60; ++half) {
    if (half % 2 == 0)
      als.SolveUsers();
    else
      als.SolveItems();
    const double after = DenseLoss(als, r);
    // each half-step is an exact minimisation over its rows: never up (to rounding)
    EXPECT_LE(after, before * (1 + 1e-12)) << "half-step " << half;
    EXPECT_NEAR(als.Loss(), after, 1e-9 * after);
    before = after;
  }
  // and it learnt something: well below the start (the small random factors predict ~0)
  EXPECT_LT(before, 0.8 * start);
}

TEST(ImplicitAlsTest, WarmStartFromAConvergedSolutionStaysThere) {
  const auto r = RandomCounts(30, 20, 0.25, 12);
  ImplicitAls als({.factors = 3, .alpha = 2.0, .lambda = 0.5, .init_scale = 0.1}, 5);
  als.SetRatings(Ratings(r));
  // converge: sweep until a sweep moves no factor by more than 1e-12
  ImplicitAls::Matrix last = als.user_factors();
  int sweeps = 0;
  for (; sweeps < 20000; ++sweeps) {
    als.Sweep();
    const double moved = MaxChange(last, als.user_factors());
    last = als.user_factors();
    if (moved < 1e-12) break;
  }
  ASSERT_LT(sweeps, 20000) << "did not converge";
  const ImplicitAls::Matrix x = als.user_factors(), y = als.item_factors();
  // retraining on the same observations (rebuilt, as the ranker does every K steps) keeps
  // the factors: the warm start is the fixed point
  als.SetRatings(Ratings(r));
  als.Resize(30, 20);
  als.Sweep();
  EXPECT_LT(MaxChange(x, als.user_factors()), 1e-9);
  EXPECT_LT(MaxChange(y, als.item_factors()), 1e-9);
  // a new user and item later: the existing rows are kept, bit for bit, until the next solve
  const ImplicitAls::Matrix x2 = als.user_factors(), y2 = als.item_factors();
  als.Resize(31, 21);
  EXPECT_TRUE(als.user_factors().topRows(30) == x2);
  EXPECT_TRUE(als.item_factors().topRows(20) == y2);
  // a cold start of the same model is far from the converged factors after one sweep
  ImplicitAls cold({.factors = 3, .alpha = 2.0, .lambda = 0.5, .init_scale = 0.1}, 6);
  cold.SetRatings(Ratings(r));
  cold.Sweep();
  EXPECT_GT(MaxChange(x, cold.user_factors()), 1e-3);
}

TEST(ImplicitAlsTest, SameBitsForAnyThreadCount) {
  // over 64 rows on each side, so the solves run in parallel
  const auto r = RandomCounts(300, 150, 0.05, 13);
  const int threads_before = omp_get_max_threads();
  ImplicitAls::Matrix x[2], y[2];
  for (int run = 0; run < 2; ++run) {
    omp_set_num_threads(run == 0 ? 1 : 4);
    ImplicitAls als({.factors = 8, .alpha = 10.0, .lambda = 0.1}, 21);
    als.SetRatings(Ratings(r));
    for (int s = 0; s < 5; ++s) als.Sweep();
    x[run] = als.user_factors();
    y[run] = als.item_factors();
  }
  omp_set_num_threads(threads_before);
  EXPECT_TRUE(x[0] == x[1]);
  EXPECT_TRUE(y[0] == y[1]);
  // and the same seed gives the same start: the factors are not all zero
  EXPECT_GT(x[0].cwiseAbs().maxCoeff(), 0.0);
}

TEST(ImplicitAlsTest, AddedRatingsSumWithTheOnesSet) {
  ImplicitAls als({.factors = 2}, 1);
  als.SetRatings(std::vector<ImplicitRating>{{2, 1, 1.0}, {0, 3, 2.0}});
  als.AddRatings(std::vector<ImplicitRating>{{0, 3, 1.0}, {1, 0, 1.0}, {2, 1, 0.5}});
  // one entry per pair, by user then item, with r summed: (0,3) 2+1, (1,0) 1, (2,1) 1+0.5
  const std::vector<ImplicitRating> got = als.Ratings();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].user, 0);
  EXPECT_EQ(got[0].item, 3);
  EXPECT_EQ(got[0].r, 3.0);
  EXPECT_EQ(got[1].user, 1);
  EXPECT_EQ(got[1].item, 0);
  EXPECT_EQ(got[1].r, 1.0);
  EXPECT_EQ(got[2].user, 2);
  EXPECT_EQ(got[2].item, 1);
  EXPECT_EQ(got[2].r, 1.5);
  EXPECT_EQ(als.n_users(), 3);
  EXPECT_EQ(als.n_items(), 4);
}

TEST(ImplicitAlsTest, BadOptionsAndRatingsAreRefusedByName) {
  const auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { ImplicitAls({.factors = 0}, 1); }).find("factors must be > 0"), std::string::npos);
  EXPECT_NE(message([] { ImplicitAls({.lambda = -1}, 1); }).find("lambda"), std::string::npos);
  EXPECT_NE(message([] { ImplicitAls({.alpha = NAN}, 1); }).find("alpha"), std::string::npos);
  ImplicitAls als({}, 1);
  EXPECT_NE(message([&] {
              als.SetRatings(std::vector<ImplicitRating>{{0, 1, -2.0}});
            }).find("rating r"),
            std::string::npos);
  EXPECT_NE(message([&] {
              als.SetRatings(std::vector<ImplicitRating>{{-1, 1, 1.0}});
            }).find("ids must be >= 0"),
            std::string::npos);
}

}  // namespace
}  // namespace counterpoint
