// What happened to items on the platform: uploads, flags, removals, blocks,
// restorations and re-uploads, with the channel that acted and its latency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recommender/batch.h"

namespace counterpoint {

enum class ModerationEvent : uint8_t { kUploaded, kFlagged, kRemoved, kBlocked, kRestored, kReuploaded, kCleared };
enum class ModerationChannel : uint8_t { kNone, kClassifier, kTrustedFlagger, kHashMatch, kAppeal };
/// The last of each (for loops over every value).
inline constexpr ModerationEvent kLastModerationEvent = ModerationEvent::kCleared;
inline constexpr ModerationChannel kLastModerationChannel = ModerationChannel::kAppeal;

/// Names as written in moderation.csv (docs/interventions.md, "Event logs").
const char* EventName(ModerationEvent e);
const char* ChannelName(ModerationChannel c);

struct ModerationRecord {
  int64_t step = 0;
  int64_t item = 0;
  ModerationEvent event = ModerationEvent::kUploaded;
  ModerationChannel channel = ModerationChannel::kNone;
  int64_t latency_steps = 0;  ///< steps from the item's upload (or removal, for restorations) to this event
};

/// One impression: a slate slot shown to a user (impressions.csv).
struct ImpressionRecord {
  int32_t step = 0;
  int32_t user = 0;
  int64_t item = 0;
  int64_t organisation = -1;  ///< the creator of a counter-narrative; -1 for other items
  uint16_t position = 0;
  uint8_t provenance = 0;  ///< Provenance
  uint8_t clicked = 0;
  uint8_t dismissed = 0;  ///< the user marked it "not interested" (ChoiceBuffer::dismissed)
};

/// The only way item statuses change during a run: each change is recorded, so the
/// event log and the item states cannot disagree. Changes made during step t are in
/// force from step t + 1 (hooks that call these run after the step's slates).
class ItemActions {
 public:
  ItemActions(ItemState& items, std::vector<ModerationRecord>& log, int64_t step)
      : items_(items), log_(log), step_(step) {}

  const ItemState& items() const { return items_; }
  int64_t step() const { return step_; }
  /// Every record of the run so far, in order (read-only: interventions that react to
  /// removals, blocks or uploads keep a cursor into it).
  const std::vector<ModerationRecord>& log() const { return log_; }

  /// A pending item arrives (status live). Recorded as `uploaded`.
  void Upload(int64_t item, ModerationEvent event = ModerationEvent::kUploaded);
  /// A pending item is refused at upload; it never becomes live.
  void Block(int64_t item, ModerationChannel channel);
  /// Records that a channel flagged a live item for review (no status change).
  void Flag(int64_t item, ModerationChannel channel, int64_t latency_steps);
  /// A live item is taken down.
  void Remove(int64_t item, ModerationChannel channel, int64_t latency_steps);
  /// A review kept a flagged live item (no status change).
  void Clear(int64_t item, ModerationChannel channel, int64_t latency_steps);
  /// A removed item is put back (appeal).
  void Restore(int64_t item, ModerationChannel channel, int64_t latency_steps);

 private:
  void Record(int64_t item, ModerationEvent e, ModerationChannel c, int64_t latency);
  ItemState& items_;
  std::vector<ModerationRecord>& log_;
  int64_t step_;
};

}  // namespace counterpoint
