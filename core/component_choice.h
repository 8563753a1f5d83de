// A plug-in chosen by name in a YAML block ("name" or {type: name, ...params}) and
// validated against the spec its registry holds; shared by every configuration that
// chooses plug-ins (run scenarios, kNN graph audits).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"

namespace counterpoint {

/// A plug-in chosen by name with its validated parameters.
struct ComponentChoice {
  std::string type;
  Params params;
};

/// Adds `msg` to `diags` at the place of node `n` in `file`.
void AddDiagnosticAt(DiagnosticList& diags, const YAML::Node& n, const std::string& file, const std::string& msg);

/// A plug-in choice: "name" or {type: name, ...params}; an absent node or a map without
/// 'type' takes `default_type` (none if empty). Errors (unknown name with the valid ones,
/// bad parameters) go to `diags` at their file:line:col.
template <class Reg>
ComponentChoice ValidateChoice(const YAML::Node& node, const std::string& file, const std::string& where,
                               const std::string& kind, const std::string& default_type, DiagnosticList& diags) {
  ComponentChoice choice;
  YAML::Node type_node;
  if (!node || node.IsNull()) {
    choice.type = default_type;
  } else if (node.IsScalar()) {
    choice.type = node.Scalar();
    type_node = node;
  } else if (node.IsMap() && node["type"]) {
    type_node = node["type"];
    choice.type = type_node.IsScalar() ? type_node.Scalar() : "";
  } else if (node.IsMap() && !default_type.empty()) {
    choice.type = default_type;
  } else {
    AddDiagnosticAt(diags, node, file,
                    where + ": expected a " + kind + " name or a map with 'type'; valid " + kind +
                        "s: " + JoinNames(Reg::Get().Names()));
    return choice;
  }
  const auto* entry = Reg::Get().Find(choice.type);
  if (!entry) {
    AddDiagnosticAt(
        diags, type_node ? type_node : node, file,
        where + ": unknown " + kind + " '" + choice.type + "'; valid " + kind + "s: " + JoinNames(Reg::Get().Names()));
    return choice;
  }
  if (node && node.IsMap())
    choice.params = ValidateBlock(node, entry->spec, file, where, diags, {"type"});
  else
    choice.params = Params::Defaults(entry->spec);
  return choice;
}

/// A list of plug-in choices. unique_types: each plug-in type at most once (observers:
/// a second copy would write the same metric columns); interventions may repeat with
/// different parameters.
template <class Reg>
std::vector<ComponentChoice> ValidateChoiceList(const YAML::Node& node, const std::string& file,
                                                const std::string& where, const std::string& kind,
                                                DiagnosticList& diags, bool unique_types = false) {
  std::vector<ComponentChoice> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence()) {
    AddDiagnosticAt(diags, node, file, where + ": expected a list of " + kind + "s");
    return out;
  }
  // each plug-in at most once: a second copy would write the same metric columns
  std::map<std::string, SourceLocation> first;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    ComponentChoice choice = ValidateChoice<Reg>(node[i], file, at, kind, "", diags);
    if (choice.type.empty() || !unique_types) {
      out.push_back(std::move(choice));
      continue;
    }
    const SourceLocation loc = LocationOf(node[i], file);
    auto [it, fresh] = first.emplace(choice.type, loc);
    if (!fresh) {
      const SourceLocation& f = it->second;
      diags.Add(loc.file, loc.line, loc.column,
                at + ": " + kind + " '" + choice.type + "' is listed twice (first at " +
                    (f.line > 0 ? "line " + std::to_string(f.line) : f.file) +
                    "); list each once (its metric columns would be written twice)");
      continue;
    }
    out.push_back(std::move(choice));
  }
  return out;
}

/// The parameters as a JSON object (resolved settings in manifests).
nlohmann::json ParamsJson(const Params& p);
/// The parameters and "type".
nlohmann::json ChoiceJson(const ComponentChoice& c);

}  // namespace counterpoint
