// Retrieval recall of a scenario's index: the share of the exact top-k (inner product
// with every item) that the index returns, over the population's queries (the system's
// estimates of its users at the start), for several nprobe values (IVF) or ef_search
// values (HNSW). A ranking team picks the cheapest setting that reaches the recall it
// needs; the share of step time inside FAISS search depends on that choice.
//
//   bench_recall SCENARIO.yaml [--set key=value ...] [--values 4,8,16,32] [--queries 2000]
//                [--threads N]
//
// Prints one line per value (recall@k with its standard error, microseconds per query)
// and one JSON line for bench/RESULTS.md.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "experiment/runner.h"

int main(int argc, char** argv) {
  using namespace counterpoint;
  std::string path;
  std::vector<std::string> sets;
  std::vector<int> values = {4, 8, 16, 32, 64};
  int64_t n_queries = 2000;
  int threads = 0;
  CLI::App app{"counterpoint retrieval recall of a scenario's index against exact search"};
  app.add_option("scenario", path, "scenario YAML")->required();
  app.add_option("--set", sets, "overrides key.path=value, as for counterpoint run");
  app.add_option("--values", values, "nprobe (IVF) or ef_search (HNSW) values")->delimiter(',');
  app.add_option("--queries", n_queries, "queries: the first users' estimates")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);
  try {
    const Scenario sc = LoadScenario(path, sets);
    // replicate 0's world and population, as `counterpoint run` builds them
    const uint64_t seed = DeriveSeed(sc.seed, 0);
    const IndexedCatalog world = BuildIndexedCatalog(sc, seed);
    const Population pop = GeneratePopulation(sc.population, *world.catalog, seed);
    const Catalog& cat = *world.catalog;
    const int64_t d = cat.dim(), nq = std::min<int64_t>(n_queries, pop.rows);
    const int k = static_cast<int>(sc.arms.at(0).options.candidates);  // the first arm's candidates
    const std::vector<float> queries(pop.estimate.begin(), pop.estimate.begin() + nq * d);
    // the exact top-k: a flat index, every item scored
    std::vector<float> scores(nq * k);
    std::vector<int64_t> exact(nq * k), got(nq * k);
    VectorIndex flat(cat, IndexOptions{"Flat"});
    flat.Search(queries.data(), nq, k, scores.data(), exact.data());
    const bool hnsw = sc.index.factory.find("HNSW") != std::string::npos;
    std::printf("%s: %s, %lld items, d = %lld, %lld queries, top %d, %d threads\n", sc.name.c_str(),
                sc.index.factory.c_str(), static_cast<long long>(cat.size()), static_cast<long long>(d),
                static_cast<long long>(nq), k, omp_get_max_threads());
    nlohmann::json rows = nlohmann::json::array();
    for (int v : values) {
      IndexOptions opt = sc.index;
      (hnsw ? opt.ef_search : opt.nprobe) = v;
      const VectorIndex index(cat, opt);
      const auto t0 = std::chrono::steady_clock::now();
      index.Search(queries.data(), nq, k, scores.data(), got.data());
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / nq;
      // recall per query: |index top-k ∩ exact top-k| / k; then its mean and standard error
      double sum = 0, sum2 = 0;
      for (int64_t q = 0; q < nq; ++q) {
        std::vector<int64_t> a(exact.begin() + q * k, exact.begin() + (q + 1) * k);
        std::vector<int64_t> b(got.begin() + q * k, got.begin() + (q + 1) * k);
        std::sort(a.begin(), a.end()), std::sort(b.begin(), b.end());
        std::vector<int64_t> both;
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
        const double r = static_cast<double>(both.size()) / k;
        sum += r, sum2 += r * r;
      }
      const double mean = sum / nq, se = std::sqrt(std::max(0.0, sum2 / nq - mean * mean) / nq);
      std::printf("%s %3d: recall@%d %.4f (se %.4f), %.1f us per query\n", hnsw ? "ef_search" : "nprobe", v, k, mean,
                  se, us);
      rows.push_back({{hnsw ? "ef_search" : "nprobe", v}, {"recall", mean}, {"recall_se", se}, {"us_per_query", us}});
    }
    const nlohmann::json j = {{"scenario", sc.name},
                              {"factory", sc.index.factory},
                              {"items", cat.size()},
                              {"dim", d},
                              {"queries", nq},
                              {"k", k},
                              {"threads", omp_get_max_threads()},
                              {"results", rows}};
    std::printf("%s\n", j.dump().c_str());
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  return 0;
}
