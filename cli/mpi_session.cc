#include "cli/mpi_session.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/error.h"

#ifdef COUNTERPOINT_HAVE_MPI
#include <mpi.h>
#endif

namespace counterpoint::cli {

namespace {

// the world size the launcher announced, 0 when this process was not launched as a rank
int LauncherWorldSize() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (const char* v = std::getenv(var)) return std::max(1, std::atoi(v));
  if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) return 1;
  return 0;
}

#ifdef COUNTERPOINT_HAVE_MPI
class MpiCollective final : public Collective {
 public:
  MpiCollective() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void AllGather(const void* send, void* recv, const std::vector<int64_t>& bytes) const override {
    // counts in MPI_BYTE as int, so under 2 GiB in all: a batch's candidates and per-user
    // values stay far below it; a step's impression log (output.events) and the induced
    // graph's edges (output.graph) are the largest gathers (a sharded checkpoint gathers
    // only its parts' digests)
    std::vector<int> counts(size_), displs(size_);
    int64_t offset = 0;
    const char* why =
        "MPI gather above 2 GiB (replicated retrieval: lower batch_size; otherwise a step's impression log or "
        "the induced graph: turn off output.events or output.graph at this scale)";
    for (int r = 0; r < size_; ++r) {
      if (bytes[r] > INT32_MAX) throw std::runtime_error(why);
      counts[r] = static_cast<int>(bytes[r]);
      displs[r] = static_cast<int>(offset);
      offset += bytes[r];
      if (offset > INT32_MAX) throw std::runtime_error(why);
    }
    MPI_Allgatherv(send, counts[rank_], MPI_BYTE, recv, counts.data(), displs.data(), MPI_BYTE, MPI_COMM_WORLD);
  }
  void AllReduceSum(int64_t* data, int64_t n) const override {
    // in pieces of at most 2^28 elements (MPI counts are int)
    for (int64_t at = 0; at < n; at += int64_t{1} << 28) {
      const int count = static_cast<int>(std::min<int64_t>(n - at, int64_t{1} << 28));
      MPI_Allreduce(MPI_IN_PLACE, data + at, count, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    }
  }
  bool AnyTrue(bool local) const override {
    int in = local ? 1 : 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out != 0;
  }
  void Barrier() const override { MPI_Barrier(MPI_COMM_WORLD); }
  [[noreturn]] void Abort(int code) const override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::exit(code);
  }

 private:
  int rank_ = 0, size_ = 1;
};
#endif

std::unique_ptr<Collective>& IndexedCatalog() {
  static std::unique_ptr<Collective> world;
  return world;
}

}  // namespace

void StartMpi(int* argc, char*** argv) {
  const int announced = LauncherWorldSize();
  if (announced == 0) return;
#ifdef COUNTERPOINT_HAVE_MPI
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) MPI_Init(argc, argv);
  IndexedCatalog() = std::make_unique<MpiCollective>();
#else
  if (announced > 1)
    throw InputError("mpirun", "this counterpoint was built without MPI, so its " + std::to_string(announced) +
                                   " processes would each run the whole scenario; rebuild with "
                                   "-DCOUNTERPOINT_MPI=ON (scripts/setup.sh does) or run it without mpirun");
#endif
}

void FinishMpi() {
#ifdef COUNTERPOINT_HAVE_MPI
  if (IndexedCatalog()) {
    IndexedCatalog().reset();
    MPI_Finalize();
  }
#endif
}

const Collective* MpiWorld() {
  return IndexedCatalog() && IndexedCatalog()->size() > 1 ? IndexedCatalog().get() : nullptr;
}
int MpiRank() { return IndexedCatalog() ? IndexedCatalog()->rank() : 0; }
int MpiSize() { return IndexedCatalog() ? IndexedCatalog()->size() : 1; }

std::string RankPrefix() {
  return MpiSize() > 1 ? "[rank " + std::to_string(MpiRank()) + "/" + std::to_string(MpiSize()) + "] " : "";
}

}  // namespace counterpoint::cli
