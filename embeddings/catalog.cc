#include "embeddings/catalog.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "embeddings/simd_kernels.h"

namespace counterpoint {

int64_t MaxTopicId(int64_t n_items) { return std::max<int64_t>(n_items, int64_t{1} << 20); }

std::string TopicIdRule() {
  return "topics are ids from 0 below 1,048,576 or below the number of items, whichever is larger: per-topic arrays "
         "are sized by the largest; number the topics 0, 1, 2, ...";
}

namespace {
constexpr const char* kLabelNames[kNumLabels] = {"mainstream", "borderline", "extremist", "counter_narrative",
                                                 "news_reporting"};
}

const char* LabelName(Label label) { return kLabelNames[static_cast<int>(label)]; }

std::optional<Label> ParseLabel(std::string_view name) {
  for (int i = 0; i < kNumLabels; ++i)
    if (name == kLabelNames[i]) return static_cast<Label>(i);
  return std::nullopt;
}

std::vector<std::string> LabelNames() { return {std::begin(kLabelNames), std::end(kLabelNames)}; }

void DotsInDouble(const float* e, const float* const* rows, int n, int64_t d, double* out) {
  ActiveKernels().dots_in_double(e, rows, n, d, out);
}

int64_t NormalizeRows(float* data, int64_t n, int64_t d) {
  int64_t zeros = 0;
  for (int64_t i = 0; i < n; ++i) {
    float* row = data + i * d;
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += static_cast<double>(row[j]) * row[j];
    if (s <= 0) {
      ++zeros;
      continue;
    }
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int64_t j = 0; j < d; ++j) row[j] *= inv;
  }
  return zeros;
}

Catalog::Catalog(CatalogData data, std::string source) : data_(std::move(data)), source_(std::move(source)) {
  const int64_t d = data_.dim;
  if (d <= 0) throw InputError(source_, "embedding dimension must be positive");
  if (data_.embeddings.size() % d != 0)
    throw InputError(source_, "embedding buffer size is not a multiple of the dimension");
  n_ = static_cast<int64_t>(data_.embeddings.size()) / d;
  if (n_ == 0) throw InputError(source_, "catalog has no items");
  auto check_size = [&](size_t got, const char* what) {
    if (static_cast<int64_t>(got) != n_)
      throw InputError(
          source_, std::string(what) + " has " + std::to_string(got) + " entries for " + std::to_string(n_) + " items");
  };
  // fill optional attributes
  if (data_.harm_score.empty()) data_.harm_score = data_.extremity;
  if (data_.creator.empty()) data_.creator.assign(n_, 0);
  if (data_.topic.empty()) data_.topic.assign(n_, 0);
  if (data_.upload_step.empty()) data_.upload_step.assign(n_, 0);
  if (data_.parent.empty()) data_.parent.assign(n_, -1);
  check_size(data_.labels.size(), "labels");
  check_size(data_.extremity.size(), "extremity");
  check_size(data_.harm_score.size(), "harm_score");
  check_size(data_.creator.size(), "creator");
  check_size(data_.topic.size(), "topic");
  check_size(data_.upload_step.size(), "upload_step");
  check_size(data_.parent.size(), "parent");
  if (!data_.ids.empty()) check_size(data_.ids.size(), "ids");
  // finite embeddings, no zero rows
  for (int64_t i = 0; i < n_; ++i) {
    for (int64_t j = 0; j < d; ++j) {
      if (!std::isfinite(data_.embeddings[i * d + j]))
        throw InputError(source_, "item " + id(i) + " (row " + std::to_string(i) +
                                      ") has a NaN or infinite embedding value at column " + std::to_string(j) +
                                      "; clean or drop this item");
    }
  }
  if (NormalizeRows(data_.embeddings.data(), n_, d) > 0)
    throw InputError(source_, "an item has an all-zero embedding, which has no direction; drop it");
  for (int64_t i = 0; i < n_; ++i) {
    const float e = data_.extremity[i], h = data_.harm_score[i];
    if (!(e >= 0.f && e <= 1.f) || !(h >= 0.f && h <= 1.f))
      throw InputError(source_, "item " + id(i) + ": extremity and harm_score must lie in [0, 1]");
    if (data_.topic[i] < 0) throw InputError(source_, "item " + id(i) + ": topic must be >= 0");
    // per-topic arrays are sized by the largest topic: bounded by the data, not by an id
    if (data_.topic[i] >= MaxTopicId(n_))
      throw InputError(source_, "item " + id(i) + ": topic " + std::to_string(data_.topic[i]) + " is too large (" +
                                    TopicIdRule() + ")");
    n_topics_ = std::max(n_topics_, data_.topic[i] + 1);
    // a near-duplicate copies an original (never another copy, never itself)
    const int64_t p = data_.parent[i];
    if (p != -1 && (p < 0 || p >= n_ || p == i || data_.parent[p] != -1))
      throw InputError(source_, "item " + id(i) + ": parent must be -1 or the row of another item that has no parent");
  }
  // extremity direction: given, or cov(x, extremity) normalised
  auto& dir = data_.extremity_direction;
  if (dir.empty()) {
    double mean_e = 0;
    for (int64_t i = 0; i < n_; ++i) mean_e += data_.extremity[i];
    mean_e /= n_;
    std::vector<double> acc(d, 0.0);
    for (int64_t i = 0; i < n_; ++i) {
      const double w = data_.extremity[i] - mean_e;
      for (int64_t j = 0; j < d; ++j) acc[j] += w * data_.embeddings[i * d + j];
    }
    dir.assign(acc.begin(), acc.end());
  }
  if (static_cast<int64_t>(dir.size()) != d)
    throw InputError(source_, "extremity direction has " + std::to_string(dir.size()) +
                                  " components, the embeddings have " + std::to_string(d));
  if (NormalizeRows(dir.data(), 1, d) > 0) {
    // all items equally extreme: no direction; use the zero vector (projections are 0)
    dir.assign(d, 0.f);
  }
}

double Catalog::Project(const float* v) const {
  double s = 0;
  for (int64_t j = 0; j < data_.dim; ++j) s += static_cast<double>(v[j]) * data_.extremity_direction[j];
  return s;
}

std::array<int64_t, kNumLabels> Catalog::LabelCounts() const {
  std::array<int64_t, kNumLabels> counts{};
  for (Label l : data_.labels) ++counts[static_cast<int>(l)];
  return counts;
}

}  // namespace counterpoint
