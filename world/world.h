// A world of platforms in one run (docs/crisis.md): an attack live-streamed on one platform
// and re-uploaded across all of them, each platform screening uploads against the hashes
// it may use, detecting and reviewing what gets through, and contributing the hashes of
// its removals to a database shared with a delay. Steps run in lockstep, minutes_per_step
// minutes each; every draw is keyed by (seed, upload, minute), so arms that differ only in
// policy see the same uploads arrive (common random numbers).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metric_spec.h"
#include "embeddings/hash_database.h"
#include "world/audience.h"
#include "world/preservation.h"
#include "world/world_config.h"
#include "world/world_log.h"

namespace counterpoint {

/// The incident's rates at `minute`, per minute: re-upload attempts (rising over
/// ramp_minutes, then decaying over decay_hours) and news reports (decaying), both from
/// reuploads_start_minute on. A world draws its uploads as Poisson counts of them.
struct UploadRates {
  double copies = 0, news = 0;
};
UploadRates UploadRatesAt(const WorldConfig& w, int64_t minute);

/// The metric columns a world writes: each overall and per platform (`<name>@<platform>`).
const std::vector<MetricSpec>& WorldMetrics();

class World {
 public:
  /// `audiences`: empty, or one per platform (null: views at the platform's parametric rate).
  World(const WorldConfig& config, uint64_t seed, std::vector<std::unique_ptr<Audience>> audiences = {});
  ~World();
  World(World&&) noexcept;
  World& operator=(World&&) noexcept;

  /// Runs step t (minutes [t * minutes_per_step, (t + 1) * minutes_per_step)).
  void Step(int64_t t);
  /// The columns WriteRow fills: WorldMetrics' names overall, then per platform.
  const std::vector<std::string>& columns() const { return columns_; }
  /// The metrics after the last step.
  void WriteRow(double* row) const;
  const WorldLog& log() const { return log_; }
  /// The log, moved out (the world is done with).
  WorldLog TakeLog() && { return std::move(log_); }
  /// Whether the emergency protocol is active at `minute`.
  bool ProtocolActive(int64_t minute) const { return protocol_from_ >= 0 && minute >= protocol_from_; }
  /// The hashes platform p can match against now (its own removals' and the shared ones usable to it).
  const HashDatabase& usable_hashes(int p) const { return *usable_[p]; }
  /// The stream's hash, then each upload's, kHashBytes each.
  const std::vector<uint8_t>& codes() const { return codes_; }

 private:
  struct Queued {
    int64_t item;
    RemovalChannel channel;
  };
  struct Pending {  // a contributed hash waiting until it is usable on a platform
    int64_t minute;
    int64_t seq;
    int32_t platform;
    int64_t item;
    bool operator>(const Pending& o) const { return minute != o.minute ? minute > o.minute : seq > o.seq; }
  };
  struct Counts {
    double attack_uploads = 0, blocked = 0, removed = 0, live = 0, views = 0, decided = 0, within_hour = 0,
           hashes_shared = 0, news_uploads = 0, news_hit = 0, news_restored = 0, orders = 0, orders_decided = 0,
           orders_met = 0, notices = 0, notices_decided = 0, notices_answered = 0, retry_uploads = 0;
  };
  struct Retry {  // a blocked copy's uploader trying again on another platform
    int64_t minute;
    int64_t seq;
    int64_t blocked;
    int32_t platform;
    bool operator>(const Retry& o) const { return minute != o.minute ? minute > o.minute : seq > o.seq; }
  };

  /// `key` keys its draws (UploadRecord::key).
  int64_t AddUpload(int platform, UploadKind kind, int64_t parent, int64_t minute, uint8_t copy_kind, double flip_rate,
                    bool verified, uint64_t key);
  /// An attack copy of `source` on `platform`: a re-encode, or an edit with edit_probability.
  int64_t AddCopy(int platform, int64_t source, int64_t minute, uint64_t key);
  /// Whether the uploader of `item`, blocked at upload at `minute`, tries again elsewhere, and where.
  void ScheduleRetry(int64_t item, int64_t minute);
  void Screen(const std::vector<int64_t>& items, int64_t minute);
  /// Blocks (outcome kBlocked) or removes (kRemoved) an upload.
  void TakeDown(int64_t item, UploadOutcome outcome, RemovalChannel channel, int64_t minute);
  void GoLive(int64_t item, int64_t minute);
  void Contribute(int64_t item, int64_t minute);
  void Enqueue(int64_t item, RemovalChannel channel);
  void Uploads(int64_t t, int64_t minute);
  void Views(int64_t minute);
  /// Steps the platforms' simulated audiences: seats for the copies gone live, down for
  /// those taken down, and each seat's clicks.
  void StepAudiences(int64_t minute);
  /// Trusted flaggers' notices about live items (attack copies, and news showing footage in error).
  void Notices(int64_t minute);
  void Review(int64_t minute);
  /// Platforms that re-scan: their live items against the hashes that became usable this step.
  void Rescan(int64_t minute);
  /// A hash of `item` usable on platform p from `minute` (its own removal's, or a shared one's).
  void MakeUsable(int p, int64_t item, int64_t minute);
  /// What a platform does with an upload or live item whose hash matched (label: the hash's
  /// item; channel: which hash, the picture's or the soundtrack's).
  void OnMatch(int64_t item, int64_t label, UploadOutcome outcome, int64_t minute,
               RemovalChannel channel = RemovalChannel::kHashMatch);
  /// Of the uploads `items` that matched no picture hash (label -1), those whose soundtrack
  /// hash matches one their platform holds, if it matches soundtracks: the matching item, else -1.
  std::vector<int64_t> MatchSoundtracks(const std::vector<int64_t>& items, const std::vector<int64_t>& label) const;
  void Appeals(int64_t minute);
  void Tally(int64_t minute);
  int64_t SampleParent(double u) const;
  void AddWeight(int64_t item, double w);
  /// Whether the active protocol binds platform p (its members only).
  bool UnderProtocol(int platform, int64_t minute) const;
  /// The match radius on platform p.
  int Radius(int platform, int64_t minute) const;

  WorldConfig cfg_;
  uint64_t seed_;
  int64_t m_;
  WorldLog log_;
  std::vector<uint8_t> codes_;
  std::vector<uint8_t> audio_codes_;                                ///< each upload's soundtrack hash
  std::vector<std::unique_ptr<HashDatabase>> usable_audio_;         ///< per platform matching soundtracks
  std::vector<std::unique_ptr<HashDatabase>> usable_;               ///< per platform
  std::unique_ptr<HashDatabase> background_;                        ///< unrelated hashes held by the shared database
  std::vector<std::unordered_map<int64_t, int64_t>> usable_since_;  ///< per platform: item -> minute usable
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
  int64_t pending_seq_ = 0;
  std::vector<std::deque<Queued>> queues_;  ///< per platform x 4 priorities: orders, reports, classifier, safeguard
  std::vector<uint8_t> queued_;             ///< per upload: waiting for review
  std::vector<std::deque<std::pair<int64_t, int64_t>>> flags_due_;  ///< per platform: (minute, item) classifier flags
  std::vector<std::pair<int64_t, int64_t>> appeals_;                ///< (minute, item) restorations due, in order
  size_t appeals_head_ = 0;
  std::vector<int64_t> live_;                          ///< live attack items
  std::vector<int64_t> live_news_;                     ///< live news reports showing footage
  std::vector<uint8_t> listed_;                        ///< per upload: in live_ or live_news_ (no item twice)
  std::vector<std::vector<int64_t>> fresh_;            ///< per platform: items whose hash became usable this step
  std::vector<std::vector<int64_t>> open_notices_;     ///< per platform: notices without feedback whose hour runs
  std::vector<std::vector<int64_t>> open_orders_;      ///< per platform: orders (WorldLog::orders) not yet decided
  std::vector<uint64_t> ordered_by_;                   ///< per upload: bit a set once authority a ordered it
  std::vector<std::vector<uint8_t>> authority_looks_;  ///< [authority][platform]: whether it looks there
  std::vector<double> fenwick_;  ///< views-so-far weights of attack items, for choosing a re-upload's source
  double weight_total_ = 0;
  size_t decided_cursor_ = 0;  ///< uploads whose hour has passed
  int64_t protocol_from_ = -1;
  uint64_t next_key_ = 0;         ///< the key of the next upload that is not a retry
  std::vector<int64_t> content_;  ///< per upload: the upload whose content it re-encodes (the stream, an edit, itself)
  std::vector<int64_t>
      audio_content_;  ///< per upload: the upload whose sound it carries (the stream, a re-cut, an excerpt, itself)
  std::priority_queue<Retry, std::vector<Retry>, std::greater<Retry>> retries_;
  int64_t retry_seq_ = 0;
  std::unique_ptr<Preservation> preservation_;  ///< what was taken down, kept for law enforcement
  std::vector<Counts> counts_;                  ///< per platform
  struct Seating {                              // a platform's simulated audience, and the world's side of it
    std::unique_ptr<Audience> audience;         ///< null: parametric views
    int64_t next_seat = 0;
    std::vector<int64_t> show, hide;              ///< seats to show and to take down at its next step
    std::vector<int64_t> clicks, at_risk_clicks;  ///< each seat's in its last step, all and by users at risk
    std::vector<int64_t> news_item;               ///< per news seat taken: the news report in it
    double unseated = 0;                          ///< live copies that found no seat
    double views_at_risk = 0;                     ///< views of copies by users at risk
    double news_views = 0;                        ///< views of news reports
    double unseated_news = 0;                     ///< news reports gone live that found no seat
    /// A seat to show at the next step, or one taken down since the last that stays up.
    void Show(int64_t seat);
    /// A seat to take down at the next step, or one shown since the last that the audience never sees.
    void Hide(int64_t seat);
  };
  std::vector<Seating> seating_;      ///< per platform
  std::vector<uint8_t> people_seen_;  ///< per person of the audiences: has viewed a copy
  double people_reached_ = 0, people_reached_at_risk_ = 0;
  bool audiences_ = false;     ///< some platform has a simulated audience
  std::vector<int64_t> seat_;  ///< per upload: its seat in its platform's audience, or -1
  std::vector<std::string> columns_;
  double protocol_active_now_ = 0;
};

}  // namespace counterpoint
