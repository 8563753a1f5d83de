#include "graph/journeys.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/rng.h"

namespace counterpoint {

namespace {

// draw indexes of one walker's CounterRng: 0 = start, then four per step
constexpr uint64_t kDrawsPerStep = 4;

// index of the first cdf entry above u * total
int64_t SampleCdf(const std::vector<double>& cdf, double u) {
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), u * cdf.back());
  return std::min<int64_t>(it - cdf.begin(), static_cast<int64_t>(cdf.size()) - 1);
}

// a recommended next node, weights of edges into `preferred` multiplied by `strength`;
// -1 when u has no out-edge (the walk ends)
int64_t FollowRecommendation(const WatchNextGraph& graph, int64_t u, double uniform, int32_t preferred,
                             double strength) {
  double total = 0;
  graph.ForEachOut(u, [&](int64_t v, double p) { total += graph.label_index(v) == preferred ? p * strength : p; });
  if (total <= 0) return -1;
  const double target = uniform * total;
  double acc = 0;
  int64_t chosen = -1;
  graph.ForEachOut(u, [&](int64_t v, double p) {
    const double w = graph.label_index(v) == preferred ? p * strength : p;
    if (w <= 0) return;
    acc += w;
    if (chosen < 0 && acc >= target) chosen = v;
  });
  if (chosen >= 0) return chosen;
  // rounding: the last edge with positive weight
  graph.ForEachOut(u, [&](int64_t v, double p) {
    if (p > 0) chosen = v;
  });
  return chosen;
}

}  // namespace

Journeys SimulateJourneys(const WatchNextGraph& graph, const std::vector<double>& start,
                          const JourneyOptions& options) {
  const int64_t n = graph.size();
  if (static_cast<int64_t>(start.size()) != n) throw std::invalid_argument("start distribution size != nodes");
  if (options.walkers < 0 || options.length < 0) throw std::invalid_argument("walkers and length must be >= 0");
  // cumulative start distribution and the nodes of each label
  std::vector<double> cdf(n);
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) cdf[i] = acc += start[i];
  if (!(acc > 0)) throw std::invalid_argument("start distribution has no mass");
  std::vector<std::vector<int64_t>> by_label(graph.label_names().size());
  for (int64_t i = 0; i < n; ++i) by_label[graph.label_index(i)].push_back(i);
  const bool user = options.kind == WalkerKind::kUser;
  Journeys j;
  j.walkers = options.walkers;
  j.length = options.length;
  j.path.assign(static_cast<size_t>(options.walkers) * (options.length + 1), -1);
#pragma omp parallel for schedule(static) if (options.walkers > 1000)
  for (int64_t w = 0; w < options.walkers; ++w) {
    const CounterRng rng(options.seed, static_cast<uint64_t>(w), 0, Purpose::kJourney);
    int64_t* path = j.path.data() + w * (options.length + 1);
    int64_t cur = SampleCdf(cdf, rng.Uniform(0));
    const int32_t preferred = graph.label_index(cur);
    path[0] = cur;
    for (int s = 1; s <= options.length; ++s) {
      const uint64_t base = kDrawsPerStep * s;
      // restart from the start distribution
      if (options.restart > 0 && rng.Uniform(base) < options.restart) {
        cur = SampleCdf(cdf, rng.Uniform(base + 1));
      } else if (cur < 0) {
        break;  // the walk ended at an absorbing sink
      } else if (user && options.autonomy > 0 && rng.Uniform(base + 2) < options.autonomy) {
        // a user navigating on their own, to a node of their preferred label
        const auto& pool = by_label[preferred];
        cur = pool[rng.Below(base + 3, pool.size())];
      } else {
        cur = FollowRecommendation(graph, cur, rng.Uniform(base + 3), user ? preferred : -1,
                                   user ? options.preference_strength : 1.0);
      }
      path[s] = cur;
    }
  }
  return j;
}

std::vector<Estimate> McReachWithin(const Journeys& journeys, const std::vector<uint8_t>& target) {
  // first step at which each walker is at a target node (length + 1 = never)
  std::vector<int> first(journeys.walkers, journeys.length + 1);
  for (int64_t w = 0; w < journeys.walkers; ++w)
    for (int s = 0; s <= journeys.length; ++s) {
      const int64_t v = journeys.at(w, s);
      if (v >= 0 && target[v]) {
        first[w] = s;
        break;
      }
    }
  std::vector<Estimate> out;
  for (int s = 0; s <= journeys.length; ++s) {
    const int64_t hits = std::count_if(first.begin(), first.end(), [s](int f) { return f <= s; });
    out.push_back(ProportionCi(hits, journeys.walkers));
  }
  return out;
}

std::vector<std::vector<double>> LabelOccupancy(const WatchNextGraph& graph, const Journeys& journeys) {
  const size_t nl = graph.label_names().size();
  std::vector<std::vector<double>> occ(journeys.length + 1, std::vector<double>(nl, 0.0));
  if (journeys.walkers == 0) return occ;
  for (int64_t w = 0; w < journeys.walkers; ++w)
    for (int s = 0; s <= journeys.length; ++s) {
      const int64_t v = journeys.at(w, s);
      if (v >= 0) occ[s][graph.label_index(v)] += 1.0;
    }
  for (auto& row : occ)
    for (double& x : row) x /= static_cast<double>(journeys.walkers);
  return occ;
}

std::vector<std::vector<Estimate>> McLabelFlow(const WatchNextGraph& graph, const Journeys& journeys) {
  const size_t nl = graph.label_names().size();
  // per source label: walkers that started there, and where their first step went
  std::vector<int64_t> started(nl, 0);
  std::vector<std::vector<int64_t>> landed(nl, std::vector<int64_t>(nl, 0));
  if (journeys.length >= 1)
    for (int64_t w = 0; w < journeys.walkers; ++w) {
      const int32_t a = graph.label_index(journeys.at(w, 0));
      const int64_t v = journeys.at(w, 1);
      ++started[a];
      if (v >= 0) ++landed[a][graph.label_index(v)];
    }
  std::vector<std::vector<Estimate>> out(nl, std::vector<Estimate>(nl));
  for (size_t a = 0; a < nl; ++a)
    for (size_t b = 0; b < nl; ++b) out[a][b] = ProportionCi(landed[a][b], started[a]);
  return out;
}

std::vector<double> SampleExitTimes(const WatchNextGraph& graph, const std::vector<uint8_t>& harmful, int64_t node,
                                    int64_t walkers, uint64_t seed, int64_t max_steps) {
  std::vector<double> times(walkers, 0.0);
#pragma omp parallel for schedule(static) if (walkers > 1000)
  for (int64_t w = 0; w < walkers; ++w) {
    const CounterRng rng(seed, static_cast<uint64_t>(w), static_cast<uint64_t>(node), Purpose::kJourney);
    int64_t cur = node, t = 0;
    // count steps spent in B; leave at a non-harmful node or where the walk ends
    while (cur >= 0 && harmful[cur] && t < max_steps) {
      ++t;
      cur = FollowRecommendation(graph, cur, rng.Uniform(static_cast<uint64_t>(t)), -1, 1.0);
    }
    times[w] = static_cast<double>(t);
  }
  return times;
}

}  // namespace counterpoint
