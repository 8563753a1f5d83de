// Graph interventions against confinement (docs/graph.md):
//  - GreedyRewire: Fabbri et al. (WWW 2022). Repeatedly move the probability of one
//    edge u -> v with u, v harmful to a non-harmful w that is relevant enough for u
//    (relevance(u, w) >= tau * relevance(u, v)), choosing the move that most lowers
//    the maximum segregation; each candidate is scored exactly by Sherman–Morrison.
//  - ReduceBubbleRadius: link insertion in the manner of RePBubLik (Haddadan et al.,
//    WSDM 2021): add an edge from a harmful node to a relevant non-harmful one, chosen
//    greedily to lower the mean truncated bubble radius.
//  - InsertCounterNarratives: links from harmful nodes to counter_narrative nodes, each
//    taking probability alpha of the source's out-mass, under a total weight budget.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/watch_next_graph.h"

namespace counterpoint {

/// (M + e_u c^T)^-1 1 from z = M^-1 1 and col = M^-1 e_u (Sherman–Morrison):
/// z - col (c.z) / (1 + c.col).
Eigen::VectorXd ShermanMorrison(const Eigen::VectorXd& z, const Eigen::VectorXd& col, double c_dot_z, double c_dot_col);

/// Relevance of candidate targets for a source: (node, relevance) pairs.
/// The default, TwoStepRelevance, is r(u, x) = P(u, x) + P^2(u, x): how likely a walk
/// from u is to be at x after one or two steps (co-visitation).
std::vector<std::pair<int64_t, double>> TwoStepRelevance(const WatchNextGraph& graph, int64_t u);

struct RewireOptions {
  int budget = 10;      ///< rewiring operations
  double tau = 0.5;     ///< relevance ratio a new target must reach
  int max_sources = 0;  ///< harmful sources scored per operation (top by segregation); 0 = all
};

/// One operation: the probability `prob` of u -> v moved to u -> w (node ids).
struct RewireOperation {
  std::string u, v, w;
  double prob = 0;
  double relevance_ratio = 0;
};

struct RewireResult {
  std::vector<double> max_segregation;   ///< after 0..ops operations, over the finite nodes (NaN if none)
  std::vector<double> mean_segregation;  ///< after 0..ops operations, over the finite nodes (NaN if none)
  std::vector<RewireOperation> operations;
  int64_t finite = 0;      ///< harmful nodes the max and mean are over
  int64_t trapped = 0;     ///< harmful nodes with infinite segregation: excluded, left as they are
  std::string stopped;     ///< why fewer than budget operations, or empty
  GraphInput graph_after;  ///< probabilities as weights
};

RewireResult GreedyRewire(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                          const RewireOptions& options);

struct LinkInsertionOptions {
  int budget = 10;             ///< links to add (ReduceBubbleRadius)
  int horizon = 10;            ///< truncated radius horizon t
  int max_sources = 0;         ///< candidate sources scored per link (top by expected visits); 0 = all
  double weight_budget = 1.0;  ///< InsertCounterNarratives: total probability inserted
  double alpha = 0.1;          ///< InsertCounterNarratives: probability per link
};

/// One added link and the metric after it.
struct InsertedLink {
  std::string u, w;
  double prob = 0;
};

struct LinkInsertionResult {
  std::vector<double> max_metric;   ///< after 0..links insertions (NaN over no node)
  std::vector<double> mean_metric;  ///< after 0..links insertions (NaN over no node)
  std::string metric;               ///< "truncated_radius" or "segregation"
  int64_t finite = 0;               ///< segregation: harmful nodes the max and mean are over
  int64_t trapped = 0;              ///< segregation: harmful nodes excluded (infinite segregation)
  std::vector<InsertedLink> links;
  std::string stopped;
  GraphInput graph_after;
};

/// RePBubLik-style: each link u -> w (w non-harmful, most relevant) gets probability
/// 1/(d_u + 1), the existing out-edges of u are scaled by d_u/(d_u + 1).
LinkInsertionResult ReduceBubbleRadius(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                                       const LinkInsertionOptions& options);

/// Links from harmful sources to counter_narrative nodes (`counter` mask): each takes
/// probability alpha of the source's out-mass; floor(weight_budget / alpha) links, each
/// source at most once, chosen greedily to lower the mean segregation.
LinkInsertionResult InsertCounterNarratives(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                                            const std::vector<uint8_t>& counter, const LinkInsertionOptions& options);

}  // namespace counterpoint
