#include "experiment/scenario.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/component_choice.h"
#include "core/io.h"
#include "core/text.h"
#include "embeddings/catalog_config.h"
#include "embeddings/catalog_source.h"
#include "experiment/sock_puppet_config.h"
#include "experiment/world_audiences.h"
#include "simulator/observers/observer.h"
#include "simulator/user_model.h"
#include "world/world_config.h"

namespace counterpoint {

ComponentSpec ScenarioTopSpec() {
  return {"A scenario (docs/scenarios.md).",
          {StringParam("name", "scenario", "short name, used for the default output directory"),
           StringParam("description", "", "what the scenario shows"), BaseSeedParam(),
           IntParam("steps", 50, "simulated steps (one session opportunity per user each)", 1, 1e7),
           IntParam("replicates", 1, "independent seeds; summaries give mean and 95% CI", 1, 10000),
           IntParam("batch_size", 2048, "users per batched search (bounds memory)", 1, 1e8),
           StringParam("control", "", "the arm every other arm is compared with (default: the first arm)"),
           StringParam("amplification_control", "",
                       "the arm amplification is measured against (default: an arm named newest_first, if any)")}};
}

ComponentSpec RecommenderSpec() {
  const RecommenderOptions d;
  return {
      "Recommender pipeline: retriever -> ranker -> interventions.",
      {IntParam("candidates", d.candidates, "items retrieved per user", 1, kMaxCandidates),
       IntParam("slate_size", d.slate_size, "items shown per user and step", 1, 256),
       DoubleParam("learning_rate", d.learning_rate, "step size of the estimate update from clicks", 0, 1),
       StringParam("learner", d.learner, "how the estimate learns from clicks", {"choice_gradient", "click_average"}),
       DoubleParam("learner_temperature", d.learner_temperature, "choice_gradient: logit scale of <estimate, item>", 0,
                   1e3),
       BoolParam("learn_from_injected", d.learn_from_injected,
                 "whether injected slots (e.g. counter-narratives) teach the estimate and the item counts")}};
}

ComponentSpec OutputSpec() {
  return {"Where results go.",
          {StringParam("dir", "", "output directory (default results/<name>)"),
           BoolParam("graph", false,
                     "write each arm's induced watch-next graph to <dir>/graph/<arm>_nodes.csv, _edges.csv "
                     "(docs/graph.md)"),
           BoolParam("events", false,
                     "write impressions.csv and moderation.csv, every impression and moderation event (about 30 "
                     "bytes per impression held in memory during the run), and items.csv and users.csv, the "
                     "items' and users' attributes to recount them by (docs/interventions.md)"),
           BoolParam("compress_events", true,
                     "gzip the event files (impressions.csv.gz, ...: about a tenth of the size; pandas, Python's "
                     "gzip module and zcat read them); false writes plain .csv")}};
}

namespace {

const std::set<std::string> kTopBlocks = {"catalog", "index",     "population", "user_model", "recommender",
                                          "arms",    "observers", "output",     "world",      "sock_puppets"};
constexpr const char* kDefaultRetriever = "faiss";
constexpr const char* kDefaultRanker = "engagement";
const std::set<std::string> kRecommenderBlocks = {"retriever", "ranker", "interventions"};
// keys whose value is a plug-in choice (or a list of them): `name` or {type: name, ...}
const std::set<std::string> kChoiceKeys = {"catalog", "user_model",    "retriever",
                                           "ranker",  "interventions", "observers"};

// the type a plug-in choice names ("name", {type: name, ...}), or fallback
std::string ChoiceType(const YAML::Node& n, const std::string& fallback) {
  if (n && n.IsScalar()) return n.Scalar();
  if (n && n.IsMap() && n["type"] && n["type"].IsScalar()) return n["type"].Scalar();
  return fallback;
}

// an arm's plug-in choice over the base one: with the same type, the arm's keys override
// the base block's and the rest are kept; a different type starts from that plug-in's defaults
YAML::Node MergeChoice(const YAML::Node& base, const YAML::Node& arm, const std::string& default_type) {
  if (!base || base.IsNull()) return arm;
  const std::string base_type = ChoiceType(base, default_type);
  if (ChoiceType(arm, base_type) != base_type || !base.IsMap()) return arm;
  if (arm.IsScalar()) return base;
  if (!arm.IsMap()) return arm;  // reported by validation
  YAML::Node merged(YAML::NodeType::Map);
  for (auto it = base.begin(); it != base.end(); ++it) merged[it->first.Scalar()] = it->second;
  for (auto it = arm.begin(); it != arm.end(); ++it) merged[it->first.Scalar()] = it->second;
  return merged;
}

// the arm's keys over the base recommender block (nodes keep their own marks)
YAML::Node MergeArm(const YAML::Node& base, const YAML::Node& arm) {
  static const std::map<std::string, std::string> kChoiceDefaults = {{"retriever", kDefaultRetriever},
                                                                     {"ranker", kDefaultRanker}};
  YAML::Node merged(YAML::NodeType::Map);
  if (base && base.IsMap())
    for (auto it = base.begin(); it != base.end(); ++it) merged[it->first.Scalar()] = it->second;
  if (arm && arm.IsMap())
    for (auto it = arm.begin(); it != arm.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (key == "name") continue;
      const auto choice = kChoiceDefaults.find(key);
      const YAML::Node base_value = base && base.IsMap() ? base[key] : YAML::Node();
      merged[key] = choice == kChoiceDefaults.end() ? it->second : MergeChoice(base_value, it->second, choice->second);
    }
  return merged;
}

ArmSpec ValidateArm(const YAML::Node& rec, const std::string& file, const std::string& where, DiagnosticList& diags) {
  ArmSpec arm;
  std::set<std::string> reserved = kRecommenderBlocks;
  reserved.insert("name");
  reserved.insert("world");  // a world of platforms' keys for this arm (ValidateArmWorlds)
  const Params opts = ValidateBlock(rec, RecommenderSpec(), file, where, diags, reserved);
  arm.options.candidates = static_cast<int>(opts.Int("candidates"));
  arm.options.slate_size = static_cast<int>(opts.Int("slate_size"));
  arm.options.learning_rate = opts.Double("learning_rate");
  arm.options.learner = opts.String("learner");
  arm.options.learner_temperature = opts.Double("learner_temperature");
  arm.options.learn_from_injected = opts.Bool("learn_from_injected");
  arm.options_params = opts;
  // a slate is cut from the candidates: more slots than candidates leaves slots empty
  if (arm.options.slate_size > arm.options.candidates) {
    const SourceLocation at = opts.Where("slate_size"), cand = opts.Where("candidates");
    diags.Add(at.file, at.line, at.column,
              where + ".slate_size: " + std::to_string(arm.options.slate_size) + " slots but " +
                  std::to_string(arm.options.candidates) + " candidates (" + where + ".candidates, " +
                  (cand.line > 0 ? "line " + std::to_string(cand.line) : cand.file) +
                  "); a slate is cut from the candidates: raise candidates or lower slate_size");
  }
  const YAML::Node empty;
  const bool is_map = rec && rec.IsMap();
  arm.retriever = ValidateChoice<RetrieverRegistry>(is_map ? rec["retriever"] : empty, file, where + ".retriever",
                                                    "retriever", kDefaultRetriever, diags);
  arm.ranker = ValidateChoice<RankerRegistry>(is_map ? rec["ranker"] : empty, file, where + ".ranker", "ranker",
                                              kDefaultRanker, diags);
  arm.interventions = ValidateChoiceList<InterventionRegistry>(is_map ? rec["interventions"] : empty, file,
                                                               where + ".interventions", "intervention", diags);
  for (const auto& iv : arm.interventions) arm.options.intervention_types.push_back(iv.type);
  arm.options.ranker_type = arm.ranker.type;
  return arm;
}

}  // namespace

void ApplyOverrides(YAML::Node& root, const std::vector<std::string>& overrides, OverrideMarks* marks) {
  for (const std::string& assignment : overrides) {
    const std::string where = "--set " + assignment;
    const size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(where, "not of the form key.path=value (e.g. population.n_users=1000)");
    const std::string path = assignment.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(assignment.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      throw InputError(where, "the value is not valid YAML: " + e.msg);
    }
    CheckYamlSize(value, where);
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      parts.push_back(path.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    // marks the key `key` of map `m` and its value as made by this assignment
    auto mark_entry = [&](const YAML::Node& m, const std::string& key) {
      if (!marks) return;
      for (auto it = m.begin(); it != m.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == key) marks->Mark(it->first, assignment);
    };
    YAML::Node cur = root;
    std::string owner;  // the last map key on the path: the key a list or a bare name belongs to
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string& key = parts[i];
      const bool last = i + 1 == parts.size();
      if (key.empty()) throw InputError(where, "empty path segment (two dots, or a dot at an end)");
      if (cur.IsSequence()) {
        // a list: an index, or the name of an element (arms by name)
        YAML::Node next;
        bool found = false;
        if (key.find_first_not_of("0123456789") == std::string::npos) {
          // at most 9 digits: no overflow of the index, and no list is that long
          const size_t idx = key.size() <= 9 ? std::stoul(key) : cur.size() + 1;
          if (idx < cur.size()) next.reset(cur[idx]), found = true;
          // one past the end, as the whole element: appends it (arms.5={name: mine, ...})
          if (idx == cur.size() && last) {
            cur.push_back(value);
            if (marks) marks->Mark(value, assignment);
            continue;
          }
        } else {
          for (size_t j = 0; j < cur.size() && !found; ++j)
            if (cur[j].IsMap() && cur[j]["name"] && cur[j]["name"].Scalar() == key) next.reset(cur[j]), found = true;
          // a plug-in in a list (interventions, observers) by its type, written out or as a bare name
          for (size_t j = 0; j < cur.size() && !found && kChoiceKeys.count(owner); ++j)
            if ((cur[j].IsScalar() && cur[j].Scalar() == key) ||
                (cur[j].IsMap() && cur[j]["type"] && cur[j]["type"].Scalar() == key))
              next.reset(cur[j]), found = true;
        }
        if (!found)
          throw InputError(where, "no list element '" + key + "' (give an index below " + std::to_string(cur.size()) +
                                      ", " + std::to_string(cur.size()) + " to append a whole element" +
                                      (kChoiceKeys.count(owner) ? ", or a plug-in's type)" : ", or an arm name)"));
        if (last) {
          next = value;
          if (marks) marks->Mark(value, assignment);
        } else {
          cur.reset(next);
        }
        continue;
      }
      if (cur.IsScalar() && kChoiceKeys.count(owner)) {
        // a plug-in given by its bare name is {type: name}: a key set below it keeps the name
        YAML::Node as_map(YAML::NodeType::Map);
        as_map["type"] = cur.Scalar();
        cur = as_map;  // assigns through to the node in the tree
      }
      if (!cur.IsMap() && !cur.IsNull()) throw InputError(where, "'" + parts[i - 1] + "' is a value, not a map");
      owner = key;
      if (last) {
        cur[key] = value;
        if (marks) marks->Mark(value, assignment);
        mark_entry(cur, key);
      } else {
        if (!cur[key] || cur[key].IsNull()) {
          cur[key] = YAML::Node(YAML::NodeType::Map);
          if (marks) marks->Mark(cur[key], assignment);
          mark_entry(cur, key);
        }
        YAML::Node next = cur[key];
        cur.reset(next);
      }
    }
  }
}

namespace {
// a world of platforms (docs/crisis.md): the scenario's `world` block, with each arm's
// `world` keys over it, validated once per arm
void ValidateArmWorlds(const YAML::Node& cr, const std::string& file, Scenario& sc, DiagnosticList& diags) {
  const YAML::Node base = cr["world"];
  const YAML::Node arms = cr["arms"];
  for (size_t i = 0; i < sc.arms.size(); ++i) {
    const bool listed = arms && arms.IsSequence() && i < arms.size() && arms[i].IsMap();
    const YAML::Node own = listed ? arms[i]["world"] : YAML::Node();
    const bool has_own = own.IsDefined() && !own.IsNull();
    const std::string where = listed ? "arms[" + std::to_string(i) + "].world" : "world";
    if (has_own && !base) {
      AddDiagnosticAt(diags, own, file,
                      where +
                          ": this scenario has no world block; give the platforms in a top-level 'world' "
                          "(docs/crisis.md), or remove the arm's 'world'");
      continue;
    }
    if (!base) continue;
    sc.arms[i].world = std::make_shared<const WorldConfig>(
        ValidateWorld(MergeWorld(base, has_own ? own : YAML::Node()), file, "world", diags));
  }
}
}  // namespace

Scenario ParseScenario(const std::string& text, const std::string& file, const std::vector<std::string>& overrides,
                       const std::string& base_dir) {
  return ParseScenarioNode(ParseYamlMap(text, file, "a scenario"), file, overrides, base_dir);
}

Scenario ParseScenarioNode(YAML::Node root, const std::string& file, const std::vector<std::string>& overrides,
                           const std::string& base_dir) {
  // errors about what an override made name the override (the marks live while validating)
  OverrideMarks marks;
  ApplyOverrides(root, overrides, &marks);
  const YAML::Node& cr = root;  // read through const nodes only: no accidental inserts

  DiagnosticList diags;
  Scenario sc;
  sc.file = file;
  sc.base_dir = base_dir;
  sc.overrides = overrides;
  const Params top = ValidateBlock(cr, ScenarioTopSpec(), file, "scenario", diags, kTopBlocks);
  sc.name = top.String("name");
  sc.description = top.String("description");
  sc.seed = static_cast<uint64_t>(top.Int("seed"));
  sc.steps = top.Int("steps");
  sc.replicates = static_cast<int>(top.Int("replicates"));
  sc.batch_size = top.Int("batch_size");

  // a world of platforms (docs/crisis.md) runs on its own uploads, not on a catalog
  if (cr["world"] && !cr["catalog"]) root["catalog"] = "synthetic";
  CatalogConfig blocks;
  ValidateCatalogBlocks(cr, file, blocks, diags);
  sc.catalog = std::move(blocks.catalog);
  sc.index = blocks.index;
  sc.index_params = std::move(blocks.index_params);

  sc.population_params = ValidateBlock(cr["population"], PopulationSpec(), file, "population", diags);
  sc.population = PopulationParamsFrom(sc.population_params);
  sc.user_model = ValidateChoice<UserModelRegistry>(cr["user_model"], file, "user_model", "user model", "logit", diags);
  sc.puppets = ValidateSockPuppets(cr["sock_puppets"], file, sc.population.n_users, sc.steps, diags);
  if (!sc.puppets.empty() && cr["world"])
    AddDiagnosticAt(diags, cr["sock_puppets"], file,
                    "sock_puppets: a world of platforms (world) has no sock puppets yet; run the puppets in a "
                    "scenario without a world block");

  // arms: each arm's keys override the shared recommender block
  const YAML::Node rec = cr["recommender"];
  if (rec && !rec.IsMap()) AddDiagnosticAt(diags, rec, file, "recommender: expected a map");
  const YAML::Node arms = cr["arms"];
  if (!arms || arms.IsNull()) {
    ArmSpec arm = ValidateArm(rec, file, "recommender", diags);
    arm.name = "default";
    sc.arms.push_back(std::move(arm));
  } else if (!arms.IsSequence() || arms.size() == 0) {
    AddDiagnosticAt(diags, arms, file, "arms: expected a non-empty list of arms, each with a name");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < arms.size(); ++i) {
      const YAML::Node a = arms[i];
      const std::string where = "arms[" + std::to_string(i) + "]";
      if (!a.IsMap() || !a["name"] || !a["name"].IsScalar()) {
        AddDiagnosticAt(diags, a, file, where + ": each arm needs a 'name' (and the recommender keys it changes)");
        continue;
      }
      ArmSpec arm = ValidateArm(MergeArm(rec, a), file, where, diags);
      arm.name = a["name"].Scalar();
      if (const std::string bad = NotUtf8Message(arm.name); !bad.empty())
        AddDiagnosticAt(diags, a["name"], file, where + ".name: " + bad);
      else if (!names.insert(arm.name).second)
        AddDiagnosticAt(diags, a["name"], file, where + ": duplicate arm name '" + arm.name + "'");
      sc.arms.push_back(std::move(arm));
    }
  }

  ValidateArmWorlds(cr, file, sc, diags);
  LoadWorldAudiences(sc, diags);

  if (cr["observers"]) {
    sc.observers = ValidateChoiceList<ObserverRegistry>(cr["observers"], file, "observers", "observer", diags,
                                                        /*unique_types=*/true);
  } else {
    for (const auto& name : DefaultObservers())
      sc.observers.push_back({name, Params::Defaults(ObserverRegistry::Get().Find(name)->spec)});
  }
  // population.history_length 0: the ring keeps as many consumptions as the observers read
  // (an observer whose parameters are bad is reported when the run builds it)
  if (sc.population.history_length == 0) {
    for (const auto& o : sc.observers) {
      const auto* entry = ObserverRegistry::Get().Find(o.type);  // null: an unknown type, reported above
      if (!entry) continue;
      try {
        const int read = entry->factory(o.params)->HistoryRead();
        sc.population.history_length = std::max(sc.population.history_length, read);
      } catch (const std::exception&) {
      }
    }
  }
  // the per-user counters are 32-bit: a user sees at most slate_size items a step
  for (const auto& a : sc.arms) {
    if (static_cast<double>(sc.steps) * a.options.slate_size < 2147483648.0) continue;
    AddDiagnosticAt(diags, cr["steps"], file,
                    "steps: " + std::to_string(sc.steps) + " steps of " + std::to_string(a.options.slate_size) +
                        " items (arm '" + a.name +
                        "') reach 2^31 impressions per user, past the 32-bit counters; "
                        "lower steps or slate_size");
    break;
  }
  const Params output = ValidateBlock(cr["output"], OutputSpec(), file, "output", diags);
  sc.output_dir = output.String("dir").empty() ? "results/" + sc.name : output.String("dir");
  sc.output_graph = output.Bool("graph");
  sc.output_events = output.Bool("events");
  sc.compress_events = output.Bool("compress_events");
  // the control of comparisons: a named arm (default the first), and the control of amplification
  auto arm_named = [&](const std::string& name) {
    return std::any_of(sc.arms.begin(), sc.arms.end(), [&](const ArmSpec& a) { return a.name == name; });
  };
  sc.control = top.String("control");
  if (sc.control.empty() && !sc.arms.empty()) sc.control = sc.arms.front().name;
  if (!sc.arms.empty() && !arm_named(sc.control))
    AddDiagnosticAt(diags, cr["control"], file, "control: no arm named '" + sc.control + "'; name one of the arms");
  sc.amplification_control = top.String("amplification_control");
  if (sc.amplification_control.empty() && arm_named("newest_first")) sc.amplification_control = "newest_first";
  if (!sc.amplification_control.empty() && !sc.arms.empty() && !arm_named(sc.amplification_control))
    AddDiagnosticAt(diags, cr["amplification_control"], file,
                    "amplification_control: no arm named '" + sc.amplification_control + "'; name one of the arms");
  diags.ThrowIfAny();
  return sc;
}

void SelectArms(Scenario& sc, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::vector<ArmSpec> kept;
  for (const std::string& name : names) {
    auto it = std::find_if(sc.arms.begin(), sc.arms.end(), [&](const ArmSpec& a) { return a.name == name; });
    if (it == sc.arms.end()) {
      std::vector<std::string> valid;
      for (const auto& a : sc.arms) valid.push_back(a.name);
      throw InputError("--arms", "no arm '" + name + "' in " + sc.file + "; its arms: " + JoinNames(valid));
    }
    if (std::any_of(kept.begin(), kept.end(), [&](const ArmSpec& a) { return a.name == name; }))
      throw InputError("--arms", "arm '" + name + "' is named twice");
    kept.push_back(*it);
  }
  auto kept_named = [&](const std::string& n) {
    return std::any_of(kept.begin(), kept.end(), [&](const ArmSpec& a) { return a.name == n; });
  };
  if (!kept_named(sc.control)) sc.control = kept.front().name;
  if (!kept_named(sc.amplification_control)) sc.amplification_control.clear();
  sc.arms = std::move(kept);
}

CatalogConfig Scenario::CatalogBlocks() const {
  CatalogConfig c;
  c.file = file;
  c.base_dir = base_dir;
  c.seed = seed;
  c.catalog = catalog;
  c.index = index;
  c.index_params = index_params;
  return c;
}

ScenarioLoader AppendingOverrides(std::vector<std::string> sets,
                                  std::function<Scenario(const std::vector<std::string>& all)> parse) {
  return [sets = std::move(sets), parse = std::move(parse)](const std::vector<std::string>& more) {
    std::vector<std::string> all = sets;
    all.insert(all.end(), more.begin(), more.end());
    return parse(all);
  };
}

ScenarioLoader FileLoader(const std::string& path, std::vector<std::string> sets) {
  return AppendingOverrides(std::move(sets),
                            [path](const std::vector<std::string>& all) { return LoadScenario(path, all); });
}

Scenario LoadScenario(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = ReadFile(path);
  const std::string base = std::filesystem::path(path).parent_path().string();
  return ParseScenario(text, path, overrides, base);
}

nlohmann::json Scenario::Resolved() const {
  nlohmann::json j;
  j["name"] = name;
  j["description"] = description;
  j["seed"] = seed;
  j["steps"] = steps;
  j["replicates"] = replicates;
  j["batch_size"] = batch_size;
  j["catalog"] = ChoiceJson(catalog);
  j["index"] = IndexJson(index);
  j["population"] = ParamsJson(population_params);
  j["user_model"] = ChoiceJson(user_model);
  if (!puppets.empty()) j["sock_puppets"] = SockPuppetsJson(puppets);
  for (const auto& a : arms) {
    nlohmann::json arm = {{"name", a.name},
                          {"retriever", ChoiceJson(a.retriever)},
                          {"ranker", ChoiceJson(a.ranker)},
                          {"candidates", a.options.candidates},
                          {"slate_size", a.options.slate_size},
                          {"learning_rate", a.options.learning_rate},
                          {"learner", a.options.learner},
                          {"learner_temperature", a.options.learner_temperature},
                          {"learn_from_injected", a.options.learn_from_injected}};
    arm["interventions"] = nlohmann::json::array();
    for (const auto& iv : a.interventions) arm["interventions"].push_back(ChoiceJson(iv));
    if (a.world) arm["world"] = a.world->Resolved();
    for (size_t p = 0; p < a.audiences.size(); ++p)
      if (a.audiences[p]) arm["audiences"][a.world->platforms[p].name] = a.audiences[p]->Resolved();
    j["arms"].push_back(arm);
  }
  for (const auto& o : observers) j["observers"].push_back(ChoiceJson(o));
  j["control"] = control;
  j["amplification_control"] = amplification_control;
  j["output"] = {
      {"dir", output_dir}, {"graph", output_graph}, {"events", output_events}, {"compress_events", compress_events}};
  j["overrides"] = overrides;
  return j;
}

}  // namespace counterpoint
