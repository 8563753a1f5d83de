#include "experiment/memory_estimate.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/io.h"
#include "embeddings/catalog_source.h"
#include "recommender/intervention.h"
#include "recommender/moderation_log.h"

namespace counterpoint {

namespace {

// rows and columns from an .npy header, or nothing (the loader reports what is wrong)
std::optional<CatalogShape> NpyShape(const std::string& path) {
  // never open a FIFO (it would block) or a directory: the loader names those
  if (!UnreadableFileReason(path).empty()) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::string head(4096, '\0');
  if (!in.read(head.data(), head.size()) && in.gcount() <= 0) return std::nullopt;
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.compare(0, 6, "\x93NUMPY") != 0) return std::nullopt;
  const size_t key = head.find("'shape'");
  const size_t open = head.find('(', key == std::string::npos ? head.size() : key);
  const size_t close = head.find(')', open == std::string::npos ? head.size() : open);
  if (close == std::string::npos) return std::nullopt;
  std::vector<int64_t> dims;
  std::stringstream ss(head.substr(open + 1, close - open - 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    try {
      dims.push_back(std::stoll(item));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (dims.empty() || dims.size() > 2 || dims[0] < 0 || (dims.size() == 2 && dims[1] < 0)) return std::nullopt;
  // a size in bytes past 64 bits is the loader's error to report ("too large"), not an estimate
  const int64_t cols = dims.size() == 2 ? dims[1] : 1;
  if (cols > 0 && dims[0] > std::numeric_limits<int64_t>::max() / 8 / cols) return std::nullopt;
  return CatalogShape{dims[0], dims.size() == 2 ? dims[1] : 1};
}

// the number after `prefix` at the start of a factory component ("IVF256" -> 256), or -1
int64_t Suffix(const std::string& part, const std::string& prefix) {
  if (part.rfind(prefix, 0) != 0) return -1;
  size_t end = prefix.size();
  while (end < part.size() && std::isdigit(static_cast<unsigned char>(part[end]))) ++end;
  if (end == prefix.size()) return -1;
  try {
    return std::stoll(part.substr(prefix.size(), end - prefix.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

std::optional<CatalogShape> EstimateCatalogShape(const Scenario& sc) {
  const Params& p = sc.catalog.params;
  if (sc.catalog.type == "synthetic") {
    const SyntheticCatalogParams s = SyntheticParamsFrom(p);
    // the pools' copies: the expected numbers, reupload_copies per pooled extremist item and
    // news_copies per pooled news report
    const double copies =
        std::ceil(static_cast<double>(s.n_items) * s.share_extremist * s.reupload_pool) * s.reupload_copies +
        std::ceil(static_cast<double>(s.n_items) * s.share_news_reporting * s.news_pool) * s.news_copies;
    return CatalogShape{s.n_items + static_cast<int64_t>(copies), s.dim};
  }
  if (sc.catalog.type == "files") return NpyShape(ResolveInputPath(sc.base_dir, p.String("embeddings")));
  return std::nullopt;
}

int64_t FactoryParameter(const std::string& factory, const std::string& prefix) {
  std::stringstream ss(factory);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const int64_t v = Suffix(Trim(part), prefix);
    if (v >= 0) return v;
  }
  return -1;
}

double MemoryEstimate::Part(const std::string& name) const {
  for (const auto& [n, b] : parts)
    if (n == name) return b;
  return 0;
}

double EstimateIndexBytes(const std::string& factory, int64_t n, int64_t d) {
  const double nd = static_cast<double>(n), dd = static_cast<double>(d);
  double per_vector = dd * 4;  // codes: Flat unless a later component says otherwise
  double extra = 0;
  std::stringstream ss(factory);
  std::string part;
  while (std::getline(ss, part, ',')) {
    part = Trim(part);
    int64_t v;
    if ((v = Suffix(part, "IVF")) > 0) {
      extra += static_cast<double>(v) * dd * 4 + nd * 8;  // centroids, one id per vector
    } else if ((v = Suffix(part, "HNSW")) > 0) {
      // level 0 keeps 2M neighbours, upper levels M each for about 1/(M-1) of the vectors;
      // plus a level (int32) and an offset (size_t) per vector
      const double m = static_cast<double>(v);
      extra += nd * (2 * m * 4 + (m > 1 ? m * 4 / (m - 1) : m * 4) + 4 + 8);
    } else if (part.rfind("IDMap", 0) == 0) {
      extra += nd * 8;
    } else if (part == "SQ8") {
      per_vector = dd;
    } else if (part == "SQ4") {
      per_vector = std::ceil(dd / 2);
    } else if (part == "SQfp16") {
      per_vector = dd * 2;
    } else if ((v = Suffix(part, "PQ")) > 0) {
      per_vector = static_cast<double>(v);  // m bytes (8-bit codes)
    }
  }
  return nd * per_vector + extra;
}

MemoryEstimate EstimateMemory(const Scenario& sc, const CatalogShape& shape, int shards, bool checkpoints) {
  const double n = static_cast<double>(shape.items), d = static_cast<double>(shape.dim);
  // a rank of a sharded run holds its block of users: the largest is ceil(n_users / shards)
  const double users = std::ceil(static_cast<double>(sc.population.n_users + sc.puppets.total()) / std::max(shards, 1));
  const double h = sc.population.history_length;
  const double arms = static_cast<double>(sc.arms.size());
  MemoryEstimate e;
  auto add = [&](const std::string& name, double bytes) {
    if (bytes > 0) e.parts.emplace_back(name, bytes);
    e.total += bytes;
  };
  // catalog: float32 embeddings; label 1, extremity 4, harm 4, creator 8, topic 4, upload step 4,
  // parent 8 bytes per item; a files catalog keeps each item's id (a std::string, 32 bytes)
  add("embeddings", n * d * 4);
  add("item attributes", n * (33 + (sc.catalog.type == "files" ? 32 : 0)));
  // the largest index over all arms' needs: there is one per replicate
  add("index", EstimateIndexBytes(sc.index.factory, shape.items, shape.dim));
  // population: interest and estimate (d floats each), 4 traits, 3 counters (4 bytes), the
  // ring buffer of h items (4 bytes) and steps (4), head and count; one at a time (each arm
  // generates its own from the seed)
  const double per_user = 2 * d * 4 + 4 * 4 + 3 * 4 + h * (4 + 4) + 2 * 4;
  add("population", users * per_user);
  // per arm, one at a time: item state (status 1, clicks 8, impressions 8, a bit), the
  // step's count deltas (16), upload queues (16 at most); the active-user list (4 per user)
  add("item state", n * (1 + 8 + 8 + 16 + 16) + n / 8 + users * 4);
  // per-step buffers for the largest batch: queries, candidates (id 8, similarity 4, score 4),
  // slates (id 8, score 4, provenance 1, dismissed 1), clicks (8 each, max_clicks) and FAISS'
  // results (12 per candidate)
  int64_t max_k = 1, max_slate = 1;
  for (const auto& a : sc.arms) {
    max_k = std::max<int64_t>(max_k, a.options.candidates);
    max_slate = std::max<int64_t>(max_slate, a.options.slate_size);
  }
  const double max_clicks = sc.user_model.params.values().count("max_clicks")
                                ? static_cast<double>(sc.user_model.params.Int("max_clicks"))
                                : 1;
  // (a sharded rank holds every batch of its step, ceil(active / cap) of them, when an
  // intervention hands a budget on from rank to rank: Intervention::AllocatesAcrossRanks)
  bool held = false;
  for (const auto& a : sc.arms)
    for (const auto& iv : a.interventions)
      held |= shards > 1 && InterventionRegistry::Get().Find(iv.type)->factory(iv.params)->AllocatesAcrossRanks();
  const double batch = std::max(1.0, std::min(static_cast<double>(sc.batch_size), users));
  const double cap = held ? std::ceil(users / batch) * batch : batch;
  add("batch buffers", cap * (d * 4 + static_cast<double>(max_k) * (16 + 12) + static_cast<double>(max_slate) * 14 +
                              max_clicks * 8 + 4));
  // an IVF-Flat search keeps, per query of the batch, a buffer of 2k candidate keys
  // (8 bytes each) plus 40 of slack (embeddings/ivf_scanner.cc)
  if (FactoryParameter(sc.index.factory, "IVF") > 0 && sc.index.factory.find("Flat") != std::string::npos)
    add("IVF search buffers", batch * (static_cast<double>(max_k) * 16 + 320));
  // output.graph: each user's last clicks (8 each) and their count; the edges grow with the run
  if (sc.output_graph) add("induced graph", users * (max_clicks * 8 + 4));
  // metric rows: steps x about 64 columns per arm and replicate, kept for the summaries
  add("metrics", static_cast<double>(sc.replicates) * arms * static_cast<double>(sc.steps) * 64 * 8);
  // output.events: every impression of every arm and replicate is kept until written, then
  // written as text (about 40 bytes a row); sessions happen with the Beta mean probability
  if (sc.output_events) {
    const double session = sc.population.session_alpha / (sc.population.session_alpha + sc.population.session_beta);
    const double impressions = static_cast<double>(sc.replicates) * arms * static_cast<double>(sc.steps) *
                               static_cast<double>(sc.population.n_users + sc.puppets.total()) * session *
                               static_cast<double>(max_slate);
    add("event log", impressions * (sizeof(ImpressionRecord) + 40));
  }
  // --checkpoint: the state is serialised into one buffer before it is written (sealed and
  // written in pieces, not copied again): one copy of the population, the item counts and
  // statuses, the completed runs' metric rows, event records and graph counters
  if (checkpoints) {
    add("checkpoint buffer", users * per_user + n * (1 + 8 + 8) + e.Part("metrics") +
                                 e.Part("event log") * sizeof(ImpressionRecord) / (sizeof(ImpressionRecord) + 40) +
                                 e.Part("induced graph"));
  }
  return e;
}

MemoryLimit SystemMemoryLimit() {
  MemoryLimit limit{std::numeric_limits<double>::infinity(), "none found"};
  auto consider = [&](double bytes, const std::string& source) {
    if (bytes > 0 && bytes < limit.bytes) limit = {bytes, source};
  };
  // available memory, else physical RAM
  bool have_available = false;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream s(line.substr(13));
      double kib = 0;
      if (s >> kib) {
        consider(kib * 1024, "MemAvailable in /proc/meminfo");
        have_available = true;
      }
    }
  }
  if (!have_available) {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && page > 0) consider(static_cast<double>(pages) * static_cast<double>(page), "physical memory");
  }
  // the address-space limit
  rlimit rl{};
  if (::getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    consider(static_cast<double>(rl.rlim_cur), "RLIMIT_AS (ulimit -v)");
  // the cgroup's limit: v2 memory.max ("max" = none), else v1 memory.limit_in_bytes
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream f(path);
    std::string value;
    if (f >> value && value != "max") {
      try {
        consider(std::stod(value), std::string("cgroup limit ") + path);
      } catch (const std::exception&) {
      }
    }
  }
  return limit;
}

double ParseMemorySize(const std::string& text, const std::string& where) {
  const std::string bad = "'" + text + "' is not a memory size; write e.g. 8G, 512MiB or 1073741824 (bytes)";
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw InputError(where, bad);
  }
  std::string unit = Trim(text.substr(used));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double scale = 1;
  if (!unit.empty() && unit != "B") {
    const std::string prefixes = "KMGT";
    const size_t p = prefixes.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (p == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) throw InputError(where, bad);
    scale = std::pow(1024.0, static_cast<double>(p + 1));
  }
  if (!std::isfinite(value) || value <= 0) throw InputError(where, bad + " (it must be > 0)");
  return value * scale;
}

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) bytes /= 1024, ++u;
  std::ostringstream s;
  s.precision(3);
  s << bytes << ' ' << kUnits[u];
  return s.str();
}

void CheckMemory(const MemoryEstimate& estimate, const MemoryLimit& limit) {
  if (estimate.total <= limit.bytes) return;
  std::string parts;
  for (const auto& [name, bytes] : estimate.parts)
    parts += (parts.empty() ? "" : ", ") + name + " " + FormatBytes(bytes);
  throw InputError("memory",
                   "this run needs ~" + FormatBytes(estimate.total) + " (" + parts + "); the limit is " +
                       FormatBytes(limit.bytes) + " (" + limit.source +
                       "); reduce catalog.n_items, population.n_users, catalog.dim or batch_size, turn off "
                       "output.events, or pass --memory-limit if you know better (docs/scenarios.md, 'Memory')");
}

void CheckScenarioMemory(const Scenario& sc, const std::optional<MemoryLimit>& limit, int shards, bool checkpoints) {
  const std::optional<CatalogShape> shape = EstimateCatalogShape(sc);
  if (!shape) return;
  CheckMemory(EstimateMemory(sc, *shape, shards, checkpoints), limit ? *limit : SystemMemoryLimit());
}

}  // namespace counterpoint
