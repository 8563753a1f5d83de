// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren &
// Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008): the
// collaborative-filtering estimate behind the cf_als ranker (docs/model.md).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <vector>

namespace counterpoint {

/// The model's constants: k factors, confidence c = 1 + alpha r, ridge penalty lambda.
struct ImplicitAlsOptions {
  int factors = 16;          ///< k, > 0
  double alpha = 40.0;       ///< confidence slope, >= 0
  double lambda = 0.1;       ///< ridge penalty on every factor row, >= 0 (> 0 keeps each solve regular)
  double init_scale = 0.01;  ///< standard deviation of the random initial factors, >= 0
};

/// One observation: r_ui >= 0 (e.g. a click count); repeated (user, item) pairs add up.
struct ImplicitRating {
  int64_t user = 0;
  int64_t item = 0;
  double r = 0;
};

/// Factors X (users x k) and Y (items x k) minimising the weighted squared loss
///   L = sum_{u,i} c_ui (p_ui - x_u . y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2),
/// with c_ui = 1 + alpha r_ui and p_ui = [r_ui > 0], over every (user, item) pair, observed
/// or not. A half-step solves each row exactly, e.g. for user u
///   x_u = (Y^T Y + Y^T (C_u - I) Y + lambda I)^-1 Y^T C_u p_u,
/// where C_u - I and C_u p_u are non-zero only on u's observed items (Y^T Y is shared by all
/// users), so L never increases. Rows are solved independently, in parallel: the result is
/// the same bits for any number of threads. Factors persist between calls (warm start).
class ImplicitAls {
 public:
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// Throws std::invalid_argument naming a bad option (factors <= 0, alpha, lambda or
  /// init_scale negative or not finite).
  ImplicitAls(ImplicitAlsOptions options, uint64_t seed);

  const ImplicitAlsOptions& options() const { return options_; }
  int64_t n_users() const { return users_.rows(); }
  int64_t n_items() const { return items_.rows(); }

  /// Grows the factor matrices to at least n_users x k and n_items x k; existing rows are
  /// kept, new ones drawn N(0, init_scale^2) from (seed, side, row), so a row's start does
  /// not depend on when it was added.
  void Resize(int64_t n_users, int64_t n_items);
  /// Replaces the observations (grows the factors to cover every id; negative r or ids
  /// throw std::invalid_argument). Duplicated pairs are summed.
  void SetRatings(std::span<const ImplicitRating> ratings);
  /// Adds observations to those already set (the same pair's r add up).
  void AddRatings(std::span<const ImplicitRating> ratings);
  /// The observations, one per (user, item) pair with its summed r, by user then item.
  std::vector<ImplicitRating> Ratings() const;

  /// Half-steps: every user row given the items, every item row given the users.
  void SolveUsers();
  void SolveItems();
  /// One sweep: SolveUsers then SolveItems.
  void Sweep() {
    SolveUsers();
    SolveItems();
  }
  /// L above, computed as sum_u x_u^T (Y^T Y) x_u plus the observed pairs' correction.
  double Loss() const;

  /// x_u . y_i.
  double Predict(int64_t user, int64_t item) const { return users_.row(user).dot(items_.row(item)); }
  Matrix& user_factors() { return users_; }
  Matrix& item_factors() { return items_; }
  const Matrix& user_factors() const { return users_; }
  const Matrix& item_factors() const { return items_; }

 private:
  /// Compressed rows of the observations: row r's (column, r) pairs at [start[r], start[r+1]).
  struct Sparse {
    std::vector<int64_t> start{0};
    std::vector<int64_t> col;
    std::vector<double> value;
  };
  static void SolveSide(const Sparse& obs, const Matrix& fixed, Matrix& solved, const ImplicitAlsOptions& o);
  static Sparse Compress(std::vector<ImplicitRating> ratings, int64_t n_rows, bool by_user);
  void InitRows(Matrix& m, int64_t from, uint64_t side) const;

  ImplicitAlsOptions options_;
  uint64_t seed_;
  Matrix users_, items_;
  Sparse by_user_, by_item_;
};

}  // namespace counterpoint
