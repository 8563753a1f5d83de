// Scenarios: YAML files choosing the catalog, index, population, user model,
// recommender arms and observers. Loading validates every block against the
// spec its plug-in registered and reports all errors as file:line:col.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/component_choice.h"
#include "core/params.h"
#include "embeddings/catalog_config.h"
#include "embeddings/vector_index.h"
#include "recommender/recommender.h"
#include "simulator/population.h"
#include "simulator/sock_puppets.h"

namespace counterpoint {

struct WorldConfig;  // world/world_config.h
struct Scenario;

struct ArmSpec {
  std::string name;
  ComponentChoice retriever;
  ComponentChoice ranker;
  std::vector<ComponentChoice> interventions;
  RecommenderOptions options;
  Params options_params;  ///< the validated recommender keys (their locations, for cross-field errors)
  /// A world of platforms (the scenario's `world` block with this arm's `world` keys over
  /// it; docs/crisis.md): set in every arm of such a scenario, null in every arm otherwise.
  std::shared_ptr<const WorldConfig> world = nullptr;
  /// With a world: per platform, the single-platform scenario simulating its audience
  /// (audience_scenario; null: parametric views), its steps set to this scenario's
  /// (experiment/world_audiences.h)
  std::vector<std::shared_ptr<const Scenario>> audiences = {};
};

struct Scenario {
  std::string file;      ///< path it was loaded from ("<string>" for text)
  std::string base_dir;  ///< relative paths inside resolve against this
  std::string name;
  std::string description;
  uint64_t seed = 1;
  int64_t steps = 50;
  int replicates = 1;
  int64_t batch_size = 2048;
  ComponentChoice catalog;
  IndexOptions index;
  Params index_params;  ///< the validated index block (its keys' locations, for FAISS errors)
  PopulationParams population;
  Params population_params;  ///< the validated block population was read from (for manifests)
  ComponentChoice user_model;
  /// Scripted users after the population's n_users organic ones (docs/sock_puppets.md);
  /// empty without a sock_puppets block
  SockPuppets puppets;
  std::vector<ArmSpec> arms;
  std::vector<ComponentChoice> observers;
  std::string output_dir;
  bool output_graph = false;           ///< write each arm's induced watch-next graph (docs/graph.md)
  bool output_events = false;          ///< write impressions.csv, moderation.csv, items.csv and users.csv
  bool compress_events = true;         ///< gzip those files (.csv.gz)
  std::string control;                 ///< the arm others are compared with (default: the first)
  std::string amplification_control;   ///< reach ratios are against this arm ("" = none)
  std::vector<std::string> overrides;  ///< the --set assignments applied

  /// The control's name: `control`, or the first arm when none is set.
  std::string ControlArm() const { return control.empty() && !arms.empty() ? arms.front().name : control; }

  /// The catalog and index blocks with the seed and paths they are read with.
  CatalogConfig CatalogBlocks() const;

  /// Every resolved setting (defaults filled in), for manifests.
  nlohmann::json Resolved() const;
};

/// Applies "a.b.c=value" assignments to a YAML tree (map keys; list indexes or arm
/// names for lists). Throws InputError naming the assignment when it cannot apply.
/// With `marks`, the nodes each assignment makes are marked with it, so that later
/// errors about them name "--set key=value" rather than a line of the file.
void ApplyOverrides(YAML::Node& root, const std::vector<std::string>& overrides, OverrideMarks* marks = nullptr);

/// Parses and validates a scenario from YAML text. `file` names it in errors.
Scenario ParseScenario(const std::string& text, const std::string& file, const std::vector<std::string>& overrides = {},
                       const std::string& base_dir = "");

/// Keeps only the named arms, in the order given; if the control is not among them the
/// first becomes the control. Throws InputError naming an unknown arm and the valid ones.
void SelectArms(Scenario& sc, const std::vector<std::string>& names);
/// Validates a scenario already parsed into a YAML map (its nodes keep their marks,
/// so errors name their place in `file`); used to read a run scenario's blocks
/// embedded in another file.
Scenario ParseScenarioNode(YAML::Node root, const std::string& file, const std::vector<std::string>& overrides = {},
                           const std::string& base_dir = "");

/// Reads and validates a scenario file.
Scenario LoadScenario(const std::string& path, const std::vector<std::string>& overrides = {});

/// Builds a scenario again with more overrides appended (a calibration's size: cost
/// predictions run a scenario the way it was given, smaller).
using ScenarioLoader = std::function<Scenario(const std::vector<std::string>& more_overrides)>;
/// The loader that calls `parse` with `sets` followed by the more overrides.
ScenarioLoader AppendingOverrides(std::vector<std::string> sets,
                                  std::function<Scenario(const std::vector<std::string>& all)> parse);
/// The loader of the scenario file at `path` with the overrides `sets` (the CLI's --set).
ScenarioLoader FileLoader(const std::string& path, std::vector<std::string> sets);

/// Specs of the fixed (non-plug-in) blocks, for documentation and tests.
ComponentSpec ScenarioTopSpec();
ComponentSpec RecommenderSpec();
ComponentSpec OutputSpec();

}  // namespace counterpoint
