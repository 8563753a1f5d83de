#include "experiment/sock_puppet_config.h"

#include <set>

#include "core/component_choice.h"

namespace counterpoint {

namespace {

void AddAt(DiagnosticList& diags, const SourceLocation& l, const std::string& msg) {
  diags.Add(l.file, l.line, l.column, msg);
}

// one script segment; `previous` is the from_step before it (-1 for the first)
ScriptSegment ValidateSegment(const YAML::Node& node, const std::string& file, const std::string& where,
                              int64_t previous, int64_t steps, DiagnosticList& diags) {
  ScriptSegment s;
  s.params = ValidateBlock(node, ScriptSegmentSpec(), file, where, diags);
  const Params& p = s.params;
  // a key given (valid or not: a bad value is reported by ValidateBlock already)
  auto given = [&](const char* key) { return node && node.IsMap() && node[key]; };
  s.from_step = p.Int("from_step");
  s.choose = ParsePuppetChoice(p.String("choose"));
  s.otherwise_top = p.String("otherwise") == "top";
  s.items = p.IntList("items");
  if (previous < 0 && s.from_step != 0)
    AddAt(diags, p.Where("from_step"),
          where + ".from_step: the first part of a script starts at step 0 (it is " + std::to_string(s.from_step) +
              "); set from_step: 0 or put a part before it");
  if (previous >= 0 && s.from_step <= previous)
    AddAt(diags, p.Where("from_step"),
          where + ".from_step: " + std::to_string(s.from_step) + " is not after the previous part's " +
              std::to_string(previous) + "; list the parts in order of their from_step");
  if (s.from_step >= steps)
    AddAt(diags, p.Where("from_step"),
          where + ".from_step: " + std::to_string(s.from_step) +
              " is not before the run's end (steps: " + std::to_string(steps) +
              "), so the switch never happens; use a step below " + std::to_string(steps) + " or raise steps");
  const bool label = s.choose == PuppetChoice::kLabel, list = s.choose == PuppetChoice::kList;
  if (label && !given("label"))
    AddAt(diags, p.BlockLocation(),
          where + ": choose: label needs the label sought (label: one of " + JoinNames(LabelNames()) + ")");
  if (label) s.label = *ParseLabel(p.String("label").empty() ? "mainstream" : p.String("label"));
  if (!label && given("label"))
    AddAt(diags, p.Where("label"),
          where + ".label: read only with choose: label (choose is " + p.String("choose") +
              "); remove it or set choose: label");
  if (!label && given("otherwise"))
    AddAt(diags, p.Where("otherwise"),
          where + ".otherwise: read only with choose: label (choose is " + p.String("choose") +
              "); remove it or set choose: label");
  if (list && s.items.empty())
    AddAt(diags, given("items") ? p.Where("items") : p.BlockLocation(),
          where + ": choose: list needs items: [item ids, one consumed per step]");
  if (!list && given("items"))
    AddAt(diags, p.Where("items"),
          where + ".items: read only with choose: list (choose is " + p.String("choose") +
              "); remove it or set choose: list");
  return s;
}

}  // namespace

SockPuppets ValidateSockPuppets(const YAML::Node& node, const std::string& file, int64_t organic_users, int64_t steps,
                                DiagnosticList& diags) {
  SockPuppets out;
  out.organic_users = organic_users;
  if (!node || node.IsNull()) return out;
  if (!node.IsSequence() || node.size() == 0) {
    AddDiagnosticAt(diags, node, file,
                    "sock_puppets: expected a list of puppet groups, each {name, n, script: [{from_step, choose, "
                    "...}]} (docs/sock_puppets.md)");
    return out;
  }
  std::set<std::string> names;
  int64_t next_user = organic_users;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node g = node[i];
    const std::string where = "sock_puppets[" + std::to_string(i) + "]";
    PuppetGroup group;
    const Params p = ValidateBlock(g, PuppetGroupSpec(), file, where, diags, {"script"});
    group.name = p.String("name");
    group.n = p.Int("n");
    group.first_user = next_user;
    next_user += group.n;
    if (!group.name.empty() &&
        group.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            std::string::npos)
      AddAt(diags, p.Where("name"),
            where + ".name: '" + group.name + "' may hold only letters, digits and _ (it names metric columns)");
    else if (!group.name.empty() && !names.insert(group.name).second)
      AddAt(diags, p.Where("name"), where + ".name: another group is named '" + group.name + "'; rename one");
    const YAML::Node script = g.IsMap() ? g["script"] : YAML::Node();
    if (!script || !script.IsSequence() || script.size() == 0) {
      AddDiagnosticAt(diags, script ? script : g, file,
                      where + ".script: expected a non-empty list of parts, e.g. [{from_step: 0, choose: top}]");
    } else {
      int64_t previous = -1;
      for (size_t j = 0; j < script.size(); ++j) {
        group.script.push_back(
            ValidateSegment(script[j], file, where + ".script[" + std::to_string(j) + "]", previous, steps, diags));
        previous = group.script.back().from_step;
      }
    }
    out.groups.push_back(std::move(group));
  }
  return out;
}

void CheckPuppetItems(const SockPuppets& puppets, const Catalog& catalog) {
  for (const auto& g : puppets.groups)
    for (const auto& s : g.script)
      for (size_t k = 0; k < s.items.size(); ++k)
        if (s.items[k] >= catalog.size()) {
          const SourceLocation at = s.params.Where("items");
          throw InputError(at.file, at.line, at.column,
                           "sock_puppets '" + g.name + "': items[" + std::to_string(k) + "] is " +
                               std::to_string(s.items[k]) + " but the catalog has " + std::to_string(catalog.size()) +
                               " items (ids 0.." + std::to_string(catalog.size() - 1) + "); use ids in that range");
        }
}

nlohmann::json SockPuppetsJson(const SockPuppets& puppets) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& g : puppets.groups) {
    nlohmann::json script = nlohmann::json::array();
    for (const auto& s : g.script) script.push_back(ParamsJson(s.params));
    j.push_back({{"name", g.name}, {"n", g.n}, {"first_user", g.first_user}, {"script", script}});
  }
  return j;
}

}  // namespace counterpoint
