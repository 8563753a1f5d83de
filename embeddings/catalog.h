// The item catalog: embeddings plus per-item attributes. Immutable once built.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace counterpoint {

/// Content class of an item. news_reporting is legitimate reporting *about*
/// extremism that a crude filter would wrongly hit.
enum class Label : uint8_t {
  kMainstream = 0,
  kBorderline = 1,
  kExtremist = 2,
  kCounterNarrative = 3,
  kNewsReporting = 4,
};
inline constexpr int kNumLabels = 5;

const char* LabelName(Label label);
std::optional<Label> ParseLabel(std::string_view name);
std::vector<std::string> LabelNames();
/// Borderline and extremist items count as harmful in exposure metrics.
inline bool IsHarmful(Label l) { return l == Label::kBorderline || l == Label::kExtremist; }

/// The upload step of an item uploaded only on demand (a pending re-upload): no step reaches it.
inline constexpr int32_t kUploadOnDemand = std::numeric_limits<int32_t>::max();

/// Plain data from which a Catalog is built (by a generator or a loader).
struct CatalogData {
  int64_t dim = 0;
  std::vector<float> embeddings;  ///< n x dim, row-major; normalised by Catalog
  std::vector<Label> labels;
  std::vector<float> extremity;            ///< ground truth in [0, 1]
  std::vector<float> harm_score;           ///< what the platform's classifier sees, in [0, 1]
  std::vector<int64_t> creator;            ///< creator / organisation id (64-bit: platform ids are large)
  std::vector<int32_t> topic;              ///< topic id (>= 0), for diversity metrics
  std::vector<int32_t> upload_step;        ///< step at which the item becomes available (kUploadOnDemand: on demand)
  std::vector<int64_t> parent;             ///< the item this one is a near-duplicate of (-1 = none); empty = none
  std::vector<std::string> ids;            ///< external ids; empty = row numbers
  std::vector<float> extremity_direction;  ///< unit vector; empty = estimated from data
};

/// Immutable catalog. Embeddings are unit-norm float32, row-major.
/// Topic ids lie in [0, MaxTopicId(n_items)): arrays per topic are sized by the largest,
/// so an id from a file never sizes one beyond max(n_items, 2^20).
int64_t MaxTopicId(int64_t n_items);
/// The rule, for messages.
std::string TopicIdRule();

class Catalog {
 public:
  /// Validates and normalises `data`; throws InputError naming `source` on bad data
  /// (wrong sizes, NaN/inf, zero vectors, extremity outside [0,1]).
  explicit Catalog(CatalogData data, std::string source = "<catalog>");

  int64_t size() const { return n_; }
  int64_t dim() const { return data_.dim; }
  const float* embeddings() const { return data_.embeddings.data(); }
  const float* Embedding(int64_t i) const { return data_.embeddings.data() + i * data_.dim; }
  Label label(int64_t i) const { return data_.labels[i]; }
  float extremity(int64_t i) const { return data_.extremity[i]; }
  float harm_score(int64_t i) const { return data_.harm_score[i]; }
  int64_t creator(int64_t i) const { return data_.creator[i]; }
  int32_t topic(int64_t i) const { return data_.topic[i]; }
  int32_t upload_step(int64_t i) const { return data_.upload_step[i]; }
  /// The original a near-duplicate re-upload copies, or -1 (docs/model.md §1, "Re-upload pool").
  int64_t parent(int64_t i) const { return data_.parent[i]; }
  /// External id (the row number when the source gave none).
  std::string id(int64_t i) const { return data_.ids.empty() ? std::to_string(i) : data_.ids[i]; }
  /// Largest topic + 1 (topics lie below MaxTopicId(size())).
  int32_t n_topics() const { return n_topics_; }
  const std::vector<Label>& labels() const { return data_.labels; }
  /// Every per-item array (for zero-copy views, e.g. the Python API).
  const CatalogData& data() const { return data_; }

  /// Unit vector along which extremity grows (given, or estimated from the data
  /// as the normalised covariance between embeddings and extremity).
  const std::vector<float>& extremity_direction() const { return data_.extremity_direction; }
  /// Projection of a d-vector on the extremity direction.
  double Project(const float* v) const;

  std::array<int64_t, kNumLabels> LabelCounts() const;
  const std::string& source() const { return source_; }

 private:
  CatalogData data_;
  int64_t n_ = 0;
  int32_t n_topics_ = 0;
  std::string source_;
};

/// Normalises each row of an n x d matrix to unit length; returns the number of
/// rows that were zero (left unchanged).
int64_t NormalizeRows(float* data, int64_t n, int64_t d);

/// out[r] = <e, rows[r]> in double, each summed over the d coordinates in order (the
/// model's own inner products: the user model's utilities, the learner's logits). The
/// rows advance side by side, so their sums do not wait on one another; with AVX-512,
/// 8 rows a vector (the same bits: embeddings/simd_kernels.h).
void DotsInDouble(const float* e, const float* const* rows, int n, int64_t d, double* out);

}  // namespace counterpoint
