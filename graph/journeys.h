// Journeys: random walkers on the watch-next graph.
//
// Two kinds of walker (docs/graph.md):
//  - bots (audit walks, Ribeiro et al., FAT* 2020; counterfactual bots, Hosseinmardi
//    et al., PNAS 2024): they only ever follow recommendations, with the graph's
//    transition probabilities;
//  - users: they also follow their own preferences. A user prefers the label of the
//    node they started from; at each step, with probability `autonomy` they go to a
//    node of that label on their own (uniformly), otherwise they follow a
//    recommendation with the weights of edges into their preferred label multiplied
//    by `preference_strength`.
// Every walker draws from CounterRng keyed by (seed, walker id, Purpose::kJourney), so
// the paths do not depend on the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/stats.h"
#include "graph/watch_next_graph.h"

namespace counterpoint {

enum class WalkerKind { kBot, kUser };

struct JourneyOptions {
  int64_t walkers = 10000;
  int length = 20;       ///< steps per walker (the path has length + 1 nodes)
  double restart = 0.0;  ///< per-step probability of starting afresh from the start distribution
  uint64_t seed = 1;
  WalkerKind kind = WalkerKind::kBot;
  double autonomy = 0.0;             ///< users: per-step probability of navigating on their own
  double preference_strength = 1.0;  ///< users: weight multiplier of recommendations into their label
};

/// The walkers' paths: walkers x (length + 1) node indexes, -1 once a walk has ended
/// (at an absorbing sink).
struct Journeys {
  int64_t walkers = 0;
  int length = 0;
  std::vector<int64_t> path;
  int64_t at(int64_t walker, int step) const { return path[walker * (length + 1) + step]; }
};

/// Runs the walkers (OpenMP over walkers). `start` is a distribution over nodes.
Journeys SimulateJourneys(const WatchNextGraph& graph, const std::vector<double>& start, const JourneyOptions& options);

/// reach[s]: fraction of walkers that visited `target` at one of the steps 0..s, with its
/// 95% Wilson interval (core/stats.h ProportionCi; n = walkers).
std::vector<Estimate> McReachWithin(const Journeys& journeys, const std::vector<uint8_t>& target);

/// Per-step occupancy: occupancy[s][l] = fraction of walkers at a node of label l at step s
/// (walks that have ended count in no label).
std::vector<std::vector<double>> LabelOccupancy(const WatchNextGraph& graph, const Journeys& journeys);

/// One-step label flow estimated from the first step of every walker (compare with
/// ComputeLabelFlow under the same start distribution): flow[a][b] with its 95% Wilson
/// interval; n = the walkers that started in label a (mean NaN where none did).
std::vector<std::vector<Estimate>> McLabelFlow(const WatchNextGraph& graph, const Journeys& journeys);

/// Exit times from `node`: for each of `walkers` bot walks started there, the number of
/// steps spent in `harmful` before first reaching a node outside it (a walk that ends at
/// an absorbing sink exits there), capped at `max_steps`. Its mean estimates the node's
/// segregation; the mean of min(T, t) its truncated radius (NormalMeanCi gives their CIs).
std::vector<double> SampleExitTimes(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful, int64_t node,
                                    int64_t walkers, uint64_t seed, int64_t max_steps);

}  // namespace counterpoint
