#include "experiment/world_audiences.h"

#include <cmath>
#include <filesystem>

#include "core/rng.h"
#include "experiment/runner.h"
#include "experiment/scenario.h"
#include "experiment/shipped_scenarios.h"
#include "world/simulated_audience.h"
#include "world/world_config.h"

namespace counterpoint {

namespace {
// interventions that take items down or upload them: in a world, the world does both
const char* const kWorldsOwn[] = {"moderation", "hash_sharing", "reuploads"};

// the audience scenario's file: relative to the world's scenario, else a shipped name
std::string AudiencePath(const std::string& arg, const std::string& base_dir) {
  const std::filesystem::path rel = std::filesystem::path(base_dir) / arg;
  if (!base_dir.empty() && std::filesystem::is_regular_file(rel)) return rel.string();
  return ResolveScenarioPath(arg);
}

// a platform's own stream of numbers: keyed by its name, so an arm that adds a platform
// leaves the others' audiences as they were
uint64_t PlatformKey(const std::string& name) { return Fnv1a(name) >> 1; }
}  // namespace

void LoadWorldAudiences(Scenario& sc, DiagnosticList& diags) {
  // an audience scenario is loaded with its own audiences left out: one that has a world is
  // refused below, and a scenario naming itself must not load forever
  static thread_local int depth = 0;
  if (depth > 0) return;
  struct Deeper {
    Deeper() { ++depth; }
    ~Deeper() { --depth; }
  };
  std::map<std::string, std::shared_ptr<const Scenario>> loaded;  // by path, arm: shared by the arms
  for (ArmSpec& arm : sc.arms) {
    if (!arm.world) continue;
    const WorldConfig& w = *arm.world;
    arm.audiences.assign(w.platforms.size(), nullptr);
    for (size_t p = 0; p < w.platforms.size(); ++p) {
      const PlatformConfig& pc = w.platforms[p];
      if (pc.audience_scenario.empty()) continue;
      const SourceLocation at = w.blocks.platforms[p].Where("audience_scenario");
      const std::string where = "world.platforms[" + std::to_string(p) + "].audience_scenario";
      auto fail = [&](const std::string& why) { diags.Add(at.file, at.line, at.column, where + ": " + why); };
      try {
        const std::string path = AudiencePath(pc.audience_scenario, sc.base_dir);
        const std::string key = path + "\n" + pc.audience_arm;
        if (auto it = loaded.find(key); it != loaded.end()) {
          arm.audiences[p] = it->second;
          continue;
        }
        Scenario a = [&] {
          const Deeper in;
          return LoadScenario(path);
        }();
        if (a.arms.empty() || a.arms.front().world) {
          fail("'" + path + "' has a world of platforms of its own; an audience is a single-platform scenario");
          continue;
        }
        // the arm to run: the named one, moved to the front, or the first
        size_t pick = 0;
        if (!pc.audience_arm.empty()) {
          while (pick < a.arms.size() && a.arms[pick].name != pc.audience_arm) ++pick;
          if (pick == a.arms.size()) {
            std::vector<std::string> names;
            for (const ArmSpec& x : a.arms) names.push_back(x.name);
            fail("'" + path + "' has no arm '" + pc.audience_arm + "'; audience_arm is one of " + JoinNames(names));
            continue;
          }
        }
        bool ok = true;
        for (const auto& iv : a.arms[pick].interventions)
          for (const char* own : kWorldsOwn)
            if (iv.type == own) {
              fail("arm '" + a.arms[pick].name + "' of '" + path + "' runs '" + own +
                   "', which takes items down or uploads them; in a world the world does both (its screening, "
                   "review and re-uploads): choose an arm without it");
              ok = false;
            }
        if (!ok) continue;
        a.arms = {a.arms[pick]};
        a.steps = sc.steps;
        a.replicates = 1;
        a.output_events = false;
        a.output_graph = false;
        // nothing reads the audience's own metrics: its observers would only cost time (the
        // population's history length was set from them when the scenario was read)
        a.observers.clear();
        auto shared = std::make_shared<const Scenario>(std::move(a));
        loaded.emplace(key, shared);
        arm.audiences[p] = shared;
      } catch (const InputError& e) {
        fail(std::string("the audience scenario cannot be used: ") + e.what());
      }
    }
  }
}

const std::string& AudienceCatalogPlatform(const WorldConfig& w, size_t p) {
  const PlatformConfig& pc = w.platforms[p];
  return pc.people_from.empty() ? pc.name : pc.people_from;
}

std::vector<std::unique_ptr<Audience>> BuildAudiences(const ArmSpec& arm, uint64_t seed, AudienceCatalogs& catalogs) {
  std::vector<std::unique_ptr<Audience>> out(arm.audiences.size());
  std::vector<SimulatedAudience*> built(arm.audiences.size(), nullptr);
  int64_t next_person = 0;
  for (size_t p = 0; p < arm.audiences.size(); ++p) {
    if (!arm.audiences[p]) continue;
    const Scenario& a = *arm.audiences[p];
    const PlatformConfig& pc = arm.world->platforms[p];
    const std::string& name = pc.name;
    const uint64_t audience_seed = DeriveSeed(seed, PlatformKey(name));
    // people shared with an earlier platform's audience live in its catalog (the same
    // scenario: WorldConfig checks), so their interests mean the same on both
    const int from = pc.people_from.empty() ? -1 : arm.world->Platform(pc.people_from);
    const std::string& catalog_name = AudienceCatalogPlatform(*arm.world, p);
    const std::string key = a.file + "\n" + catalog_name;
    auto it = catalogs.find(key);
    if (it == catalogs.end())
      it = catalogs.emplace(key, BuildIndexedCatalog(a, DeriveSeed(seed, PlatformKey(catalog_name)))).first;
    auto feed = std::make_unique<WorldFeed>();
    WorldFeed* raw = feed.get();
    Population pop = BuildPopulation(a, *it->second.catalog, audience_seed);
    std::unique_ptr<SharedPeople> shared;
    if (from >= 0 && built[from])
      shared = std::make_unique<SharedPeople>(built[from]->simulation().population(), pop,
                                              std::llround(pc.people_overlap * static_cast<double>(pop.n)));
    Simulation sim =
        BuildSimulation(a, a.arms.front(), it->second, std::move(pop), audience_seed, nullptr, false, std::move(feed));
    auto audience = std::make_unique<SimulatedAudience>(std::move(sim), raw, *it->second.catalog);
    if (audience->seats() == 0)
      throw InputError(a.file, "the catalog of this audience (platform '" + name +
                                   "') has no items uploaded on demand to seat the world's attack copies; give "
                                   "it a re-upload pool (catalog: {type: synthetic, reupload_pool: ..., "
                                   "reupload_copies: ...}) (docs/crisis.md, \"Audiences\")");
    audience->NumberPeople(next_person);
    next_person += audience->simulation().population().n;
    if (shared) audience->SharePeople(*built[from], std::move(shared));
    built[p] = audience.get();
    out[p] = std::move(audience);
  }
  return out;
}

}  // namespace counterpoint
