// Memory a run needs, estimated from the scenario before anything is allocated, and
// the limit it must fit in (docs/scenarios.md, "Memory").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiment/scenario.h"

namespace counterpoint {

/// Items and embedding dimension of a scenario's catalog.
struct CatalogShape {
  int64_t items = 0;
  int64_t dim = 0;
};

/// The catalog's shape without building it: the synthetic generator's from its parameters
/// (originals plus re-upload copies), the files source's from its .npy header (only the
/// header is read). Empty when it cannot be told (the loader will report why).
std::optional<CatalogShape> EstimateCatalogShape(const Scenario& sc);

/// Peak bytes of a run's large arrays, by part (see docs/scenarios.md for each count).
struct MemoryEstimate {
  std::vector<std::pair<std::string, double>> parts;  ///< (name, bytes), in the order they are allocated
  double total = 0;                                   ///< sum of the parts (double: never overflows)

  /// Bytes of the part `name`, or 0.
  double Part(const std::string& name) const;
};

/// Bytes of one index over n vectors of dimension d built by a FAISS factory string:
/// per-vector codes (Flat d*4, SQ8 d, SQ4 d/2, SQfp16 d*2, PQm m), with IVF<nlist> an id
/// per vector and nlist centroids, with HNSW<M> 2*M int32 links per vector (level 0) plus
/// the upper levels (about 1/(M-1) as many), with IDMap an id per vector.
double EstimateIndexBytes(const std::string& factory, int64_t n, int64_t d);

/// The number after `prefix` in the first component of a FAISS factory string that starts
/// with it ("IVF4096,Flat", "IVF" -> 4096; "HNSW32", "HNSW" -> 32), or -1 when none does.
int64_t FactoryParameter(const std::string& factory, const std::string& prefix);

/// The estimate for a scenario whose catalog has `shape`, for one process; with `shards`
/// > 1, for one rank of a run whose users are sharded over that many ranks (its largest
/// block of users; the catalog, index and event log are whole on every rank). With
/// `checkpoints` (--checkpoint), the buffer a checkpoint's state is serialised into.
MemoryEstimate EstimateMemory(const Scenario& sc, const CatalogShape& shape, int shards = 1, bool checkpoints = false);

/// A memory limit and where it comes from.
struct MemoryLimit {
  double bytes = 0;
  std::string source;  ///< e.g. "MemAvailable in /proc/meminfo", "--memory-limit"
};

/// The smallest of: available memory (MemAvailable in /proc/meminfo, else physical RAM),
/// the address-space limit (RLIMIT_AS, ulimit -v) and the cgroup's memory.max, if set.
MemoryLimit SystemMemoryLimit();

/// Parses a size such as "8G", "512MiB", "1.5GB" or "1048576" (binary multiples: K, M, G, T,
/// with an optional "iB" or "B"). Throws InputError naming `where` if it is not one.
double ParseMemorySize(const std::string& text, const std::string& where = "--memory-limit");

/// "1.23 GiB", "512 MiB", ...
std::string FormatBytes(double bytes);

/// Throws InputError ("needs ~X (embeddings A, index B, ...); the limit is Y (source); reduce ...")
/// when the estimate exceeds the limit.
void CheckMemory(const MemoryEstimate& estimate, const MemoryLimit& limit);

/// Estimates the scenario's memory and checks it against `limit` (the system's when empty).
/// Does nothing when the catalog's shape cannot be told before loading it.
void CheckScenarioMemory(const Scenario& sc, const std::optional<MemoryLimit>& limit = std::nullopt, int shards = 1,
                         bool checkpoints = false);

}  // namespace counterpoint
