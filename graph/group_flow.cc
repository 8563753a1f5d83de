#include "graph/group_flow.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace counterpoint {

double GroupFlow::Ratio() const {
  if (in > 0) return out / in;
  return out > 0 ? std::numeric_limits<double>::infinity() : std::nan("");
}

double GroupFlow::OutRate() const { return weight_in_group > 0 ? out / weight_in_group : std::nan(""); }

double GroupFlow::InRate() const { return weight_in_group < 1 ? in / (1 - weight_in_group) : std::nan(""); }

GroupFlow ComputeGroupFlow(const WatchNextGraph& graph, const std::vector<uint8_t>& group,
                           const std::vector<double>& weights) {
  const int64_t n = graph.size();
  if (static_cast<int64_t>(group.size()) != n || static_cast<int64_t>(weights.size()) != n)
    throw InputError(graph.source(),
                     "group flow: the group and the weights need one entry per node (" + std::to_string(n) + ")");
  double total = 0;
  for (double w : weights) total += w;
  if (!(total > 0) || !std::isfinite(total))
    throw InputError(graph.source(), "group flow: the node weights have no mass; give positive weights");
  // each source's weight times its transition probabilities, split by where the edge goes
  GroupFlow f;
  for (int64_t u = 0; u < n; ++u) {
    const double w = weights[u] / total;
    if (w <= 0) continue;
    const bool from_group = group[u] != 0;
    if (from_group) f.weight_in_group += w;
    f.ended += w * graph.EndProbability(u);
    graph.ForEachOut(u, [&](int64_t v, double p) {
      const bool to_group = group[v] != 0;
      double& cell = from_group ? (to_group ? f.within_group : f.out) : (to_group ? f.in : f.within_rest);
      cell += w * p;
    });
  }
  return f;
}

}  // namespace counterpoint
