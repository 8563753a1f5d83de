// Parameter specs and validated parameter sets for plug-ins and scenario blocks.
//
// Every YAML block is checked against the spec its plug-in registered (in the
// manner of OpenSpiel's GameParameter specs): unknown key, wrong type, value out
// of range, missing required value. Errors name file:line:col and the valid
// choices, and are collected rather than thrown one at a time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/metric_spec.h"

namespace counterpoint {

enum class ParamType { kInt, kDouble, kBool, kString, kIntList };

const char* ParamTypeName(ParamType type);

using ParamValue = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>>;

/// One parameter a plug-in accepts.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kDouble;
  ParamValue default_value;  ///< used when the key is absent (unless required)
  std::string doc;
  bool required = false;
  double min = -std::numeric_limits<double>::infinity();  ///< numeric bounds, inclusive
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  ///< for strings: the allowed values, if restricted
  bool input_file = false;           ///< names a data file the plug-in reads (hashed into manifests)
};

// Spec builders: Int("n_items", 1000, "number of items").Range(1, 1e9) ...
ParamSpec IntParam(std::string name, int64_t def, std::string doc, double min = -1e300, double max = 1e300);
ParamSpec DoubleParam(std::string name, double def, std::string doc, double min = -1e300, double max = 1e300);
ParamSpec BoolParam(std::string name, bool def, std::string doc);
ParamSpec StringParam(std::string name, std::string def, std::string doc, std::vector<std::string> choices = {});
ParamSpec RequiredString(std::string name, std::string doc);
/// A list of integers, written as a YAML sequence ([0, 4]); min/max bound every element.
ParamSpec IntListParam(std::string name, std::vector<int64_t> def, std::string doc, double min = -1e300,
                       double max = 1e300);
/// A required string naming an input data file, relative to the scenario's directory.
ParamSpec InputFileParam(std::string name, std::string doc);

/// The full parameter spec of a plug-in or block, and the metric columns it writes
/// (observers and interventions).
struct ComponentSpec {
  ComponentSpec(std::string doc = "", std::vector<ParamSpec> params = {}, std::vector<MetricSpec> metrics = {})
      : doc(std::move(doc)), params(std::move(params)), metrics(std::move(metrics)) {}
  std::string doc;
  std::vector<ParamSpec> params;
  std::vector<MetricSpec> metrics;
  const ParamSpec* Find(const std::string& name) const;
};

/// Where a value came from (for errors raised after validation, e.g. a missing file).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

/// Where `node` is: file:line:col from its YAML mark, or "--set key=value" for a node
/// an override made (see OverrideMarks).
SourceLocation LocationOf(const YAML::Node& node, const std::string& file);

/// Remembers, while in scope, which YAML nodes `--set` assignments created, so that
/// LocationOf names the assignment ("--set steps=0") instead of line 1 of the file
/// that the override's own parse would report. Scopes nest (one per thread).
class OverrideMarks {
 public:
  OverrideMarks();
  ~OverrideMarks();
  OverrideMarks(const OverrideMarks&) = delete;
  OverrideMarks& operator=(const OverrideMarks&) = delete;

  /// Marks `node` and everything under it as made by `assignment`.
  void Mark(const YAML::Node& node, const std::string& assignment);

 private:
  size_t begin_;  ///< this scope's first entry in the thread's table
};

/// Most nodes a YAML document may expand to, aliases counted at every use. yaml-cpp
/// shares aliased nodes, but any walk over them (or copy) expands them: a
/// "billion laughs" document of a few lines would take unbounded time and memory.
inline constexpr int64_t kMaxYamlNodes = 1000000;

/// Throws InputError at `file` if `node` expands to more than kMaxYamlNodes nodes or
/// nests deeper than 1000 levels; stops counting at the limit, so it is cheap on bombs.
void CheckYamlSize(const YAML::Node& node, const std::string& file);

/// A validated parameter set: every spec'd name has a value of the right type.
class Params {
 public:
  int64_t Int(const std::string& name) const;
  double Double(const std::string& name) const;
  bool Bool(const std::string& name) const;
  const std::string& String(const std::string& name) const;
  const std::vector<int64_t>& IntList(const std::string& name) const;
  /// Location of the value in the input; the block's location when it came from a
  /// default (for errors found after validation, e.g. a FAISS factory string).
  SourceLocation Where(const std::string& name) const;
  /// Location of the block these parameters were read from.
  const SourceLocation& BlockLocation() const { return block_; }
  void SetBlockLocation(SourceLocation loc) { block_ = std::move(loc); }
  bool WasSet(const std::string& name) const { return set_.count(name) > 0; }

  void Set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  void SetLocation(const std::string& name, SourceLocation loc) {
    where_[name] = std::move(loc);
    set_.insert(name);
  }
  const std::map<std::string, ParamValue>& values() const { return values_; }

  /// Defaults of a spec (for building plug-ins in code and tests).
  static Params Defaults(const ComponentSpec& spec);

 private:
  const ParamValue& Get(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
  std::map<std::string, SourceLocation> where_;
  std::set<std::string> set_;
  SourceLocation block_;
};

/// For errors found after validation by code that knows only a pseudo-source (e.g.
/// "index" or "catalog"): the diagnostics of `e` that name `pseudo` without a line move
/// to `loc` (the YAML key's file:line:col), their message prefixed "pseudo: "; the others
/// (e.g. those naming a data file) are kept.
InputError RelocateDiagnostics(const InputError& e, const std::string& pseudo, const SourceLocation& loc);

/// Checks `node` (a map) against `spec`. Keys in `reserved` (e.g. "type") are
/// skipped. Problems go to `diags`; the returned Params hold defaults where the
/// input was bad, so validation can continue and report everything at once.
Params ValidateBlock(const YAML::Node& node, const ComponentSpec& spec, const std::string& file,
                     const std::string& block_name, DiagnosticList& diags, const std::set<std::string>& reserved = {});

/// Parses YAML text that must be a map; syntax errors become InputError at
/// file:line:col, and a non-map document names `what` it should be.
YAML::Node ParseYamlMap(const std::string& text, const std::string& file, const std::string& what);

/// Converts a ParamValue to YAML-ish text for manifests and messages.
std::string ParamValueToString(const ParamValue& v);

}  // namespace counterpoint
