#include "graph/confinement.h"

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace counterpoint {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kSparseLuLimit = 20000;

// graph indexes of the harmful nodes, increasing
std::vector<int64_t> HarmfulNodes(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful) {
  if (static_cast<int64_t>(harmful.size()) != graph.size())
    throw std::invalid_argument("harmful mask has " + std::to_string(harmful.size()) + " entries for " +
                                std::to_string(graph.size()) + " nodes");
  std::vector<int64_t> nodes;
  for (int64_t i = 0; i < graph.size(); ++i)
    if (harmful[i]) nodes.push_back(i);
  return nodes;
}

// reverse breadth-first search inside B from the seeds; marks what reaches them
void MarkReaching(const std::vector<std::vector<int64_t>>& rev, std::vector<uint8_t>& mark,
                  std::vector<int64_t> queue) {
  for (size_t q = 0; q < queue.size(); ++q)
    for (int64_t p : rev[queue[q]])
      if (!mark[p]) mark[p] = 1, queue.push_back(p);
}

SegregationResult Summarise(std::vector<int64_t> nodes, std::vector<double> steps, int64_t trapped) {
  SegregationResult r;
  r.nodes = std::move(nodes);
  r.steps = std::move(steps);
  r.trapped = trapped;
  double sum = 0;
  int64_t finite = 0;
  for (double z : r.steps)
    if (std::isfinite(z)) sum += z, ++finite, r.max_finite = std::max(r.max_finite, z);
  // over no finite value there is no maximum or mean: NaN (null in JSON, n/a in reports), not 0
  if (finite == 0) r.max_finite = std::nan("");
  r.mean_finite = finite ? sum / finite : std::nan("");
  r.max = trapped ? kInf : r.max_finite;
  r.mean = trapped ? kInf : r.mean_finite;
  return r;
}

}  // namespace

Eigen::SparseMatrix<double, Eigen::RowMajor> TransitionMatrix(const WatchNextGraph& graph) {
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(graph.num_edges());
  for (int64_t u = 0; u < graph.size(); ++u)
    graph.ForEachOut(u, [&](int64_t v, double p) { triplets.emplace_back(u, v, p); });
  Eigen::SparseMatrix<double, Eigen::RowMajor> p(graph.size(), graph.size());
  p.setFromTriplets(triplets.begin(), triplets.end());
  return p;
}

HarmfulBlock BuildHarmfulBlock(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful) {
  const std::vector<int64_t> nodes = HarmfulNodes(graph, harmful);
  const int64_t nb = static_cast<int64_t>(nodes.size());
  std::vector<int64_t> in_b(graph.size(), -1);
  for (int64_t i = 0; i < nb; ++i) in_b[nodes[i]] = i;
  // edges inside B, reversed; nodes with a way out (an edge out of B, or the walk ends)
  std::vector<std::vector<int64_t>> rev(nb);
  std::vector<int64_t> exits;
  for (int64_t i = 0; i < nb; ++i) {
    bool exits_here = graph.EndProbability(nodes[i]) > 0;
    graph.ForEachOut(nodes[i], [&](int64_t v, double p) {
      if (p <= 0) return;
      if (in_b[v] < 0)
        exits_here = true;
      else
        rev[in_b[v]].push_back(i);
    });
    if (exits_here) exits.push_back(i);
  }
  // trapped: cannot reach a way out; infinite: can reach a trapped node
  std::vector<uint8_t> can_exit(nb, 0);
  for (int64_t e : exits) can_exit[e] = 1;
  MarkReaching(rev, can_exit, exits);
  std::vector<uint8_t> infinite(nb, 0);
  std::vector<int64_t> trapped;
  for (int64_t i = 0; i < nb; ++i)
    if (!can_exit[i]) infinite[i] = 1, trapped.push_back(i);
  MarkReaching(rev, infinite, trapped);
  // I - P over the finite nodes (closed: a finite node cannot step to an infinite one)
  HarmfulBlock block;
  block.local.assign(graph.size(), -1);
  for (int64_t i = 0; i < nb; ++i) {
    if (infinite[i]) {
      block.infinite.push_back(nodes[i]);
    } else {
      block.local[nodes[i]] = static_cast<int64_t>(block.finite.size());
      block.finite.push_back(nodes[i]);
    }
  }
  const int64_t nf = static_cast<int64_t>(block.finite.size());
  std::vector<Eigen::Triplet<double>> triplets;
  for (int64_t i = 0; i < nf; ++i) {
    double diag = 1.0;
    graph.ForEachOut(block.finite[i], [&](int64_t v, double p) {
      const int64_t j = block.local[v];
      if (j == i)
        diag -= p;
      else if (j >= 0)
        triplets.emplace_back(i, j, -p);
    });
    triplets.emplace_back(i, i, diag);
  }
  block.system.resize(nf, nf);
  block.system.setFromTriplets(triplets.begin(), triplets.end());
  return block;
}

SegregationResult Segregation(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                              SegregationSolver solver) {
  const HarmfulBlock block = BuildHarmfulBlock(graph, harmful);
  const int64_t nf = static_cast<int64_t>(block.finite.size());
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(nf);
  Eigen::VectorXd z = ones;
  std::string used = "none";
  if (nf > 0) {
    const bool iterative =
        solver == SegregationSolver::kBiCgStab || (solver == SegregationSolver::kAuto && nf > kSparseLuLimit);
    bool solved = false;
    // iterative: BiCGSTAB on the row-major matrix (parallel products), diagonal preconditioner
    if (iterative) {
      const Eigen::SparseMatrix<double, Eigen::RowMajor> a = block.system;
      Eigen::BiCGSTAB<Eigen::SparseMatrix<double, Eigen::RowMajor>, Eigen::DiagonalPreconditioner<double>> bicg;
      bicg.setTolerance(1e-12);
      bicg.setMaxIterations(static_cast<int>(std::min<int64_t>(10000, 10 * nf + 100)));
      bicg.compute(a);
      z = bicg.solveWithGuess(ones, ones);
      solved = bicg.info() == Eigen::Success;
      used = "bicgstab";
    }
    // direct: sparse LU with COLAMD ordering
    if (!solved) {
      Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
      lu.compute(block.system);
      if (lu.info() != Eigen::Success)
        throw std::runtime_error("segregation: sparse LU failed on I - P_BB (" + lu.lastErrorMessage() + ")");
      z = lu.solve(ones);
      used = "sparse_lu";
    }
  }
  // scatter back, infinite where the walk can be trapped
  std::vector<int64_t> nodes = HarmfulNodes(graph, harmful);
  std::vector<double> steps(nodes.size(), kInf);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const int64_t j = block.local[nodes[i]];
    if (j >= 0) steps[i] = z[j];
  }
  SegregationResult r = Summarise(std::move(nodes), std::move(steps), static_cast<int64_t>(block.infinite.size()));
  r.solver = used;
  r.residual = nf > 0 ? (block.system * z - ones).cwiseAbs().maxCoeff() : 0.0;
  return r;
}

RadiusResult TruncatedRadius(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful, int horizon) {
  if (horizon < 0) throw std::invalid_argument("truncated radius: horizon must be >= 0");
  RadiusResult r;
  r.nodes = HarmfulNodes(graph, harmful);
  r.horizon = horizon;
  const int64_t nb = static_cast<int64_t>(r.nodes.size());
  std::vector<int64_t> local(graph.size(), -1);
  for (int64_t i = 0; i < nb; ++i) local[r.nodes[i]] = i;
  // P_BB over all harmful nodes
  std::vector<Eigen::Triplet<double>> triplets;
  for (int64_t i = 0; i < nb; ++i)
    graph.ForEachOut(r.nodes[i], [&](int64_t v, double p) {
      if (local[v] >= 0) triplets.emplace_back(i, local[v], p);
    });
  Eigen::SparseMatrix<double, Eigen::RowMajor> pbb(nb, nb);
  pbb.setFromTriplets(triplets.begin(), triplets.end());
  // r = sum_{s<t} P_BB^s 1
  Eigen::VectorXd stay = Eigen::VectorXd::Ones(nb), total = Eigen::VectorXd::Zero(nb);
  for (int s = 0; s < horizon; ++s) {
    total += stay;
    stay = pbb * stay;
  }
  r.steps.assign(total.data(), total.data() + nb);
  for (double x : r.steps) r.max = std::max(r.max, x), r.mean += x;
  if (nb) r.mean /= nb;
  return r;
}

std::vector<double> ReachWithin(const WatchNextGraph& graph, const std::vector<uint8_t>& target,
                                const std::vector<double>& start, int k) {
  const int64_t n = graph.size();
  if (static_cast<int64_t>(target.size()) != n || static_cast<int64_t>(start.size()) != n)
    throw std::invalid_argument("ReachWithin: target and start need one entry per node");
  // mass not yet absorbed by the target, moved one step at a time
  std::vector<double> mass(n, 0.0), next(n);
  double reached = 0;
  for (int64_t i = 0; i < n; ++i) (target[i] ? reached : mass[i]) += start[i];
  std::vector<double> out{reached};
  for (int s = 1; s <= k; ++s) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int64_t u = 0; u < n; ++u)
      if (mass[u] > 0) graph.ForEachOut(u, [&](int64_t v, double p) { next[v] += mass[u] * p; });
    for (int64_t i = 0; i < n; ++i)
      if (target[i]) reached += next[i], next[i] = 0;
    mass.swap(next);
    out.push_back(reached);
  }
  return out;
}

std::vector<double> StartDistribution(const WatchNextGraph& graph, const StartSpec& spec,
                                      const std::vector<uint8_t>& within) {
  const int64_t n = graph.size();
  std::vector<double> w(n, 1.0);
  if (spec.kind == "attribute") {
    w = graph.Attribute(spec.attribute);
    for (int64_t i = 0; i < n; ++i)
      if (!(w[i] >= 0) || !std::isfinite(w[i]))
        throw InputError(graph.source(), "start distribution: attribute '" + spec.attribute + "' of node '" +
                                             graph.id(i) + "' is " + std::to_string(w[i]) +
                                             "; weights must be finite and >= 0");
  } else if (spec.kind != "uniform") {
    throw InputError(graph.source(), "start distribution '" + spec.kind + "' is unknown; valid: uniform, attribute");
  }
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!within.empty() && !within[i]) w[i] = 0;
    total += w[i];
  }
  if (!(total > 0))
    throw InputError(graph.source(), "start distribution (" + spec.kind +
                                         (spec.attribute.empty() ? "" : " " + spec.attribute) +
                                         ") has no mass on the chosen nodes");
  for (double& x : w) x /= total;
  return w;
}

LabelFlow ComputeLabelFlow(const WatchNextGraph& graph, const std::vector<double>& weights) {
  LabelFlow f;
  f.labels = graph.label_names();
  const size_t nl = f.labels.size();
  f.flow.assign(nl, std::vector<double>(nl, 0.0));
  f.ended.assign(nl, 0.0);
  std::vector<double> mass(nl, 0.0);
  for (int64_t u = 0; u < graph.size(); ++u) {
    const int32_t a = graph.label_index(u);
    const double w = weights[u];
    if (w <= 0) continue;
    mass[a] += w;
    f.ended[a] += w * graph.EndProbability(u);
    graph.ForEachOut(u, [&](int64_t v, double p) { f.flow[a][graph.label_index(v)] += w * p; });
  }
  for (size_t a = 0; a < nl; ++a) {
    if (mass[a] <= 0) continue;
    for (double& x : f.flow[a]) x /= mass[a];
    f.ended[a] /= mass[a];
  }
  return f;
}

}  // namespace counterpoint
