#include "core/metric_spec.h"

#include <cctype>
#include <stdexcept>
#include <utility>

namespace counterpoint {

const char* MetricKindName(MetricKind kind) {
  switch (kind) {
    case MetricKind::kShare:
      return "share";
    case MetricKind::kSigned:
      return "signed";
    case MetricKind::kLevel:
      break;
  }
  return "level";
}

MetricKind ParseMetricKind(const std::string& name) {
  for (MetricKind k : {MetricKind::kShare, MetricKind::kLevel, MetricKind::kSigned})
    if (name == MetricKindName(k)) return k;
  throw std::invalid_argument("unknown metric kind '" + name + "' (valid: share, level, signed)");
}

MetricSpec ShareMetric(std::string name, std::string unit, std::string definition) {
  return {std::move(name), MetricKind::kShare, std::move(unit), std::move(definition)};
}
MetricSpec LevelMetric(std::string name, std::string unit, std::string definition) {
  return {std::move(name), MetricKind::kLevel, std::move(unit), std::move(definition)};
}
MetricSpec SignedMetric(std::string name, std::string unit, std::string definition) {
  return {std::move(name), MetricKind::kSigned, std::move(unit), std::move(definition)};
}

bool MatchesMetric(const MetricSpec& spec, const std::string& column) {
  // "<k>" stands for digits, "<platform>" for a platform's name (letters, digits, _)
  const std::string& pattern = spec.name;
  size_t hole = pattern.find("<k>"), width = 3;
  bool digits = true;
  if (hole == std::string::npos && (hole = pattern.find("<platform>")) != std::string::npos) width = 10, digits = false;
  if (hole == std::string::npos) return pattern == column;
  const std::string head = pattern.substr(0, hole), tail = pattern.substr(hole + width);
  if (column.size() <= head.size() + tail.size()) return false;
  if (column.compare(0, head.size(), head) != 0) return false;
  if (column.compare(column.size() - tail.size(), tail.size(), tail) != 0) return false;
  for (size_t i = head.size(); i < column.size() - tail.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(column[i]);
    if (digits ? !std::isdigit(c) : !(std::isalnum(c) || c == '_')) return false;
  }
  return true;
}

const MetricSpec* FindMetric(const std::vector<MetricSpec>& specs, const std::string& column) {
  for (const MetricSpec& s : specs)
    if (MatchesMetric(s, column)) return &s;
  return nullptr;
}

}  // namespace counterpoint
