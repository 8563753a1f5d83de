#include "experiment/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "core/io.h"
#include "core/rng.h"
#include "embeddings/catalog_source.h"
#include "experiment/checkpoint.h"
#include "experiment/metric_kinds.h"
#include "experiment/outputs.h"
#include "experiment/run_rows.h"
#include "experiment/sock_puppet_config.h"
#include "experiment/world_runner.h"
#include "recommender/interventions/counter_narrative_injection.h"
#include "simulator/observers/puppet_slates.h"

namespace counterpoint {

void CheckOneSlateBuilder(const ArmSpec& arm, const std::vector<std::unique_ptr<Intervention>>& interventions) {
  int first = -1;
  for (size_t i = 0; i < interventions.size(); ++i) {
    if (!interventions[i]->BuildsSlate()) continue;
    if (first < 0) {
      first = static_cast<int>(i);
      continue;
    }
    const SourceLocation at = arm.interventions[i].params.BlockLocation();
    throw InputError(at.file, at.line, at.column,
                     "arm '" + arm.name + "': '" + arm.interventions[first].type + "' and '" +
                         arm.interventions[i].type +
                         "' both build the whole slate; the second would rank by the first's rank-order scores, "
                         "which measures nothing a platform runs. Keep one slate builder per arm (compose it with "
                         "score adjusters such as demote_harmful or not_interested; docs/interventions.md, "
                         "\"Composing interventions\")");
  }
}

IndexedCatalog BuildIndexedCatalog(const Scenario& sc, uint64_t replicate_seed) {
  return BuildIndexedCatalog(sc.CatalogBlocks(), replicate_seed);
}

Population BuildPopulation(const Scenario& sc, const Catalog& catalog, uint64_t replicate_seed, UserBlock block) {
  CheckPuppetItems(sc.puppets, catalog);  // the catalog's size is known only now
  PopulationParams p = sc.population;
  p.n_users += sc.puppets.total();
  Population pop = GeneratePopulation(p, catalog, replicate_seed, block);
  MakePuppetsActive(sc.puppets, pop);
  return pop;
}

std::unique_ptr<UserModel> BuildUserModel(const Scenario& sc) {
  auto um = UserModelRegistry::Get().Find(sc.user_model.type)->factory(sc.user_model.params);
  if (sc.puppets.empty()) return um;
  return MakeScriptedUserModel(std::move(um), sc.puppets);
}

std::vector<std::unique_ptr<Observer>> BuildObservers(const Scenario& sc) {
  std::vector<std::unique_ptr<Observer>> observers;
  for (const auto& o : sc.observers) observers.push_back(ObserverRegistry::Get().Find(o.type)->factory(o.params));
  if (!sc.puppets.empty()) observers.push_back(MakePuppetSlatesObserver(sc.puppets));
  return observers;
}

Simulation BuildSimulation(const Scenario& sc, const ArmSpec& arm, const IndexedCatalog& world, Population pop,
                           uint64_t replicate_seed, const Collective* collective, bool shard_users,
                           std::unique_ptr<Intervention> extra) {
  // retrieval cannot return more items than the catalog holds
  if (arm.options.candidates > world.catalog->size()) {
    const SourceLocation at = arm.options_params.Where("candidates");
    throw InputError(at.file, at.line, at.column,
                     "arm '" + arm.name + "': candidates is " + std::to_string(arm.options.candidates) +
                         " but the catalog has only " + std::to_string(world.catalog->size()) +
                         " items; use at most that many candidates (or a larger catalog)");
  }
  auto retriever = RetrieverRegistry::Get().Find(arm.retriever.type)->factory(arm.retriever.params);
  auto ranker = RankerRegistry::Get().Find(arm.ranker.type)->factory(arm.ranker.params);
  std::vector<std::unique_ptr<Intervention>> interventions;
  std::vector<std::unique_ptr<Observer>> observers = BuildObservers(sc);
  std::set<std::string> columns;  // two entries writing one metric column would double it
  for (const auto& o : observers)
    for (const auto& c : o->Columns()) columns.insert(c);
  for (const auto& iv : arm.interventions) {
    interventions.push_back(InterventionRegistry::Get().Find(iv.type)->factory(iv.params));
    for (const auto& c : interventions.back()->Columns())
      if (!columns.insert(c).second) {
        const SourceLocation at = iv.params.BlockLocation();
        throw InputError(at.file, at.line, at.column,
                         "arm '" + arm.name + "': intervention '" + iv.type + "' writes the metric column '" + c +
                             "', which another entry writes too; give the entries distinct names (e.g. tag) or "
                             "list it once");
      }
  }
  CheckOneSlateBuilder(arm, interventions);
  RecommenderOptions options = arm.options;
  if (extra) {
    interventions.push_back(std::move(extra));
    if (options.intervention_types.size() + 1 == interventions.size())
      options.intervention_types.push_back("world_feed");
  }
  auto rec = std::make_unique<Recommender>(std::move(retriever), std::move(ranker), std::move(interventions), options);
  auto um = BuildUserModel(sc);
  SimOptions opts{sc.steps, sc.batch_size,    replicate_seed, sc.output_graph,
                  arm.name, sc.output_events, collective,     shard_users};
  return Simulation(world, std::move(pop), std::move(rec), std::move(um), std::move(observers), opts);
}

std::string ShardingObstacle(const Scenario& sc) {
  // the plug-ins say whether they can run on a block of users (Shardable); building one
  // only reads its parameters
  if (!sc.puppets.empty()) return "sock_puppets";
  if (!UserModelRegistry::Get().Find(sc.user_model.type)->factory(sc.user_model.params)->Shardable())
    return "user_model '" + sc.user_model.type + "'";
  for (const auto& o : sc.observers)
    if (!ObserverRegistry::Get().Find(o.type)->factory(o.params)->Shardable()) return "observer '" + o.type + "'";
  for (const auto& arm : sc.arms) {
    if (!RankerRegistry::Get().Find(arm.ranker.type)->factory(arm.ranker.params)->Shardable())
      return "arm '" + arm.name + "': ranker '" + arm.ranker.type + "' with these parameters";
    for (const auto& iv : arm.interventions)
      if (!InterventionRegistry::Get().Find(iv.type)->factory(iv.params)->Shardable())
        return "arm '" + arm.name + "': intervention '" + iv.type + "' with these parameters";
  }
  return "";
}

std::string ReplicationReason(const Scenario& sc, const RunControl& control, int ranks, const Checkpoint* resume) {
  if (ranks == 1) return "";
  if (control.replicate_users) return "--replicate-users";
  // a checkpoint resumes in the layout it was written in
  if (!control.resume_path.empty()) {
    const int parts = resume ? resume->parts() : Checkpoint(control.resume_path).parts();
    if (parts == 0)
      return "the checkpoint resumed holds every user (written by one process or by ranks that each held every user)";
  }
  return ShardingObstacle(sc);
}

namespace {
// adds an arm's run to the result: its rows are mapped onto the union of the arms' columns
void AddRun(RunResult& result, const Scenario& sc, const ArmSpec& arm, const Simulation& sim,
            const IndexedCatalog& world, ArmRun run) {
  // which intervention writes each column, and which an arm without it has as 0
  const auto& ivs = sim.recommender().interventions();
  for (size_t i = 0; i < ivs.size(); ++i) {
    const std::string& type = arm.interventions[i].type;
    for (const auto& c : ivs[i]->Columns()) result.column_source[c] = type;
    for (const auto& c : ivs[i]->ColumnsZeroWhenAbsent()) result.zero_when_absent.insert(c);
  }
  result.metric_kinds.merge(ColumnKinds(sc, arm, sim.columns()));
  auto absent = [&](const std::string& c) { return result.zero_when_absent.count(c) ? 0.0 : std::nan(""); };
  // arms may add different intervention columns: the result's columns are their union
  const auto& cols = sim.columns();
  std::vector<size_t> to(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    to[c] = std::find(result.columns.begin(), result.columns.end(), cols[c]) - result.columns.begin();
    if (to[c] == result.columns.size()) {
      result.columns.push_back(cols[c]);
      for (auto& earlier : result.runs) WidenRows(earlier, sc.steps, result.columns.size() - 1, absent(cols[c]));
    }
  }
  const size_t n_cols = result.columns.size();
  // what each column holds in an arm that lacks it, looked up once rather than per step
  std::vector<double> lacking(n_cols);
  for (size_t c = 0; c < n_cols; ++c) lacking[c] = absent(result.columns[c]);
  std::vector<double> rows(sc.steps * n_cols, std::nan(""));
  for (int64_t t = 0; t < run.Steps(sc.steps); ++t) {
    std::copy(lacking.begin(), lacking.end(), rows.begin() + t * n_cols);
    for (size_t c = 0; c < cols.size(); ++c) rows[t * n_cols + to[c]] = run.rows[t * cols.size() + c];
  }
  run.rows = std::move(rows);
  CheckShares(result, run);  // a plug-in that declares a share writes one
  run.times = sim.times();
  run.moderation = sim.moderation_log();
  run.impressions = sim.impression_log();
  if (sim.induced_graph()) run.graph = sim.induced_graph()->Table(*world.catalog, sim.items(), sim.users());
  // the NGO coverage map, from the at-risk traffic the counter_narrative_reach observer counted
  // over the counter-narratives the arm injects, if it injects any (its organisation filter)
  std::vector<int64_t> injected_orgs;
  for (const auto& iv : sim.recommender().interventions())
    if (const auto* inject = dynamic_cast<const CounterNarrativeInjection*>(iv.get()))
      injected_orgs.insert(injected_orgs.end(), inject->organisations().begin(), inject->organisations().end());
  std::sort(injected_orgs.begin(), injected_orgs.end());
  injected_orgs.erase(std::unique(injected_orgs.begin(), injected_orgs.end()), injected_orgs.end());
  for (const auto& obs : sim.observers())
    if (const auto* reach = dynamic_cast<const CounterNarrativeReachObserver*>(obs.get())) {
      CoverageOptions coverage = reach->coverage();
      coverage.organisations = injected_orgs;
      run.coverage = CoverageGaps(*world.catalog, reach->at_risk_impressions(), coverage);
    }
  result.runs.push_back(std::move(run));
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

RunResult RunScenario(const Scenario& sc, const ProgressFn& progress, const RunControl& control) {
  if (HasWorld(sc)) return RunWorldScenario(sc, progress, control);
  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  result.steps = sc.steps;
  const int64_t total = static_cast<int64_t>(sc.replicates) * sc.arms.size() * sc.steps;
  int64_t done = 0;
  // resuming: the completed runs and the position come from the checkpoint
  std::unique_ptr<Checkpoint> resume;
  if (!control.resume_path.empty()) resume = std::make_unique<Checkpoint>(control.resume_path);
  // checkpoints keep the scenario's text (given, the resumed checkpoint's, or sc.file's), to parse it again
  CheckpointScenarioInfo info;
  if (control.checkpoint_every > 0 || resume) {
    info.sha256 = ScenarioSha256(sc);
    info.text = !control.scenario_text.empty() ? control.scenario_text
                : resume                       ? resume->scenario().text
                                               : ReadFile(sc.file);
    info.file = sc.file, info.base_dir = sc.base_dir, info.overrides = sc.overrides;
    for (const auto& arm : sc.arms) info.arms.push_back(arm.name);
  }
  CheckpointPosition from;
  if (resume) {
    if (resume->scenario().sha256 != info.sha256)
      throw InputError(control.resume_path, "this checkpoint was written for scenario hash " +
                                                resume->scenario().sha256 + "; the scenario given hashes to " +
                                                info.sha256 + " (resume with the scenario, overrides and arms it ran)");
    from = resume->position();
    if (from.replicate < 0 || from.replicate >= sc.replicates || from.arm < 0 ||
        from.arm >= static_cast<int>(sc.arms.size()) || from.step < 0 || from.step > sc.steps)
      throw InputError(control.resume_path, "corrupt checkpoint: its position is outside the scenario");
    result = std::move(resume->result());
    result.steps = sc.steps;
    done = from.done;
  }
  const double earlier_seconds = result.wall_seconds;
  const Collective& comm = control.collective ? *control.collective : Serial();
  result.ranks = comm.size();
  // several ranks: each holds a block of users if every part of the scenario allows it
  result.replicated_because = ReplicationReason(sc, control, comm.size(), resume.get());
  const bool shard = comm.size() > 1 && result.replicated_because.empty();
  const UserBlock block = shard ? BlockOfUsers(sc.population.n_users, comm.rank(), comm.size()) : UserBlock{0, -1};
  bool stop = false;
  for (int r = from.replicate; r < sc.replicates && !stop; ++r) {
    // one world and one starting population per replicate, shared by every arm
    const uint64_t seed = DeriveSeed(sc.seed, r);
    const auto tb = std::chrono::steady_clock::now();
    const IndexedCatalog world = BuildIndexedCatalog(sc, seed);
    result.build_seconds += Since(tb);
    for (size_t a = r == from.replicate ? from.arm : 0; a < sc.arms.size() && !stop; ++a) {
      const ArmSpec& arm = sc.arms[a];
      // every arm starts from the same population, generated again for each: it is a pure
      // function of the seed, so no copy is kept while an arm runs and a run holds one
      // population at a time (docs/scenarios.md, "Memory")
      const auto tp = std::chrono::steady_clock::now();
      Population pop = BuildPopulation(sc, *world.catalog, seed, block);
      result.build_seconds += Since(tp);
      Simulation sim = BuildSimulation(sc, arm, world, std::move(pop), seed, control.collective, shard);
      ArmRun run;
      run.arm = arm.name;
      run.replicate = r;
      run.seed = seed;
      int64_t t = 0;
      if (resume) {
        // the arm in progress when the checkpoint was written: its rows and full state
        run.rows = std::move(resume->rows());
        if (run.rows.size() != static_cast<size_t>(from.step) * sim.columns().size())
          throw InputError(control.resume_path, "corrupt checkpoint: the arm's metric rows do not fit the scenario");
        run.rows.resize(sc.steps * sim.columns().size(), 0.0);
        resume->LoadSimulation(sim, sc);
        t = from.step;
        resume.reset();
      } else {
        run.rows.assign(sc.steps * sim.columns().size(), 0.0);
      }
      const auto checkpoint = [&](int64_t next) {
        // replicated, every rank holds the same state and one writes it; sharded, every
        // rank writes its part and rank 0 the main file
        if (!shard && comm.rank() != 0) return;
        WriteCheckpoint(control.checkpoint_path, info, result, {r, static_cast<int>(a), next, done}, run.rows, sim, sc);
      };
      // steps, with a stop check and, every checkpoint_every steps, a checkpoint at each boundary
      for (; t < sc.steps; ++t) {
        // every rank stops at the same step (a signal may reach them at different times)
        if (control.should_stop && comm.AnyTrue(control.should_stop())) {
          stop = true;
          break;
        }
        sim.Step(t, run.rows.data() + t * sim.columns().size());
        ++done;
        if (progress) progress(done, total);
        if (control.checkpoint_every > 0 && done % control.checkpoint_every == 0) checkpoint(t + 1);
      }
      if (stop) {
        // a checkpoint where the run stopped (nothing done is lost), then what was completed
        if (control.checkpoint_every > 0) checkpoint(t);
        result.partial = true;
        run.steps_done = t;
        if (t == 0) break;  // nothing of this arm to report
      }
      AddRun(result, sc, arm, sim, world, std::move(run));
    }
  }
  result.wall_seconds = earlier_seconds + Since(t0);
  return result;
}

}  // namespace counterpoint
