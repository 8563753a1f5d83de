#include "recommender/implicit_als.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/rng.h"

namespace counterpoint {
namespace {

// the initial factors' random stream: a step no simulation reaches, one per side, so
// they share no draws with the rankers' per-step noise
constexpr uint64_t kInitStep = uint64_t{1} << 62;

// sum over the rows of m of m_r^T m_r, in row order (no threaded product: same bits
// for any thread count)
Eigen::MatrixXd Gram(const ImplicitAls::Matrix& m) {
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(m.cols(), m.cols());
  for (int64_t r = 0; r < m.rows(); ++r) g.noalias() += m.row(r).transpose() * m.row(r);
  return g;
}

void Require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("implicit ALS: " + what);
}

}  // namespace

ImplicitAls::ImplicitAls(ImplicitAlsOptions options, uint64_t seed) : options_(options), seed_(seed) {
  Require(options.factors > 0, "factors must be > 0 (got " + std::to_string(options.factors) + "); set factors: 16");
  Require(std::isfinite(options.alpha) && options.alpha >= 0,
          "alpha must be a finite number >= 0 (got " + std::to_string(options.alpha) + ")");
  Require(std::isfinite(options.lambda) && options.lambda >= 0,
          "lambda must be a finite number >= 0 (got " + std::to_string(options.lambda) + ")");
  Require(std::isfinite(options.init_scale) && options.init_scale >= 0,
          "init_scale must be a finite number >= 0 (got " + std::to_string(options.init_scale) + ")");
  users_.resize(0, options.factors);
  items_.resize(0, options.factors);
}

void ImplicitAls::InitRows(Matrix& m, int64_t from, uint64_t side) const {
  for (int64_t r = from; r < m.rows(); ++r) {
    const CounterRng rng(seed_, static_cast<uint64_t>(r), kInitStep + side, Purpose::kRankerNoise);
    for (int f = 0; f < options_.factors; ++f) m(r, f) = options_.init_scale * rng.Normal(f);
  }
}

void ImplicitAls::Resize(int64_t n_users, int64_t n_items) {
  // conservativeResize keeps the existing rows; only the new ones are drawn
  if (n_users > users_.rows()) {
    const int64_t from = users_.rows();
    users_.conservativeResize(n_users, options_.factors);
    InitRows(users_, from, 0);
  }
  if (n_items > items_.rows()) {
    const int64_t from = items_.rows();
    items_.conservativeResize(n_items, options_.factors);
    InitRows(items_, from, 1);
  }
}

ImplicitAls::Sparse ImplicitAls::Compress(std::vector<ImplicitRating> ratings, int64_t n_rows, bool by_user) {
  const auto row = [by_user](const ImplicitRating& x) { return by_user ? x.user : x.item; };
  const auto col = [by_user](const ImplicitRating& x) { return by_user ? x.item : x.user; };
  std::sort(ratings.begin(), ratings.end(), [&](const ImplicitRating& a, const ImplicitRating& b) {
    return row(a) != row(b) ? row(a) < row(b) : col(a) < col(b);
  });
  Sparse s;
  s.start.assign(n_rows + 1, 0);
  for (size_t t = 0; t < ratings.size(); ++t) {
    // a repeated pair adds to the entry before it (sorted, so duplicates are adjacent)
    if (t > 0 && row(ratings[t]) == row(ratings[t - 1]) && col(ratings[t]) == col(ratings[t - 1])) {
      s.value.back() += ratings[t].r;
      continue;
    }
    s.col.push_back(col(ratings[t]));
    s.value.push_back(ratings[t].r);
    ++s.start[row(ratings[t]) + 1];
  }
  for (int64_t r = 0; r < n_rows; ++r) s.start[r + 1] += s.start[r];
  return s;
}

void ImplicitAls::SetRatings(std::span<const ImplicitRating> ratings) {
  int64_t n_users = users_.rows(), n_items = items_.rows();
  for (const ImplicitRating& x : ratings) {
    Require(x.user >= 0 && x.item >= 0, "a rating's user and item ids must be >= 0 (got user " +
                                            std::to_string(x.user) + ", item " + std::to_string(x.item) + ")");
    Require(std::isfinite(x.r) && x.r >= 0, "a rating r must be a finite number >= 0 (got " + std::to_string(x.r) +
                                                " for user " + std::to_string(x.user) + ")");
    n_users = std::max(n_users, x.user + 1);
    n_items = std::max(n_items, x.item + 1);
  }
  Resize(n_users, n_items);
  std::vector<ImplicitRating> copy(ratings.begin(), ratings.end());
  by_user_ = Compress(copy, n_users, true);
  by_item_ = Compress(std::move(copy), n_items, false);
}

void ImplicitAls::AddRatings(std::span<const ImplicitRating> ratings) {
  std::vector<ImplicitRating> all = Ratings();
  all.insert(all.end(), ratings.begin(), ratings.end());
  SetRatings(all);
}

std::vector<ImplicitRating> ImplicitAls::Ratings() const {
  std::vector<ImplicitRating> out;
  out.reserve(by_user_.col.size());
  for (int64_t u = 0; u + 1 < static_cast<int64_t>(by_user_.start.size()); ++u)
    for (int64_t t = by_user_.start[u]; t < by_user_.start[u + 1]; ++t)
      out.push_back({u, by_user_.col[t], by_user_.value[t]});
  return out;
}

void ImplicitAls::SolveSide(const Sparse& obs, const Matrix& fixed, Matrix& solved, const ImplicitAlsOptions& o) {
  const int k = o.factors;
  const Eigen::MatrixXd shared = Gram(fixed);  // Y^T Y, the unobserved pairs' part
  const int64_t n_obs_rows = static_cast<int64_t>(obs.start.size()) - 1;
#pragma omp parallel for schedule(static) if (solved.rows() > 64)
  for (int64_t r = 0; r < solved.rows(); ++r) {
    // normal equations of row r: A = Y^T Y + Y^T (C_r - I) Y + lambda I, b = Y^T C_r p_r
    Eigen::MatrixXd a = shared;
    a.diagonal().array() += o.lambda;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(k);
    if (r < n_obs_rows) {
      for (int64_t t = obs.start[r]; t < obs.start[r + 1]; ++t) {
        const double conf = 1.0 + o.alpha * obs.value[t];
        const auto y = fixed.row(obs.col[t]).transpose();
        a.noalias() += (conf - 1.0) * y * y.transpose();
        if (obs.value[t] > 0) b.noalias() += conf * y;
      }
    }
    // A is symmetric positive definite for lambda > 0 (semi-definite otherwise): LDL^T
    solved.row(r) = a.ldlt().solve(b).transpose();
  }
}

void ImplicitAls::SolveUsers() { SolveSide(by_user_, items_, users_, options_); }

void ImplicitAls::SolveItems() { SolveSide(by_item_, users_, items_, options_); }

double ImplicitAls::Loss() const {
  // every pair as if unobserved (c = 1, p = 0): sum_u x_u^T (Y^T Y) x_u
  const Eigen::MatrixXd g = Gram(items_);
  double loss = 0;
  for (int64_t u = 0; u < users_.rows(); ++u) loss += users_.row(u) * g * users_.row(u).transpose();
  // the observed pairs: their own term in place of the unobserved one
  for (int64_t u = 0; u + 1 < static_cast<int64_t>(by_user_.start.size()); ++u) {
    for (int64_t t = by_user_.start[u]; t < by_user_.start[u + 1]; ++t) {
      const double s = Predict(u, by_user_.col[t]);
      const double p = by_user_.value[t] > 0 ? 1.0 : 0.0;
      const double conf = 1.0 + options_.alpha * by_user_.value[t];
      loss += conf * (p - s) * (p - s) - s * s;
    }
  }
  return loss + options_.lambda * (users_.squaredNorm() + items_.squaredNorm());
}

}  // namespace counterpoint
