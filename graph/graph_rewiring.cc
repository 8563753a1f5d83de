#include "graph/graph_rewiring.h"

#include <Eigen/SparseLU>
#include <algorithm>
#include <limits>
#include <map>

#include "graph/confinement.h"

namespace counterpoint {

namespace {

using Row = std::vector<std::pair<int64_t, double>>;

// transition rows that interventions edit; rebuilt into a GraphInput at the end
struct MutableGraph {
  std::vector<Row> rows;

  explicit MutableGraph(const WatchNextGraph& g) : rows(g.size()) {
    for (int64_t u = 0; u < g.size(); ++u) g.ForEachOut(u, [&](int64_t v, double p) { rows[u].emplace_back(v, p); });
  }
  void Add(int64_t u, int64_t w, double p) {
    for (auto& [x, q] : rows[u])
      if (x == w) return void(q += p);
    rows[u].emplace_back(w, p);
  }
  // the probability of u -> v goes to u -> w
  void Move(int64_t u, int64_t v, int64_t w, double p) {
    rows[u].erase(std::remove_if(rows[u].begin(), rows[u].end(), [&](const auto& e) { return e.first == v; }),
                  rows[u].end());
    Add(u, w, p);
  }
  // u's out-edges scaled by (1 - p), then u -> w gets p
  void Insert(int64_t u, int64_t w, double p) {
    for (auto& e : rows[u]) e.second *= 1.0 - p;
    Add(u, w, p);
  }
  GraphInput ToInput(const WatchNextGraph& g) const {
    GraphInput in = g.ToInput();
    in.edges.clear();
    for (int64_t u = 0; u < static_cast<int64_t>(rows.size()); ++u)
      for (const auto& [v, p] : rows[u])
        if (p > 0) in.edges.push_back({u, v, p});
    return in;
  }
};

// I - P over the block's finite nodes, from the current rows
Eigen::SparseMatrix<double> BlockSystem(const MutableGraph& mg, const HarmfulBlock& block) {
  std::vector<Eigen::Triplet<double>> t;
  for (int64_t i = 0; i < static_cast<int64_t>(block.finite.size()); ++i) {
    t.emplace_back(i, i, 1.0);
    for (const auto& [v, p] : mg.rows[block.finite[i]])
      if (block.local[v] >= 0) t.emplace_back(i, block.local[v], -p);
  }
  Eigen::SparseMatrix<double> m(block.finite.size(), block.finite.size());
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

// the most relevant node of `mask` for u, or (-1, 0)
std::pair<int64_t, double> BestTarget(const std::vector<std::pair<int64_t, double>>& rel,
                                      const std::vector<uint8_t>& mask) {
  std::pair<int64_t, double> best{-1, 0.0};
  for (const auto& [x, r] : rel)
    if (mask[x] && r > best.second) best = {x, r};
  return best;
}

// the node of `mask` with the largest total in-probability (the fallback target)
int64_t MostVisited(const WatchNextGraph& g, const std::vector<uint8_t>& mask) {
  std::vector<double> in(g.size(), 0.0);
  for (int64_t u = 0; u < g.size(); ++u) g.ForEachOut(u, [&](int64_t v, double p) { in[v] += p; });
  int64_t best = -1;
  for (int64_t i = 0; i < g.size(); ++i)
    if (mask[i] && (best < 0 || in[i] > in[best])) best = i;
  return best;
}

using SparseLu = Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>>;

// factorises I - P_FF into `lu`; returns z = (I - P_FF)^-1 1
Eigen::VectorXd SolveBlock(SparseLu& lu, const MutableGraph& mg, const HarmfulBlock& block) {
  if (block.finite.empty()) return Eigen::VectorXd();
  lu.compute(BlockSystem(mg, block));
  return lu.solve(Eigen::VectorXd::Ones(static_cast<int64_t>(block.finite.size())));
}

// max and mean; over no node at all both are not a number (never 0, which reads as "no problem")
std::pair<double, double> MaxMean(const Eigen::VectorXd& z) {
  if (z.size() == 0) return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  return {z.maxCoeff(), z.mean()};
}

std::vector<uint8_t> Complement(const std::vector<uint8_t>& mask) {
  std::vector<uint8_t> out(mask.size());
  for (size_t i = 0; i < mask.size(); ++i) out[i] = !mask[i];
  return out;
}

}  // namespace

Eigen::VectorXd ShermanMorrison(const Eigen::VectorXd& z, const Eigen::VectorXd& col, double c_dot_z,
                                double c_dot_col) {
  return z - col * (c_dot_z / (1.0 + c_dot_col));
}

std::vector<std::pair<int64_t, double>> TwoStepRelevance(const WatchNextGraph& graph, int64_t u) {
  std::map<int64_t, double> r;
  graph.ForEachOut(u, [&](int64_t x, double p) {
    r[x] += p;
    graph.ForEachOut(x, [&](int64_t y, double q) { r[y] += p * q; });
  });
  return {r.begin(), r.end()};
}

RewireResult GreedyRewire(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                          const RewireOptions& options) {
  const HarmfulBlock block = BuildHarmfulBlock(graph, harmful);
  const int64_t nf = static_cast<int64_t>(block.finite.size());
  const std::vector<uint8_t> safe = Complement(harmful);
  MutableGraph mg(graph);
  RewireResult result;
  result.trapped = static_cast<int64_t>(block.infinite.size());
  result.finite = nf;
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> relevance;  // of the original graph
  SparseLu lu;
  for (int op = 0; op <= options.budget; ++op) {
    // factorise I - P_FF and solve for z
    const Eigen::VectorXd z = SolveBlock(lu, mg, block);
    if (op == 0) {
      const auto [mx, mean] = MaxMean(z);
      result.max_segregation.push_back(mx);
      result.mean_segregation.push_back(mean);
    }
    if (op == options.budget) break;
    if (nf == 0) {
      result.stopped = "every harmful node is trapped (infinite segregation): there is no finite node to rewire";
      break;
    }
    // sources to score: every finite harmful node, or the top ones by segregation
    std::vector<int64_t> sources(nf);
    for (int64_t i = 0; i < nf; ++i) sources[i] = i;
    if (options.max_sources > 0 && options.max_sources < nf) {
      std::partial_sort(sources.begin(), sources.begin() + options.max_sources, sources.end(),
                        [&](int64_t a, int64_t b) { return z[a] > z[b]; });
      sources.resize(options.max_sources);
    }
    // score every harmful edge u -> v of the sources exactly (Sherman–Morrison)
    struct Best {
      double max = std::numeric_limits<double>::infinity(), mean = 0;
      int64_t u = -1, v = -1, w = -1;
      double p = 0, ratio = 0;
      Eigen::VectorXd z;
    } best;
    for (int64_t i : sources) {
      const int64_t u = block.finite[i];
      auto it = relevance.find(u);
      if (it == relevance.end()) it = relevance.emplace(u, TwoStepRelevance(graph, u)).first;
      const auto [w, rel_w] = BestTarget(it->second, safe);
      if (w < 0) continue;
      Eigen::VectorXd e = Eigen::VectorXd::Zero(nf);
      e[i] = 1.0;
      const Eigen::VectorXd col = lu.solve(e);
      for (const auto& [v, p] : mg.rows[u]) {
        const int64_t j = block.local[v];
        if (j < 0 || p <= 0) continue;
        double rel_v = 0;
        for (const auto& [x, r] : it->second)
          if (x == v) rel_v = r;
        const double ratio = rel_v > 0 ? rel_w / rel_v : 0.0;
        if (ratio < options.tau) continue;
        Eigen::VectorXd zn = ShermanMorrison(z, col, p * z[j], p * col[j]);
        const auto [mx, mean] = MaxMean(zn);
        if (mx < best.max - 1e-12 || (mx <= best.max + 1e-12 && mean < best.mean))
          best = {mx, mean, u, v, w, p, ratio, std::move(zn)};
      }
    }
    if (best.u < 0) {
      result.stopped = "no harmful edge u -> v has a non-harmful target w with relevance ratio >= tau (" +
                       std::to_string(options.tau) + ")";
      break;
    }
    // apply the best move
    mg.Move(best.u, best.v, best.w, best.p);
    result.operations.push_back({graph.id(best.u), graph.id(best.v), graph.id(best.w), best.p, best.ratio});
    result.max_segregation.push_back(best.max);
    result.mean_segregation.push_back(best.mean);
  }
  result.graph_after = mg.ToInput(graph);
  return result;
}

namespace {

// truncated radius of every harmful node with row u's in-B entries scaled by `factor`
Eigen::VectorXd RadiusVector(const Eigen::SparseMatrix<double, Eigen::RowMajor>& pbb, int horizon, int64_t u,
                             double factor) {
  Eigen::VectorXd stay = Eigen::VectorXd::Ones(pbb.rows()), total = Eigen::VectorXd::Zero(pbb.rows());
  for (int s = 0; s < horizon; ++s) {
    total += stay;
    stay = pbb * stay;
    if (u >= 0) stay[u] *= factor;
  }
  return total;
}

Eigen::SparseMatrix<double, Eigen::RowMajor> HarmfulRows(const MutableGraph& mg, const std::vector<int64_t>& nodes,
                                                         const std::vector<int64_t>& local) {
  std::vector<Eigen::Triplet<double>> t;
  for (int64_t i = 0; i < static_cast<int64_t>(nodes.size()); ++i)
    for (const auto& [v, p] : mg.rows[nodes[i]])
      if (local[v] >= 0) t.emplace_back(i, local[v], p);
  Eigen::SparseMatrix<double, Eigen::RowMajor> m(nodes.size(), nodes.size());
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

// a relevant target of `mask` for u, or the most visited one
int64_t TargetFor(const WatchNextGraph& g, int64_t u, const std::vector<uint8_t>& mask, int64_t fallback) {
  const int64_t w = BestTarget(TwoStepRelevance(g, u), mask).first;
  return w >= 0 ? w : fallback;
}

}  // namespace

LinkInsertionResult ReduceBubbleRadius(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                                       const LinkInsertionOptions& options) {
  LinkInsertionResult result;
  result.metric = "truncated_radius";
  std::vector<int64_t> nodes, local(graph.size(), -1);
  for (int64_t i = 0; i < graph.size(); ++i)
    if (harmful[i]) local[i] = static_cast<int64_t>(nodes.size()), nodes.push_back(i);
  const int64_t nb = static_cast<int64_t>(nodes.size());
  const std::vector<uint8_t> safe = Complement(harmful);
  const int64_t fallback = MostVisited(graph, safe);
  MutableGraph mg(graph);
  std::vector<uint8_t> used(nb, 0);
  for (int link = 0; link <= options.budget; ++link) {
    const auto pbb = HarmfulRows(mg, nodes, local);
    const Eigen::VectorXd r = RadiusVector(pbb, options.horizon, -1, 1.0);
    if (link == 0) {
      const auto [mx, mean] = MaxMean(r);
      result.max_metric.push_back(mx);
      result.mean_metric.push_back(mean);
    }
    if (link == options.budget) break;
    if (fallback < 0) {
      result.stopped = "every node is harmful: there is no target for a link";
      break;
    }
    // candidates: the harmful nodes most visited by walks from B within the horizon
    Eigen::RowVectorXd x = Eigen::RowVectorXd::Constant(nb, nb ? 1.0 / nb : 0.0), visits = x * 0.0;
    for (int s = 0; s < options.horizon; ++s) visits += x, x = x * pbb;
    std::vector<int64_t> cand;
    for (int64_t i = 0; i < nb; ++i)
      if (!used[i]) cand.push_back(i);
    if (options.max_sources > 0 && options.max_sources < static_cast<int64_t>(cand.size())) {
      std::partial_sort(cand.begin(), cand.begin() + options.max_sources, cand.end(),
                        [&](int64_t a, int64_t b) { return visits[a] > visits[b]; });
      cand.resize(options.max_sources);
    }
    // score each exactly: u's out-edges scaled by d/(d+1)
    int64_t best_u = -1;
    double best_mean = std::numeric_limits<double>::infinity(), best_max = 0, best_p = 0;
    for (int64_t i : cand) {
      const double d = static_cast<double>(mg.rows[nodes[i]].size());
      const Eigen::VectorXd rn = RadiusVector(pbb, options.horizon, i, d / (d + 1.0));
      const auto [mx, mean] = MaxMean(rn);
      if (mean < best_mean - 1e-12) best_mean = mean, best_max = mx, best_u = i, best_p = 1.0 / (d + 1.0);
    }
    if (best_u < 0) {
      result.stopped = "every harmful node already has an inserted link";
      break;
    }
    const int64_t u = nodes[best_u];
    const int64_t w = TargetFor(graph, u, safe, fallback);
    mg.Insert(u, w, best_p);
    used[best_u] = 1;
    result.links.push_back({graph.id(u), graph.id(w), best_p});
    result.max_metric.push_back(best_max);
    result.mean_metric.push_back(best_mean);
  }
  result.graph_after = mg.ToInput(graph);
  return result;
}

LinkInsertionResult InsertCounterNarratives(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful,
                                            const std::vector<uint8_t>& counter, const LinkInsertionOptions& options) {
  if (!(options.alpha > 0 && options.alpha < 1))
    throw InputError(graph.source(), "counter-narrative links: alpha must lie in (0, 1)");
  const int64_t fallback = MostVisited(graph, counter);
  if (fallback < 0)
    throw InputError(graph.source(),
                     "counter-narrative links: the graph has no counter-narrative node; label "
                     "some nodes counter_narrative or skip this intervention");
  LinkInsertionResult result;
  result.metric = "segregation";
  const HarmfulBlock block = BuildHarmfulBlock(graph, harmful);
  const int64_t nf = static_cast<int64_t>(block.finite.size());
  result.finite = nf;
  result.trapped = static_cast<int64_t>(block.infinite.size());
  const int links = static_cast<int>(options.weight_budget / options.alpha + 1e-9);
  MutableGraph mg(graph);
  std::vector<uint8_t> used(nf, 0);
  SparseLu lu;
  for (int link = 0; link <= links; ++link) {
    const Eigen::VectorXd z = SolveBlock(lu, mg, block);
    if (link == 0) {
      const auto [mx, mean] = MaxMean(z);
      result.max_metric.push_back(mx);
      result.mean_metric.push_back(mean);
    }
    if (link == links) break;
    if (nf == 0) {
      result.stopped = "every harmful node is trapped (infinite segregation): there is no finite node to link from";
      break;
    }
    // row scaling at u is the rank-one change c = alpha * (row u of P_FF)
    int64_t best_i = -1;
    double best_mean = std::numeric_limits<double>::infinity(), best_max = 0;
    for (int64_t i = 0; i < nf; ++i) {
      if (used[i]) continue;
      Eigen::VectorXd e = Eigen::VectorXd::Zero(nf);
      e[i] = 1.0;
      const Eigen::VectorXd col = lu.solve(e);
      double cz = 0, ccol = 0;
      for (const auto& [v, p] : mg.rows[block.finite[i]])
        if (block.local[v] >= 0)
          cz += options.alpha * p * z[block.local[v]], ccol += options.alpha * p * col[block.local[v]];
      const auto [mx, mean] = MaxMean(ShermanMorrison(z, col, cz, ccol));
      if (mean < best_mean - 1e-12) best_mean = mean, best_max = mx, best_i = i;
    }
    if (best_i < 0) {
      result.stopped = "every harmful node with finite segregation already has a counter-narrative link";
      break;
    }
    const int64_t u = block.finite[best_i];
    const int64_t w = TargetFor(graph, u, counter, fallback);
    mg.Insert(u, w, options.alpha);
    used[best_i] = 1;
    result.links.push_back({graph.id(u), graph.id(w), options.alpha});
    result.max_metric.push_back(best_max);
    result.mean_metric.push_back(best_mean);
  }
  result.graph_after = mg.ToInput(graph);
  return result;
}

}  // namespace counterpoint
