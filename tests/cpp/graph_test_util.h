// Small graphs with known answers, shared by the graph_*_test.cc files.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "graph/watch_next_graph.h"

namespace counterpoint::testing {

/// "h7" etc. (appending avoids GCC 12's false -Wrestrict on "literal" + std::string)
inline std::string NodeId(char prefix, int i) {
  std::string id(1, prefix);
  id += std::to_string(i);
  return id;
}

/// nb harmful nodes "h0..": h_i -> h_{i+1} with 1 - q, h_i -> s_i with q; ns safe
/// nodes "s0..": s_i -> s_{i+1} with 1 - a, s_i -> h_i with a (a = 0: no edge).
/// Every harmful node exits with probability q per step.
inline WatchNextGraph ConstantExitGraph(int nb, int ns, double q, double a) {
  GraphInput in;
  for (int i = 0; i < nb; ++i) in.ids.push_back(NodeId('h', i)), in.labels.push_back("extremist");
  for (int i = 0; i < ns; ++i) in.ids.push_back(NodeId('s', i)), in.labels.push_back("mainstream");
  for (int i = 0; i < nb; ++i) {
    in.edges.push_back({i, (i + 1) % nb, 1 - q});
    in.edges.push_back({i, nb + i % ns, q});
  }
  for (int i = 0; i < ns; ++i) {
    in.edges.push_back({nb + i, nb + (i + 1) % ns, 1 - a});
    if (a > 0) in.edges.push_back({nb + i, i % nb, a});
  }
  return WatchNextGraph(std::move(in), SinkPolicy::kPrune, "constant-exit");
}

/// A random graph: n nodes, d out-edges each with random weights; the first
/// n_harmful are "extremist", the rest "mainstream"; harmful nodes point to
/// harmful ones with probability `homophily`. Seeded.
inline WatchNextGraph RandomGraph(int n, int n_harmful, int d, double homophily, uint64_t seed) {
  GraphInput in;
  for (int i = 0; i < n; ++i) {
    in.ids.push_back(NodeId('n', i));
    in.labels.push_back(i < n_harmful ? "extremist" : (i % 7 == 0 ? "counter_narrative" : "mainstream"));
  }
  in.attributes["subscribers"].resize(n);
  for (int i = 0; i < n; ++i) {
    const CounterRng rng(seed, i, 0, Purpose::kJourney);
    in.attributes["subscribers"][i] = 1 + 100 * rng.Uniform(1000);
    for (int j = 0; j < d; ++j) {
      const bool to_harmful = i < n_harmful ? rng.Uniform(3 * j) < homophily : rng.Uniform(3 * j) < 0.05;
      const int64_t v = to_harmful ? rng.Below(3 * j + 1, n_harmful) : n_harmful + rng.Below(3 * j + 1, n - n_harmful);
      if (v != i) in.edges.push_back({i, v, 0.1 + rng.Uniform(3 * j + 2)});
    }
    in.edges.push_back({i, (i + 1) % n, 0.05});  // no sinks
  }
  return WatchNextGraph(std::move(in), SinkPolicy::kPrune, "random");
}

}  // namespace counterpoint::testing
