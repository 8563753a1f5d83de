#include "core/params.h"

#include <yaml-cpp/depthguard.h>

#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "core/text.h"

namespace counterpoint {

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kInt:
      return "integer";
    case ParamType::kDouble:
      return "number";
    case ParamType::kBool:
      return "boolean";
    case ParamType::kString:
      return "string";
    case ParamType::kIntList:
      return "list of integers";
  }
  return "?";
}

ParamSpec IntParam(std::string name, int64_t def, std::string doc, double min, double max) {
  return {std::move(name), ParamType::kInt, def, std::move(doc), false, min, max, {}};
}
ParamSpec DoubleParam(std::string name, double def, std::string doc, double min, double max) {
  return {std::move(name), ParamType::kDouble, def, std::move(doc), false, min, max, {}};
}
ParamSpec BoolParam(std::string name, bool def, std::string doc) {
  return {std::move(name), ParamType::kBool, def, std::move(doc), false, -1e300, 1e300, {}};
}
ParamSpec StringParam(std::string name, std::string def, std::string doc, std::vector<std::string> choices) {
  return {std::move(name), ParamType::kString, std::move(def), std::move(doc), false, -1e300,
          1e300,           std::move(choices)};
}
ParamSpec RequiredString(std::string name, std::string doc) {
  ParamSpec s = StringParam(std::move(name), "", std::move(doc));
  s.required = true;
  return s;
}
ParamSpec IntListParam(std::string name, std::vector<int64_t> def, std::string doc, double min, double max) {
  return {std::move(name), ParamType::kIntList, std::move(def), std::move(doc), false, min, max, {}};
}
ParamSpec InputFileParam(std::string name, std::string doc) {
  ParamSpec s = RequiredString(std::move(name), std::move(doc));
  s.input_file = true;
  return s;
}

const ParamSpec* ComponentSpec::Find(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {
// nodes made by --set assignments, innermost scope last
thread_local std::vector<std::pair<YAML::Node, std::string>> override_nodes;
}  // namespace

OverrideMarks::OverrideMarks() : begin_(override_nodes.size()) {}
OverrideMarks::~OverrideMarks() { override_nodes.resize(begin_); }

void OverrideMarks::Mark(const YAML::Node& node, const std::string& assignment) {
  if (!node.IsDefined()) return;
  override_nodes.emplace_back(node, assignment);
  if (node.IsSequence())
    for (size_t i = 0; i < node.size(); ++i) Mark(node[i], assignment);
  if (node.IsMap())
    for (auto it = node.begin(); it != node.end(); ++it) Mark(it->first, assignment), Mark(it->second, assignment);
}

void CheckYamlSize(const YAML::Node& root, const std::string& file) {
  // depth-first with an explicit stack; every visit counts, so aliases count at each use.
  // A node met twice at the same place in the text is an alias's use: it tells an alias
  // expansion from a document that is merely large.
  std::vector<std::pair<YAML::Node, int>> stack = {{root, 0}};
  std::unordered_set<uint64_t> places;
  bool aliased = false;
  int64_t visited = 0;
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    if (++visited > kMaxYamlNodes) {
      if (aliased)
        throw InputError(file, "the YAML document expands to more than " + std::to_string(kMaxYamlNodes) +
                                   " nodes through its aliases ('*name' repeats a whole '&name' block, nested "
                                   "aliases multiply); write the values out");
      throw InputError(file, "the YAML document has more than " + std::to_string(kMaxYamlNodes) +
                                 " keys and values; a scenario or policy has a few hundred: is this the right file?");
    }
    if (depth > 1000) throw InputError(file, "the YAML document nests deeper than 1000 levels");
    if (!aliased && (node.IsSequence() || node.IsMap()) && !node.Mark().is_null()) {
      const YAML::Mark m = node.Mark();
      aliased = !places.insert(static_cast<uint64_t>(m.pos) << 1 | (node.IsMap() ? 1 : 0)).second;
    }
    if (node.IsSequence()) {
      for (size_t i = node.size(); i-- > 0;) stack.push_back({node[i], depth + 1});
    } else if (node.IsMap()) {
      for (auto it = node.begin(); it != node.end(); ++it)
        stack.push_back({it->first, depth + 1}), stack.push_back({it->second, depth + 1});
    }
  }
}

SourceLocation LocationOf(const YAML::Node& node, const std::string& file) {
  if (!node.IsDefined()) return {file, 0, 0};
  for (auto it = override_nodes.rbegin(); it != override_nodes.rend(); ++it)
    if (it->first.is(node)) return {"--set " + it->second, 0, 0};
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file.empty() ? "--set" : file + " (--set)", 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

const ParamValue& Params::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("parameter not in spec: " + name);
  return it->second;
}
int64_t Params::Int(const std::string& name) const { return std::get<int64_t>(Get(name)); }
double Params::Double(const std::string& name) const {
  const ParamValue& v = Get(name);
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}
bool Params::Bool(const std::string& name) const { return std::get<bool>(Get(name)); }
const std::string& Params::String(const std::string& name) const { return std::get<std::string>(Get(name)); }
const std::vector<int64_t>& Params::IntList(const std::string& name) const {
  return std::get<std::vector<int64_t>>(Get(name));
}
SourceLocation Params::Where(const std::string& name) const {
  auto it = where_.find(name);
  return it == where_.end() ? block_ : it->second;
}

Params Params::Defaults(const ComponentSpec& spec) {
  Params p;
  for (const auto& s : spec.params) p.Set(s.name, s.default_value);
  return p;
}

namespace {

std::vector<std::string> SpecNames(const ComponentSpec& spec, const std::set<std::string>& reserved) {
  std::vector<std::string> names(reserved.begin(), reserved.end());
  for (const auto& p : spec.params) names.push_back(p.name);
  return names;
}

bool ParseScalar(const YAML::Node& node, const ParamSpec& spec, ParamValue& out, std::string& why);

// parses a sequence of integers (a single integer is a list of one); false with a message
bool ParseIntList(const YAML::Node& node, const ParamSpec& spec, ParamValue& out, std::string& why) {
  ParamSpec element = spec;
  element.type = ParamType::kInt;
  std::vector<int64_t> list;
  if (node.IsScalar()) {
    if (!ParseScalar(node, element, out, why)) return false;
    out = std::vector<int64_t>{std::get<int64_t>(out)};
    return true;
  }
  if (!node.IsSequence()) {
    why = std::string("expected a list of integers, got a ") + (node.IsMap() ? "map" : "null value");
    return false;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    ParamValue v;
    if (!ParseScalar(node[i], element, v, why)) {
      why = "element " + std::to_string(i) + ": " + why;
      return false;
    }
    list.push_back(std::get<int64_t>(v));
  }
  out = std::move(list);
  return true;
}

// parses a scalar per the spec's type; false with a message on mismatch
bool ParseScalar(const YAML::Node& node, const ParamSpec& spec, ParamValue& out, std::string& why) {
  if (spec.type == ParamType::kIntList) return ParseIntList(node, spec, out, why);
  if (!node.IsScalar()) {
    why = std::string(spec.type == ParamType::kInt ? "expected an " : "expected a ") + ParamTypeName(spec.type) +
          ", got a " +
          (node.IsMap()        ? "map"
           : node.IsSequence() ? "list"
                               : "null value");
    return false;
  }
  const std::string& text = node.Scalar();
  switch (spec.type) {
    case ParamType::kInt: {
      try {
        size_t used = 0;
        const long long v = std::stoll(text, &used, 10);
        if (used != text.size()) throw std::invalid_argument(text);
        out = static_cast<int64_t>(v);
        return true;
      } catch (const std::exception&) {
        why = "expected an integer, got '" + text + "'";
        return false;
      }
    }
    case ParamType::kDouble: {
      try {
        size_t used = 0;
        const double v = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(v)) throw std::invalid_argument(text);
        out = v;
        return true;
      } catch (const std::exception&) {
        why = "expected a finite number, got '" + text + "'";
        return false;
      }
    }
    case ParamType::kBool: {
      if (text == "true" || text == "True" || text == "yes") return out = true, true;
      if (text == "false" || text == "False" || text == "no") return out = false, true;
      why = "expected true or false, got '" + text + "'";
      return false;
    }
    case ParamType::kString:
      // names end up in CSV columns, JSON and terminals: bytes that are not text would be mojibake there
      if (const std::string bad = NotUtf8Message(text); !bad.empty()) {
        why = bad;
        return false;
      }
      out = text;
      return true;
    case ParamType::kIntList:
      return false;  // handled above
  }
  return false;
}

}  // namespace

InputError RelocateDiagnostics(const InputError& e, const std::string& pseudo, const SourceLocation& loc) {
  std::vector<Diagnostic> out = e.diagnostics();
  for (Diagnostic& d : out)
    if (d.file == pseudo && d.line == 0) d = {loc.file, loc.line, loc.column, pseudo + ": " + d.message};
  return InputError(std::move(out));
}

Params ValidateBlock(const YAML::Node& node, const ComponentSpec& spec, const std::string& file,
                     const std::string& block_name, DiagnosticList& diags, const std::set<std::string>& reserved) {
  Params params = Params::Defaults(spec);
  params.SetBlockLocation(node ? LocationOf(node, file) : SourceLocation{file, 0, 0});
  if (!node || node.IsNull()) {
    for (const auto& s : spec.params)
      if (s.required) diags.Add(file, 0, 0, block_name + ": missing required key '" + s.name + "'");
    return params;
  }
  if (!node.IsMap()) {
    const SourceLocation loc = LocationOf(node, file);
    diags.Add(loc.file, loc.line, loc.column, block_name + ": expected a map of settings");
    return params;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const SourceLocation kloc = LocationOf(key, file);
    // keys are names: a list or map as a key ("? [a, b]") is an error, not a crash
    if (!key.IsScalar()) {
      diags.Add(kloc.file, kloc.line, kloc.column, block_name + ": a key must be a name, not a list or a map");
      continue;
    }
    const std::string name = key.Scalar();
    if (!seen.insert(name).second) {
      diags.Add(kloc.file, kloc.line, kloc.column, block_name + ": duplicate key '" + name + "'");
      continue;
    }
    if (reserved.count(name)) continue;
    const ParamSpec* spec_entry = spec.Find(name);
    if (!spec_entry) {
      diags.Add(kloc.file, kloc.line, kloc.column,
                block_name + ": unknown key '" + name + "'; valid keys: " + JoinNames(SpecNames(spec, reserved)));
      continue;
    }
    const YAML::Node value = it->second;
    const SourceLocation vloc = LocationOf(value, file);
    ParamValue parsed;
    std::string why;
    if (!ParseScalar(value, *spec_entry, parsed, why)) {
      diags.Add(vloc.file, vloc.line, vloc.column, block_name + "." + name + ": " + why);
      continue;
    }
    // range and choice checks
    if (spec_entry->type == ParamType::kInt || spec_entry->type == ParamType::kDouble) {
      const double v = std::holds_alternative<int64_t>(parsed) ? static_cast<double>(std::get<int64_t>(parsed))
                                                               : std::get<double>(parsed);
      if (v < spec_entry->min || v > spec_entry->max) {
        std::ostringstream msg;
        msg << block_name << "." << name << ": value " << value.Scalar() << " is out of range [";
        if (spec_entry->min > -1e299)
          msg << spec_entry->min;
        else
          msg << "-inf";
        msg << ", ";
        if (spec_entry->max < 1e299)
          msg << spec_entry->max;
        else
          msg << "inf";
        msg << "]";
        diags.Add(vloc.file, vloc.line, vloc.column, msg.str());
        continue;
      }
    }
    if (spec_entry->type == ParamType::kIntList) {
      bool ok = true;
      for (int64_t v : std::get<std::vector<int64_t>>(parsed)) {
        if (v < spec_entry->min || v > spec_entry->max) {
          std::ostringstream msg;
          msg << block_name << "." << name << ": element " << v << " is out of range [" << spec_entry->min << ", "
              << (spec_entry->max < 1e299 ? std::to_string(static_cast<int64_t>(spec_entry->max)) : "inf") << "]";
          diags.Add(vloc.file, vloc.line, vloc.column, msg.str());
          ok = false;
          break;
        }
      }
      if (!ok) continue;
    }
    if (spec_entry->type == ParamType::kString && !spec_entry->choices.empty()) {
      const auto& s = std::get<std::string>(parsed);
      bool ok = false;
      for (const auto& c : spec_entry->choices) ok = ok || c == s;
      if (!ok) {
        diags.Add(vloc.file, vloc.line, vloc.column,
                  block_name + "." + name + ": '" + s +
                      "' is not a valid choice; valid choices: " + JoinNames(spec_entry->choices));
        continue;
      }
    }
    params.Set(name, parsed);
    params.SetLocation(name, vloc);
  }
  for (const auto& s : spec.params) {
    if (s.required && !seen.count(s.name)) {
      const SourceLocation loc = LocationOf(node, file);
      diags.Add(loc.file, loc.line, loc.column, block_name + ": missing required key '" + s.name + "' (" + s.doc + ")");
    }
  }
  return params;
}

YAML::Node ParseYamlMap(const std::string& text, const std::string& file, const std::string& what) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp says only "bad file" here
    throw InputError(file, e.mark.line + 1, e.mark.column + 1,
                     "the YAML nests lists or maps deeper than the parser allows (a few hundred levels); a "
                     "scenario nests a few: look for brackets '[' or '{' that are never closed, or indentation "
                     "that keeps growing");
  } catch (const YAML::ParserException& e) {
    throw InputError(file, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw InputError(file, "YAML error: " + e.msg);
  }
  CheckYamlSize(root, file);
  if (!root.IsMap()) throw InputError(file, 1, 1, what + " must be a YAML map (key: value lines)");
  return root;
}

std::string ParamValueToString(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    // the shortest text that reads back as the same double: 0.3, not 0.29999999999999999
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto* l = std::get_if<std::vector<int64_t>>(&v)) {
    std::string s = "[";
    for (size_t i = 0; i < l->size(); ++i) s += (i ? ", " : "") + std::to_string((*l)[i]);
    return s + "]";
  }
  return std::get<std::string>(v);
}

}  // namespace counterpoint
