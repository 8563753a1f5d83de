// What a metric column is: its name, the kind of number it holds, its unit and its
// definition. Each observer and intervention declares the columns it writes in its
// registered ComponentSpec (core/params.h); `counterpoint list metrics` and
// `cp.metrics()` print them, and the summaries choose each column's interval by its kind.
#pragma once

#include <string>
#include <vector>

namespace counterpoint {

/// The kind of number a metric column holds, which decides its interval and comparisons.
enum class MetricKind {
  kShare,   ///< a proportion in [0, 1]: interval on the logit scale (docs/metrics.md, "Statistics")
  kLevel,   ///< a count, rate or index >= 0: Student-t interval, relative differences defined
  kSigned,  ///< a signed quantity (a projection, a drift): Student-t interval, no relative difference
};

/// "share", "level" or "signed".
const char* MetricKindName(MetricKind kind);

/// The kind named by "share", "level" or "signed"; throws std::invalid_argument naming the
/// valid kinds otherwise.
MetricKind ParseMetricKind(const std::string& name);

/// One metric column a plug-in writes.
struct MetricSpec {
  /// The column's name; "<k>" stands for a number (cn_org<k>_impressions: one column per
  /// organisation k), "<platform>" for a platform's name (views@<platform>, docs/crisis.md).
  std::string name;
  MetricKind kind = MetricKind::kLevel;
  std::string unit;        ///< what one unit is ("share of impressions", "items", "bits")
  std::string definition;  ///< one sentence; the formula and its source are in docs/
};

// Spec builders, as the parameters' (core/params.h): ShareMetric("rabbit_hole_share", "share of users", "...")
MetricSpec ShareMetric(std::string name, std::string unit, std::string definition);
MetricSpec LevelMetric(std::string name, std::string unit, std::string definition);
MetricSpec SignedMetric(std::string name, std::string unit, std::string definition);

/// Whether `column` is the column `spec` names (its "<k>" matching one or more digits, its
/// "<platform>" a platform's name: letters, digits and _).
bool MatchesMetric(const MetricSpec& spec, const std::string& column);

/// The spec among `specs` that names `column`, or nullptr.
const MetricSpec* FindMetric(const std::vector<MetricSpec>& specs, const std::string& column);

}  // namespace counterpoint
