// Recommendation flow between a group of nodes and the rest of the graph, in both
// directions, weighted by how often each source is seen (Ledwich & Zaitsev, "Algorithmic
// extremism: examining YouTube's rabbit hole of radicalization", First Monday 2020,
// estimate a channel's recommendation impressions as its views times the share of its
// recommendations; Ribeiro et al., FAT* 2020, compare flows between communities).
//
// With node weights w (normalised to sum 1) and transition probabilities P:
//   out  = sum_{u in A} w_u sum_{v not in A} P(u, v)     (A -> rest)
//   in   = sum_{u not in A} w_u sum_{v in A} P(u, v)     (rest -> A)
// Formulas, sources and the stationary balance out = in: docs/graph.md.
#pragma once

#include <string>
#include <vector>

#include "graph/confinement.h"
#include "graph/watch_next_graph.h"

namespace counterpoint {

/// A named group A (the nodes whose label is in `labels`) and the node weights the
/// flows are counted with (e.g. uniform, or proportional to the attribute "views").
struct GroupFlowSpec {
  std::string name;
  std::vector<std::string> labels;
  StartSpec weight;
};

/// One-step recommendation mass between A and the rest, as shares of the total
/// weight (all nodes' weights sum to 1).
struct GroupFlow {
  double weight_in_group = 0;  ///< sum_{u in A} w_u
  double out = 0;              ///< A -> rest
  double in = 0;               ///< rest -> A
  double within_group = 0;     ///< A -> A
  double within_rest = 0;      ///< rest -> rest
  double ended = 0;            ///< walks that end (absorbing sinks), from anywhere
  /// out / in (+inf when in = 0 and out > 0; NaN when both are 0).
  double Ratio() const;
  /// P(a recommendation seen at a node of A leads out of A) = out / weight_in_group (NaN if no weight).
  double OutRate() const;
  /// P(a recommendation seen at a node outside A leads into A) = in / (1 - weight_in_group).
  double InRate() const;
};

/// The flows for group `group` (one entry per node) under node weights `weights`
/// (one per node, >= 0, any positive total; they are normalised here). Throws
/// InputError if the sizes differ or the weights have no mass.
GroupFlow ComputeGroupFlow(const WatchNextGraph& graph, const std::vector<uint8_t>& group,
                           const std::vector<double>& weights);

}  // namespace counterpoint
