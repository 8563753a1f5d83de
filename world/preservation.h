// Preservation of removed content for law enforcement (docs/crisis.md, "Preservation"):
// every upload a platform blocks or removes is kept, never shown, for a retention period
// (the EU's Regulation 2021/784 on terrorist content online, Art. 6: six months), or until
// it is restored on appeal; authorities request access to what is kept, and every request
// is logged with what became of it (granted, released, expired).
#pragma once

#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include "world/world_config.h"
#include "world/world_log.h"

namespace counterpoint {

/// What a platform holds and has handed over, as a step ends.
struct PreservationCounts {
  double held = 0;       ///< items held now
  double held_news = 0;  ///< of which news reports (legitimate reporting kept for law enforcement)
  double requests = 0;   ///< access requests so far
  double granted = 0;    ///< of which granted
};

class Preservation {
 public:
  /// `looks[a][p]`: whether authority a looks at platform p (and so requests its items);
  /// `seed` keys the request times, one draw per (take-down, authority): arms that take down
  /// the same upload at the same minute see the same requests.
  Preservation(const PreservationConfig& config, uint64_t seed, std::vector<std::vector<uint8_t>> looks,
               size_t platforms);

  /// Keeps `upload`, taken down at `minute`, and schedules each authority's request for it.
  void Preserve(WorldLog& log, int64_t upload, int64_t minute);
  /// `upload`, restored on appeal at `minute`, is no longer held.
  void Release(WorldLog& log, int64_t upload, int64_t minute);
  /// Logs the requests due before `end` (the next step's first minute), in order of minute,
  /// and deletes what the retention period no longer covers at end - 1.
  void Advance(WorldLog& log, int64_t end);
  /// Per platform.
  const std::vector<PreservationCounts>& counts() const { return counts_; }

 private:
  struct Due {
    int64_t minute;
    int64_t seq;
    int64_t record;
    int32_t authority;
    bool operator>(const Due& o) const { return minute != o.minute ? minute > o.minute : seq > o.seq; }
  };
  PreservationConfig cfg_;
  int64_t retention_;  ///< minutes, the same for every record (extensions aside)
  uint64_t seed_;
  std::vector<std::vector<uint8_t>> looks_;
  void Drop(const WorldLog& log, const PreservedRecord& r);

  std::vector<int64_t> held_;  ///< per upload: its record while held (-1: none)
  size_t expiry_cursor_ = 0;   ///< records before it have expired or were released (retention is one length)
  std::vector<PreservationCounts> counts_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  /// extended records, by the end of their retention (until_minute, record): they leave the
  /// order in which the others expire
  std::priority_queue<std::pair<int64_t, int64_t>, std::vector<std::pair<int64_t, int64_t>>, std::greater<>> extended_;
  int64_t seq_ = 0;
};

}  // namespace counterpoint
