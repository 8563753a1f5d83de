// Exact confinement metrics on a watch-next graph, by sparse linear algebra (Eigen).
//
//  - segregation (Fabbri et al., WWW 2022): expected steps a walk started at a harmful
//    node spends in the harmful set B before it first reaches a node outside it;
//    z = (I - P_BB)^-1 1. Nodes from which the walk can be trapped in B for ever make
//    I - P_BB singular: they are detected and reported with infinite segregation.
//  - truncated bubble radius (Haddadan et al., WSDM 2021): the same count within a
//    horizon t, r_t = sum_{s<t} P_BB^s 1.
//  - reach within k: probability that a walk from a start distribution visits a
//    target set within k steps.
//  - label-to-label flow (Ribeiro et al., FAT* 2020): probability of one step from a
//    node of label a to a node of label b, averaged with the start weights.
// Formulas and sources: docs/graph.md.
#pragma once

#include <Eigen/SparseCore>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/watch_next_graph.h"

namespace counterpoint {

/// Row-stochastic (sub-stochastic at absorbing sinks) transition matrix P.
Eigen::SparseMatrix<double, Eigen::RowMajor> TransitionMatrix(const WatchNextGraph& graph);

/// Harmful nodes split into those with finite segregation and those that can be trapped.
struct HarmfulBlock {
  std::vector<int64_t> finite;    ///< graph indexes with finite expected exit time
  std::vector<int64_t> infinite;  ///< graph indexes that can be trapped in B for ever
  std::vector<int64_t> local;     ///< graph index -> position in `finite`, or -1
  /// I - P_FF over the finite nodes (column-major, for the solvers).
  Eigen::SparseMatrix<double> system;
};

/// Finds the trapped part of B (no path out of B, or a path into such a part) and
/// builds I - P over the rest. `harmful` has one entry per node.
HarmfulBlock BuildHarmfulBlock(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful);

/// Which solver computes z.
enum class SegregationSolver { kAuto, kSparseLu, kBiCgStab };

/// Segregation of every harmful node.
struct SegregationResult {
  std::vector<int64_t> nodes;  ///< harmful graph indexes, increasing
  std::vector<double> steps;   ///< per node in `nodes`; +inf where the walk can be trapped
  int64_t trapped = 0;         ///< how many are infinite
  double max = 0;              ///< over all harmful nodes (+inf if any is trapped)
  double mean = 0;             ///< over all harmful nodes (+inf if any is trapped)
  double max_finite = 0;       ///< over the finite ones (NaN if none is finite)
  double mean_finite = 0;      ///< over the finite ones (NaN if none is finite)
  std::string solver;          ///< "sparse_lu" or "bicgstab"
  double residual = 0;         ///< max |(I - P_FF) z - 1|
};

/// Solves (I - P_FF) z = 1. kAuto: SparseLU up to 20,000 finite nodes, else BiCGSTAB
/// with a diagonal preconditioner (falling back to SparseLU if it does not converge).
SegregationResult Segregation(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                              SegregationSolver solver = SegregationSolver::kAuto);

/// Truncated bubble radius of every harmful node.
struct RadiusResult {
  std::vector<int64_t> nodes;  ///< harmful graph indexes, increasing
  std::vector<double> steps;   ///< expected steps in B within the horizon
  int horizon = 0;
  double max = 0;
  double mean = 0;
};

/// r_t(u) = sum_{s=0}^{t-1} P(the walk from u is still in B after s steps).
RadiusResult TruncatedRadius(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful, int horizon);

/// reach[s] = probability that a walk started from `start` (a distribution over nodes)
/// has visited a node of `target` at one of the steps 0..s, for s = 0..k.
std::vector<double> ReachWithin(const WatchNextGraph& graph, const std::vector<uint8_t>& target,
                                const std::vector<double>& start, int k);

/// How walks start: uniform over nodes, or proportional to a numeric attribute.
struct StartSpec {
  std::string kind = "uniform";  ///< "uniform" or "attribute"
  std::string attribute;         ///< for "attribute", e.g. "subscribers"
};

/// A start distribution over all nodes, restricted to `within` (if non-empty) and
/// normalised. Throws InputError if it has no mass (empty group, zero attribute) or
/// an attribute is negative.
std::vector<double> StartDistribution(const WatchNextGraph& graph, const StartSpec& spec,
                                      const std::vector<uint8_t>& within = {});

/// One-step label-to-label flow: flow[a][b] = sum_{u in a} w_u P(u, label b) / sum_{u in a} w_u,
/// and ended[a] the probability that the walk ends (absorbing sinks).
struct LabelFlow {
  std::vector<std::string> labels;
  std::vector<std::vector<double>> flow;
  std::vector<double> ended;
};

LabelFlow ComputeLabelFlow(const WatchNextGraph& graph, const std::vector<double>& weights);

}  // namespace counterpoint
