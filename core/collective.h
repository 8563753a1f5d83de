// Collective operations between the processes of one run (MPI ranks), behind an
// interface so the engine builds and runs without MPI (docs/cluster.md, "MPI").
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <vector>

namespace counterpoint {

/// The processes that run one simulation together. Every rank calls every operation
/// in the same order; the single-process implementation (SerialCollective) does no
/// communication.
class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Concatenates each rank's `bytes[rank]` bytes from `send` into `recv`, in rank order,
  /// on every rank (recv holds the sum of bytes). The counts are known to all ranks.
  virtual void AllGather(const void* send, void* recv, const std::vector<int64_t>& bytes) const = 0;
  /// Replaces `data[0..n)` on every rank by its sum over the ranks (exact: integers).
  virtual void AllReduceSum(int64_t* data, int64_t n) const = 0;
  /// True on every rank if `local` is true on any.
  virtual bool AnyTrue(bool local) const = 0;
  /// Returns once every rank has called it.
  virtual void Barrier() const = 0;
  /// Ends every rank of the run with this exit code (after the caller printed why).
  [[noreturn]] virtual void Abort(int code) const = 0;
};

/// One process: rank 0 of 1.
class SerialCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllGather(const void* send, void* recv, const std::vector<int64_t>& bytes) const override;
  void AllReduceSum(int64_t*, int64_t) const override {}
  bool AnyTrue(bool local) const override { return local; }
  void Barrier() const override {}
  [[noreturn]] void Abort(int code) const override;
};

/// Replaces each of `parts` (counters, histograms) on every rank by its sum over the
/// ranks, in one AllReduceSum; a scalar x is the part {&x, 1}. Nothing to do on one rank.
void SumOverRanks(const Collective& comm, std::initializer_list<std::span<int64_t>> parts);

/// Replaces `data` on every rank by rank `root`'s copy (the same length on every rank).
void BroadcastFrom(const Collective& comm, int root, std::span<int64_t> data);

/// Every rank's `local` elements concatenated in rank order, on every rank (the ranks may
/// hold different counts). With users in contiguous blocks by rank, per-user values come
/// back in user order, so a sum over them is the same, bit for bit, as one process's.
template <class T>
std::vector<T> GatherInRankOrder(const Collective& comm, const std::vector<T>& local) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (comm.size() == 1) return local;
  std::vector<int64_t> counts(comm.size());
  const int64_t mine = static_cast<int64_t>(local.size());
  comm.AllGather(&mine, counts.data(), std::vector<int64_t>(comm.size(), sizeof(int64_t)));
  int64_t total = 0;
  for (auto& c : counts) total += c, c *= static_cast<int64_t>(sizeof(T));
  std::vector<T> all(static_cast<std::size_t>(total));
  comm.AllGather(local.data(), all.data(), counts);
  return all;
}

/// The shared single-process instance (what a null Collective pointer means).
const Collective& Serial();

/// The slice [begin, end) of n items that rank `rank` of `size` takes when n is cut into
/// consecutive blocks of `block` (rank r takes block r; a short last block; none past n).
struct RankSlice {
  int64_t begin = 0, end = 0;
};
RankSlice SliceOf(int64_t n, int64_t block, int rank);

}  // namespace counterpoint
