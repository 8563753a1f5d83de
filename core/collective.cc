#include "core/collective.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace counterpoint {

void SerialCollective::AllGather(const void* send, void* recv, const std::vector<int64_t>& bytes) const {
  if (!bytes.empty() && bytes[0] > 0 && send != recv) std::memmove(recv, send, static_cast<size_t>(bytes[0]));
}

void SumOverRanks(const Collective& comm, std::initializer_list<std::span<int64_t>> parts) {
  if (comm.size() == 1) return;
  std::vector<int64_t> packed;
  for (const auto& p : parts) packed.insert(packed.end(), p.begin(), p.end());
  comm.AllReduceSum(packed.data(), static_cast<int64_t>(packed.size()));
  auto at = packed.begin();
  for (const auto& p : parts) {
    std::copy_n(at, p.size(), p.begin());
    at += static_cast<std::ptrdiff_t>(p.size());
  }
}

void BroadcastFrom(const Collective& comm, int root, std::span<int64_t> data) {
  if (comm.size() == 1) return;
  // a gather in which only the root sends
  std::vector<int64_t> bytes(comm.size(), 0);
  bytes[root] = static_cast<int64_t>(data.size_bytes());
  std::vector<int64_t> root_copy(data.size());
  comm.AllGather(data.data(), root_copy.data(), bytes);
  std::copy(root_copy.begin(), root_copy.end(), data.begin());
}

void SerialCollective::Abort(int code) const { std::exit(code); }

const Collective& Serial() {
  static const SerialCollective serial;
  return serial;
}

RankSlice SliceOf(int64_t n, int64_t block, int rank) {
  const int64_t begin = std::min(n, block * rank);
  return {begin, std::min(n, begin + block)};
}

}  // namespace counterpoint
