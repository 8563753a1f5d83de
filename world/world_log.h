// What a world of platforms records of every upload (uploads.csv, docs/crisis.md): where it
// went, what it copies, how far its hash lies from its parent's and the original's, and what
// became of it, so that every figure of a crisis run can be recounted without the tool.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace counterpoint {

/// What an upload is.
enum class UploadKind : uint8_t {
  kStream,  ///< the live stream (the incident's first item)
  kCopy,    ///< a re-upload of the attack footage
  kNews,    ///< a news report (legitimate; a share excerpt the footage)
};
const char* UploadKindName(UploadKind k);

/// Where an upload stands.
enum class UploadOutcome : uint8_t {
  kLive,     ///< visible on its platform
  kBlocked,  ///< refused at upload
  kRemoved,  ///< removed after upload
  kPending,  ///< held for human review before it is shown (the news safeguard)
};
const char* UploadOutcomeName(UploadOutcome o);

/// What blocked or flagged an upload: the channel a removal is counted under.
enum class RemovalChannel : uint8_t {
  kNone,
  kHashMatch,       ///< matched a hash the platform could use
  kClassifier,      ///< the platform's classifier (at upload, or its later flag)
  kUserReport,      ///< a viewer's report
  kOrder,           ///< an authority's removal order
  kSafeguard,       ///< the news safeguard's review
  kTrustedFlagger,  ///< a trusted flagger's notice (assessed before users' reports)
  kAudioMatch,      ///< its soundtrack matched a soundtrack hash the platform could use
};
const char* RemovalChannelName(RemovalChannel c);

struct UploadRecord {
  int32_t platform = 0;
  UploadKind kind = UploadKind::kCopy;
  uint8_t copy_kind = 0;     ///< a CopyKind (embeddings/perceptual_hash.h): how its hash derives from its parent's
  bool verified = false;     ///< a news report from a verified news account
  bool hash_usable = true;   ///< its hash is of usable quality (else never matched or shared)
  bool audio_usable = true;  ///< it has a soundtrack hash (a muted copy, and its copies, have none)
  int64_t parent = -1;       ///< the upload it copies (-1: none; a news report without footage)
  int64_t minute = 0;        ///< of the upload
  int32_t distance_to_parent = 0;
  int32_t distance_to_original = 0;        ///< Hamming distance to the stream's hash
  int32_t audio_distance_to_original = 0;  ///< of its soundtrack hash to the stream's (-1: none)
  UploadOutcome outcome = UploadOutcome::kLive;
  RemovalChannel channel = RemovalChannel::kNone;
  int64_t outcome_minute = -1;   ///< when it was blocked or removed (-1: live)
  int64_t restored_minute = -1;  ///< a news report restored on appeal (-1: not)
  UploadOutcome hit =
      UploadOutcome::kLive;          ///< a news report's first block or removal (kLive: none), kept after a restoration
  int64_t order_minute = -1;         ///< receipt of the first removal order for it (-1: none; orders: WorldLog::orders)
  double views = 0;                  ///< views while live
  int32_t match_platform = -1;       ///< blocked by hash: the platform whose removal gave the matching hash (-1: none)
  int64_t match_usable_minute = -1;  ///< and the minute that hash became usable on this upload's platform
  int64_t notice_minute = -1;        ///< receipt of a trusted flagger's notice about it (-1: none)
  int64_t feedback_minute = -1;      ///< when the flagger was told the action taken (-1: not yet)
  bool notice_upheld = false;        ///< the action: removed (true) or kept (false)
  int64_t retry_of = -1;  ///< the same uploader's copy blocked on another platform that this retries (-1: none)
  /// Keys every random draw about this upload: the n-th upload that is not a retry has key n
  /// (its id when nobody retries), a retry one derived from the blocked copy's, so arms with
  /// and without retries draw the same for the same upload (common random numbers).
  uint64_t key = 0;
};

/// One removal order: which authority sent it, about which upload, when, and its deadline.
struct OrderRecord {
  int64_t upload = 0;
  int32_t authority = 0;  ///< index into WorldLog::authorities
  int64_t minute = 0;     ///< receipt
  int64_t deadline_minute = 0;
};

/// Whether order o was met: its upload blocked or removed by the order's deadline (the one
/// rule the metrics, the transparency report and orders.csv count by).
inline bool OrderMet(const OrderRecord& o, const UploadRecord& u) {
  return u.outcome_minute >= 0 && u.outcome_minute <= o.deadline_minute;
}

/// Whether the trusted flagger who notified r was told the action within `minutes` of the notice.
inline bool NoticeAnsweredWithin(const UploadRecord& r, int64_t minutes) {
  return r.notice_minute >= 0 && r.feedback_minute >= 0 && r.feedback_minute - r.notice_minute <= minutes;
}

/// One removed or blocked upload kept for law enforcement (docs/crisis.md, "Preservation"):
/// from its take-down until its retention ends, or until it is restored on appeal (then
/// it is shown again and no longer held). Never shown while held.
struct PreservedRecord {
  int64_t upload = 0;
  int64_t minute = 0;            ///< taken down and preserved
  int64_t until_minute = 0;      ///< the retention period ends (minute + retention, or a later extension's end)
  int64_t released_minute = -1;  ///< restored on appeal (-1: not)
  int64_t extended_minute = -1;  ///< the last request that extended the retention (Art. 6(2); -1: none)
};

/// Whether preserved record r is held at `minute` (preserved, not yet released or expired).
inline bool HeldAt(const PreservedRecord& r, int64_t minute) {
  return r.minute <= minute && minute < r.until_minute && (r.released_minute < 0 || minute < r.released_minute);
}

/// What became of a law-enforcement request for a preserved item.
enum class AccessResult : uint8_t {
  kGranted,   ///< held at the request's minute: handed over
  kReleased,  ///< restored on appeal before the request: no longer held
  kExpired,   ///< the retention period had ended: deleted
};
const char* AccessResultName(AccessResult a);

/// One request by an authority for a preserved item: the access log.
struct AccessRecord {
  int64_t record = 0;     ///< index into WorldLog::preserved
  int32_t authority = 0;  ///< index into WorldLog::authorities
  int64_t minute = 0;
  AccessResult result = AccessResult::kGranted;
};

/// The result of a request at `minute` for preserved record r.
inline AccessResult AccessAt(const PreservedRecord& r, int64_t minute) {
  if (r.released_minute >= 0 && minute >= r.released_minute) return AccessResult::kReleased;
  if (minute >= r.until_minute) return AccessResult::kExpired;
  return AccessResult::kGranted;
}

/// One world run's uploads, in upload order (ids are indexes).
struct WorldLog {
  std::vector<std::string> platforms;
  int64_t minutes_per_step = 1;
  int64_t last_minute = 0;                 ///< the last step's first minute (the hour counts run to it)
  std::vector<std::string> authorities;    ///< who sends removal orders ("authority" first)
  std::vector<OrderRecord> orders;         ///< every removal order, in order of receipt
  std::vector<PreservedRecord> preserved;  ///< every take-down kept for law enforcement, in order
  std::vector<AccessRecord> accesses;      ///< every request for a preserved item, in order
  std::vector<UploadRecord> uploads;
};

}  // namespace counterpoint
