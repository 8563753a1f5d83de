// Exact segregation on a large synthetic watch-next graph: time and peak memory.
//
//   bench_segregation [n_nodes=1000000] [out_degree=10] [harmful_fraction=0.05] [homophily=0.7]
//
// Harmful nodes are the first fraction of the ids; a harmful node's out-edge goes
// to another harmful node with probability `homophily` (a rabbit hole), any other
// node's with probability 0.01. Weights are uniform in [0.1, 1.1).

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench/bench_util.h"
#include "core/rng.h"
#include "graph/confinement.h"

using counterpoint::bench::PeakMiB;
using counterpoint::bench::Seconds;

int main(int argc, char** argv) {
  using namespace counterpoint;
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int d = argc > 2 ? std::atoi(argv[2]) : 10;
  const double fraction = argc > 3 ? std::atof(argv[3]) : 0.05;
  const double homophily = argc > 4 ? std::atof(argv[4]) : 0.7;
  const int64_t nh = static_cast<int64_t>(fraction * n);
  // the graph
  auto t0 = std::chrono::steady_clock::now();
  GraphInput in;
  in.ids.resize(n);
  in.labels.resize(n);
  in.edges.resize(static_cast<size_t>(n) * d);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    in.ids[i] = std::to_string(i);
    in.labels[i] = i < nh ? "extremist" : "mainstream";
    const CounterRng rng(42, static_cast<uint64_t>(i), 0, Purpose::kJourney);
    for (int j = 0; j < d; ++j) {
      const bool to_harmful = rng.Uniform(3 * j) < (i < nh ? homophily : 0.01);
      int64_t v = to_harmful ? static_cast<int64_t>(rng.Below(3 * j + 1, nh))
                             : nh + static_cast<int64_t>(rng.Below(3 * j + 1, n - nh));
      if (v == i) v = (i + 1) % n;
      in.edges[i * d + j] = {i, v, 0.1 + rng.Uniform(3 * j + 2)};
    }
  }
  const WatchNextGraph graph(std::move(in), SinkPolicy::kPrune, "synthetic");
  const double build_s = Seconds(t0);
  const double build_mib = PeakMiB();
  // exact segregation
  const std::vector<uint8_t> harmful = graph.LabelMask({"extremist"});
  t0 = std::chrono::steady_clock::now();
  const SegregationResult r = Segregation(graph, harmful);
  const double seg_s = Seconds(t0);
  std::printf("nodes %lld, edges %lld, harmful %lld (homophily %.2f)\n", static_cast<long long>(graph.size()),
              static_cast<long long>(graph.num_edges()), static_cast<long long>(r.nodes.size()), homophily);
  std::printf("graph build: %.2f s (peak RSS %.0f MiB)\n", build_s, build_mib);
  std::printf("segregation: %.2f s with %s, residual %.2e, max %.4f, mean %.4f, trapped %lld\n", seg_s,
              r.solver.c_str(), r.residual, r.max, r.mean, static_cast<long long>(r.trapped));
  std::printf("peak RSS (getrusage ru_maxrss): %.0f MiB\n", PeakMiB());
  // the direct solver on the same system, for comparison
  if (argc > 5) {
    t0 = std::chrono::steady_clock::now();
    const SegregationResult lu = Segregation(graph, harmful, SegregationSolver::kSparseLu);
    std::printf("segregation (sparse LU): %.2f s, max %.4f, peak RSS %.0f MiB\n", Seconds(t0), lu.max, PeakMiB());
  }
  return 0;
}
