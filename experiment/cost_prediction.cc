#include "experiment/cost_prediction.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "core/error.h"
#include "experiment/runner.h"

namespace counterpoint {

IvfWork IvfSearchWork(const std::string& factory, int nprobe, double n, double d) {
  const int64_t lists = FactoryParameter(factory, "IVF");
  const int64_t pq = FactoryParameter(factory, "PQ");
  if (lists <= 0) return {};
  const double l = static_cast<double>(lists), code = pq > 0 ? static_cast<double>(pq) : d;
  return {l * d, std::min<double>(nprobe, l) * (n / l) * code};
}

double SearchWork(const std::string& factory, int nprobe, int ef_search, double n, double d) {
  const int64_t lists = FactoryParameter(factory, "IVF");
  const int64_t links = FactoryParameter(factory, "HNSW");
  const int64_t pq = FactoryParameter(factory, "PQ");
  const double code = pq > 0 ? static_cast<double>(pq) : d;  // bytes (or floats) scanned per vector
  if (lists > 0) {
    const IvfWork w = IvfSearchWork(factory, nprobe, n, d);
    return w.coarse + w.lists;
  }
  if (links > 0) return ef_search * static_cast<double>(links) * std::log2(std::max(2.0, n)) * d;
  return n * code;
}

double ResidentBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024;  // kB
  return 0;
}

namespace {

// stderr sent to /dev/null while it lives
class QuietStderr {
 public:
  QuietStderr() {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 2), ::close(null);
  }
  ~QuietStderr() {
    std::fflush(stderr);
    if (saved_ >= 0) ::dup2(saved_, 2), ::close(saved_);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int saved_ = -1;
};

// `factory` with its IVF<L> component's L replaced by `lists`
std::string WithLists(std::string factory, int64_t lists) {
  const std::string from = "IVF" + std::to_string(FactoryParameter(factory, "IVF"));
  return factory.replace(factory.find(from), from.size(), "IVF" + std::to_string(lists));
}
}  // namespace

std::vector<std::string> CalibrationOverrides(const Scenario& sc, int64_t users, int64_t items, int64_t steps) {
  std::vector<std::string> out = {"replicates=1", "steps=" + std::to_string(steps), "output.events=false",
                                  "output.graph=false",
                                  "population.n_users=" + std::to_string(std::min(sc.population.n_users, users))};
  if (sc.catalog.type != "synthetic") return out;
  const int64_t originals = sc.catalog.params.Int("n_items");
  if (originals <= items) return out;
  out.push_back("catalog.n_items=" + std::to_string(items));
  // an IVF index keeps its lists' length: L scaled with the catalog, nprobe kept up to L
  const int64_t lists = FactoryParameter(sc.index.factory, "IVF");
  if (lists > 0) {
    const double scale = static_cast<double>(items) / static_cast<double>(originals);
    const int64_t small = std::max<int64_t>(1, std::llround(static_cast<double>(lists) * scale));
    out.push_back("index.factory=" + WithLists(sc.index.factory, small));
    out.push_back("index.nprobe=" + std::to_string(std::min<int64_t>(sc.index.nprobe, small)));
  }
  return out;
}

CostPrediction PredictCost(const Scenario& sc, const std::string& path, const std::vector<std::string>& sets,
                           const std::vector<std::string>& arms, int shards) {
  return PredictCost(sc, FileLoader(path, sets), arms, shards);
}

CostPrediction PredictCost(const Scenario& sc, const ScenarioLoader& load, const std::vector<std::string>& arms,
                           int shards) {
  if (std::any_of(sc.arms.begin(), sc.arms.end(), [](const ArmSpec& a) { return a.world != nullptr; }))
    throw InputError(sc.file,
                     "this prediction is for user simulations; a world of platforms has its own "
                     "(PredictWorldCost, experiment/world_cost.h)");
  const std::optional<CatalogShape> shape = EstimateCatalogShape(sc);
  if (!shape)
    throw InputError(sc.file, "the catalog's size cannot be told before it is loaded, so no cost is predicted");
  constexpr int64_t kUsers = 8192, kItems = 20000, kSteps = 3;
  const double program = ResidentBytes();  // before the calibration allocates anything
  // one calibration: per arm, seconds per step outside and inside search
  struct Measured {
    std::vector<std::string> arms;
    std::vector<double> rest, search;
    Scenario sc;
    CatalogShape shape;
  };
  auto calibrate = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> all = CalibrationOverrides(sc, kUsers, kItems, kSteps);
    for (const std::string& s : extra) all.push_back(s);
    Measured m;
    m.sc = load(all);
    if (!arms.empty()) SelectArms(m.sc, arms);
    m.shape = *EstimateCatalogShape(m.sc);
    // twice, keeping each arm's faster run: another job on the machine only ever adds time
    for (int rep = 0; rep < 2; ++rep) {
      const RunResult res = RunScenario(m.sc);
      for (size_t k = 0; k < res.runs.size(); ++k) {
        const ArmRun& run = res.runs[k];
        const double step = run.times.total_s / kSteps, search = std::min(run.times.retrieve_s / kSteps, step);
        if (rep == 0) {
          m.arms.push_back(run.arm);
          m.rest.push_back(step - search);
          m.search.push_back(search);
        } else if (step < m.rest[k] + m.search[k]) {
          m.rest[k] = step - search, m.search[k] = search;
        }
      }
    }
    return m;
  };
  const Measured a = calibrate({});
  const double n = static_cast<double>(shape->items), d = static_cast<double>(shape->dim);
  const double na = static_cast<double>(a.shape.items), da = static_cast<double>(a.shape.dim);
  const int64_t lists = FactoryParameter(a.sc.index.factory, "IVF");
  // an IVF index: a second calibration on the same items with the full run's number of
  // lists where the items allow (its coarse quantizer is the full run's; its lists short),
  // else four times as many lists as the first
  std::optional<Measured> b;
  IvfWork wa, wb;
  const int64_t full_lists = FactoryParameter(sc.index.factory, "IVF");
  if (lists > 0 && full_lists > 0) {
    int64_t more = std::min<int64_t>(full_lists, a.shape.items / 2);
    if (more <= lists) more = std::min<int64_t>(lists * 4, a.shape.items / 2);
    if (more > lists) {
      // FAISS warns on stderr when k-means gets fewer than 39 points a centroid: true here,
      // and harmless (the calibration times the search, not the clustering's quality)
      QuietStderr quiet;
      b = calibrate({"index.factory=" + WithLists(a.sc.index.factory, more)});
      wa = IvfSearchWork(a.sc.index.factory, a.sc.index.nprobe, na, da);
      wb = IvfSearchWork(b->sc.index.factory, b->sc.index.nprobe, na, da);
    }
  }
  const IvfWork full = IvfSearchWork(sc.index.factory, sc.index.nprobe, n, d);
  const double ratio = SearchWork(sc.index.factory, sc.index.nprobe, sc.index.ef_search, n, d) /
                       SearchWork(a.sc.index.factory, a.sc.index.nprobe, a.sc.index.ef_search, na, da);

  CostPrediction p;
  p.calibration_users = a.sc.population.n_users + a.sc.puppets.total();
  p.calibration_items = a.shape.items;
  p.calibration_steps = kSteps;
  p.calibration_factory = a.sc.index.factory + (b ? " and " + b->sc.index.factory : "");
  const double users = std::ceil(static_cast<double>(sc.population.n_users + sc.puppets.total()) / std::max(shards, 1));
  p.user_ratio = users / static_cast<double>(p.calibration_users);
  p.search_work_ratio = 0;
  for (size_t k = 0; k < a.arms.size(); ++k) {
    double search = a.search[k] * ratio;
    if (b) {
      // search = x·coarse + y·lists at both calibrations; a negative x (noise) is taken as 0
      const double det = wa.coarse * wb.lists - wb.coarse * wa.lists;
      double x = (a.search[k] * wb.lists - b->search[k] * wa.lists) / det;
      double y = (wa.coarse * b->search[k] - wb.coarse * a.search[k]) / det;
      if (x < 0 || y < 0) x = 0, y = a.search[k] / wa.lists;
      search = x * full.coarse + y * full.lists;
    }
    ArmCost c;
    c.arm = a.arms[k];
    c.calibration_seconds_per_step = a.rest[k] + a.search[k];
    c.search_share = c.calibration_seconds_per_step > 0 ? a.search[k] / c.calibration_seconds_per_step : 0;
    c.seconds_per_step = p.user_ratio * (a.rest[k] + search);
    p.seconds_per_step += c.seconds_per_step / static_cast<double>(a.arms.size());
    p.search_work_ratio += (a.search[k] > 0 ? search / a.search[k] : ratio) / static_cast<double>(a.arms.size());
    p.arms.push_back(c);
  }
  p.run_seconds = static_cast<double>(sc.replicates) * static_cast<double>(sc.arms.size()) *
                  static_cast<double>(sc.steps) * p.seconds_per_step;
  p.program_bytes = program;
  p.memory = EstimateMemory(sc, *shape, shards);
  p.peak_bytes = p.memory.total + program;
  return p;
}

}  // namespace counterpoint
