// What a run produced: each arm's metric rows per replicate, with its induced graph,
// moderation and impression logs and coverage map.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/metric_spec.h"
#include "simulator/observers/coverage_gaps.h"
#include "simulator/simulator.h"

namespace counterpoint {

struct WorldLog;  // world/world_log.h

/// Metric rows of one arm in one replicate: steps x columns.
struct ArmRun {
  std::string arm;
  int replicate = 0;
  uint64_t seed = 0;
  std::vector<double> rows;
  StageTimes times;
  InducedGraphTable graph;                          ///< the induced watch-next graph (output.graph), else empty
  std::vector<ModerationRecord> moderation;         ///< uploads during the run and moderation events, in order
  std::vector<ImpressionRecord> impressions;        ///< every impression (output.events), else empty
  std::vector<CoverageRegion> coverage;             ///< NGO coverage map (counter_narrative_reach observer), else empty
  int64_t steps_done = -1;                          ///< steps run when the run stopped early; -1: every step
  std::shared_ptr<const WorldLog> world = nullptr;  ///< a world of platforms' uploads (uploads.csv), else null

  /// Steps this run completed out of a scenario's `steps`.
  int64_t Steps(int64_t steps) const { return steps_done < 0 ? steps : steps_done; }
  bool Complete(int64_t steps) const { return Steps(steps) == steps; }
};

struct RunResult {
  /// The union of the arms' metric columns (observers first). A column an arm lacks (its
  /// intervention is not in that arm) is 0 there if it is in zero_when_absent, else NaN.
  std::vector<std::string> columns;
  /// Intervention columns an arm without the intervention has as 0 (Intervention::ColumnsZeroWhenAbsent).
  std::set<std::string> zero_when_absent;
  /// The intervention type that writes each intervention column (mod_removed -> moderation).
  std::map<std::string, std::string> column_source;
  /// Each column's kind, from its plug-in's registered spec (experiment/metric_kinds.h);
  /// a column not listed is a level.
  std::map<std::string, MetricKind> metric_kinds;
  int64_t steps = 0;
  std::vector<ArmRun> runs;  ///< replicate-major, then arm in scenario order
  double wall_seconds = 0;
  double build_seconds = 0;  ///< catalog, index and population construction
  int ranks = 1;             ///< MPI ranks that ran it together (RunControl::collective)
  /// With several ranks: why every rank held every user (ShardingObstacle); "" if each
  /// held its own block (sharded).
  std::string replicated_because;
  /// Stopped early (RunControl::should_stop): `runs` holds the completed arm runs and the
  /// arm in progress with the steps it completed (steps_done); arms not reached are absent.
  bool partial = false;
};

}  // namespace counterpoint
