// Ranks played by threads of one process, for tests of MPI runs without MPI
// (SimOptions::collective; docs/cluster.md, "MPI").
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/collective.h"

namespace counterpoint::testing {

/// `size` ranks played by threads of this process: each collective copies every rank's block.
class ThreadRanks {
 public:
  explicit ThreadRanks(int size) : size_(size), sync_(size), send_(size), flags_(size) {}

  class Rank final : public Collective {
   public:
    Rank(ThreadRanks* all, int rank) : all_(all), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return all_->size_; }
    void AllGather(const void* send, void* recv, const std::vector<int64_t>& bytes) const override {
      all_->send_[rank_] = send;
      all_->sync_.arrive_and_wait();
      auto* out = static_cast<char*>(recv);
      for (int r = 0; r < all_->size_; ++r) {
        if (bytes[r] > 0) std::memcpy(out, all_->send_[r], bytes[r]);
        out += bytes[r];
      }
      all_->sync_.arrive_and_wait();  // no rank reuses its send buffer before all copied it
    }
    void AllReduceSum(int64_t* data, int64_t n) const override {
      all_->send_[rank_] = data;
      all_->sync_.arrive_and_wait();
      std::vector<int64_t> sum(n, 0);
      for (int r = 0; r < all_->size_; ++r)
        for (int64_t i = 0; i < n; ++i) sum[i] += static_cast<const int64_t*>(all_->send_[r])[i];
      all_->sync_.arrive_and_wait();  // every rank read every input before any overwrites its own
      std::copy(sum.begin(), sum.end(), data);
    }
    bool AnyTrue(bool local) const override {
      all_->flags_[rank_] = local;
      all_->sync_.arrive_and_wait();
      bool any = false;
      for (int r = 0; r < all_->size_; ++r) any = any || all_->flags_[r];
      all_->sync_.arrive_and_wait();
      return any;
    }
    void Barrier() const override { all_->sync_.arrive_and_wait(); }
    [[noreturn]] void Abort(int) const override { std::abort(); }

   private:
    ThreadRanks* all_;
    int rank_;
  };

 private:
  int size_;
  std::barrier<> sync_;
  std::vector<const void*> send_;
  std::vector<char> flags_;
};

/// Runs body(rank, comm) on `size` threads, one per rank, and waits for all of them.
inline void RunRanks(int size, const std::function<void(int, const Collective&)>& body) {
  ThreadRanks world(size);
  std::vector<std::unique_ptr<ThreadRanks::Rank>> comms;
  for (int r = 0; r < size; ++r) comms.push_back(std::make_unique<ThreadRanks::Rank>(&world, r));
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) threads.emplace_back([&, r] { body(r, *comms[r]); });
  for (auto& t : threads) t.join();
}

}  // namespace counterpoint::testing
