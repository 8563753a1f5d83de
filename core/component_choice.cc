#include "core/component_choice.h"

#include <variant>

namespace counterpoint {

void AddDiagnosticAt(DiagnosticList& diags, const YAML::Node& n, const std::string& file, const std::string& msg) {
  const SourceLocation l = LocationOf(n, file);
  diags.Add(l.file, l.line, l.column, msg);
}

nlohmann::json ParamsJson(const Params& p) {
  nlohmann::json j = nlohmann::json::object();
  // a named key, not a structured binding: clang 14 cannot capture those
  for (const auto& kv : p.values()) std::visit([&, &k = kv.first](const auto& x) { j[k] = x; }, kv.second);
  return j;
}

nlohmann::json ChoiceJson(const ComponentChoice& c) {
  nlohmann::json j = ParamsJson(c.params);
  j["type"] = c.type;
  return j;
}

}  // namespace counterpoint
