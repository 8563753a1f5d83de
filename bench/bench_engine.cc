// End-to-end engine benchmark: users x items x dim x steps with an IVF index.
//
//   bench_engine [--users 100000] [--items 100000] [--dim 64] [--steps 50]
//                [--factory IVF1024,Flat] [--nprobe 8] [--candidates 200] [--slate 10]
//                [--batch 2048] [--threads N]
//
// Prints user-steps per second, the share of step time inside FAISS search,
// peak RSS and the model's own bytes (embeddings + index + population), and
// one JSON line for bench/RESULTS.md.
#include <omp.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/wait_policy.h"
#include "experiment/runner.h"

namespace {
double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace counterpoint;
  EnsureWaitPolicy(argv);  // as the CLI does: measure what a user's run gets
  int64_t users = 100000, items = 100000, dim = 64, steps = 50, batch = 2048;
  int nprobe = 8, candidates = 200, slate = 10, threads = 0, train_per_list = 256;
  std::string factory = "IVF1024,Flat";
  CLI::App app{"counterpoint end-to-end engine benchmark"};
  app.add_option("--users", users);
  app.add_option("--items", items);
  app.add_option("--dim", dim);
  app.add_option("--steps", steps);
  app.add_option("--factory", factory);
  app.add_option("--nprobe", nprobe);
  app.add_option("--candidates", candidates);
  app.add_option("--slate", slate);
  app.add_option("--batch", batch);
  app.add_option("--threads", threads);
  app.add_option("--train-per-list", train_per_list, "IVF: k-means trains on at most this many items per list");
  CLI11_PARSE(app, argc, argv);
  if (threads > 0) omp_set_num_threads(threads);
  const double rss_start = PeakRssMb();

  // the scenario, as a user would write it
  const std::string yaml =
      "name: bench\nsteps: " + std::to_string(steps) + "\nbatch_size: " + std::to_string(batch) +
      "\ncatalog: {type: synthetic, n_items: " + std::to_string(items) + ", dim: " + std::to_string(dim) +
      ", n_topics: 50}\nindex: {factory: \"" + factory + "\", nprobe: " + std::to_string(nprobe) +
      ", train_per_list: " + std::to_string(train_per_list) + "}\npopulation: {n_users: " + std::to_string(users) +
      "}\nrecommender: {candidates: " + std::to_string(candidates) + ", slate_size: " + std::to_string(slate) + "}\n";
  Scenario sc;
  try {
    sc = ParseScenario(yaml, "<bench>");
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());  // e.g. an nprobe the index refuses
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const IndexedCatalog world = BuildIndexedCatalog(sc, 1);
  Population pop = GeneratePopulation(sc.population, *world.catalog, 1);
  const int64_t model_bytes =
      world.catalog->size() * world.catalog->dim() * 4 + world.index->memory_bytes() + pop.memory_bytes();
  const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Simulation sim = BuildSimulation(sc, sc.arms[0], world, std::move(pop), 1);
  std::vector<double> rows;
  sim.Run(rows);
  const StageTimes& t = sim.times();
  const double user_steps = static_cast<double>(users) * steps;
  const int64_t cols = static_cast<int64_t>(sim.columns().size());
  double sessions = 0;
  for (int64_t s = 0; s < steps; ++s)
    for (int64_t c = 0; c < cols; ++c)
      if (sim.columns()[c] == "active_share") sessions += rows[s * cols + c] * users;
  const double peak = PeakRssMb();
  nlohmann::json j = {{"users", users},
                      {"items", items},
                      {"dim", dim},
                      {"steps", steps},
                      {"factory", factory},
                      {"nprobe", nprobe},
                      {"omp_wait", WaitPolicyInEffect()},
                      {"candidates", candidates},
                      {"slate", slate},
                      {"batch", batch},
                      {"threads", omp_get_max_threads()},
                      {"build_seconds", build_s},
                      {"step_seconds", t.total_s},
                      {"faiss_search_seconds", t.retrieve_s},
                      {"faiss_share", t.retrieve_s / t.total_s},
                      {"user_steps_per_second", user_steps / t.total_s},
                      {"sessions_per_second", sessions / t.total_s},
                      {"peak_rss_mb", peak},
                      {"rss_before_build_mb", rss_start},
                      {"model_mb", model_bytes / 1048576.0},
                      {"peak_over_model", peak / (model_bytes / 1048576.0)},
                      {"peak_minus_start_over_model", (peak - rss_start) / (model_bytes / 1048576.0)}};
  std::printf(
      "users x items x dim x steps: %lld x %lld x %lld x %lld, %s nprobe %d, %d candidates, slate %d, %d threads\n",
      static_cast<long long>(users), static_cast<long long>(items), static_cast<long long>(dim),
      static_cast<long long>(steps), factory.c_str(), nprobe, candidates, slate, omp_get_max_threads());
  std::printf("build (catalog + index + population): %.2f s\n", build_s);
  std::printf("steps: %.2f s, %.0f user-steps/s, %.0f sessions/s\n", t.total_s, user_steps / t.total_s,
              sessions / t.total_s);
  std::printf("inside FAISS search: %.1f%% of step time (outside: %.1f%%)\n", 100 * t.retrieve_s / t.total_s,
              100 * (1 - t.retrieve_s / t.total_s));
  std::printf(
      "peak RSS %.1f MB (%.1f MB before building); model (embeddings + index + population) %.1f MB; "
      "ratio %.2f (%.2f above the start)\n",
      peak, rss_start, model_bytes / 1048576.0, peak / (model_bytes / 1048576.0),
      (peak - rss_start) / (model_bytes / 1048576.0));
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
