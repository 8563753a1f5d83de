#include "recommender/moderation_log.h"

#include <stdexcept>

namespace counterpoint {

const char* EventName(ModerationEvent e) {
  switch (e) {
    case ModerationEvent::kUploaded:
      return "uploaded";
    case ModerationEvent::kFlagged:
      return "flagged";
    case ModerationEvent::kRemoved:
      return "removed";
    case ModerationEvent::kBlocked:
      return "blocked";
    case ModerationEvent::kRestored:
      return "restored";
    case ModerationEvent::kReuploaded:
      return "reuploaded";
    case ModerationEvent::kCleared:
      return "cleared";
  }
  return "?";
}

const char* ChannelName(ModerationChannel c) {
  switch (c) {
    case ModerationChannel::kNone:
      return "";
    case ModerationChannel::kClassifier:
      return "classifier";
    case ModerationChannel::kTrustedFlagger:
      return "trusted_flagger";
    case ModerationChannel::kHashMatch:
      return "hash_match";
    case ModerationChannel::kAppeal:
      return "appeal";
  }
  return "?";
}

void ItemActions::Record(int64_t item, ModerationEvent e, ModerationChannel c, int64_t latency) {
  log_.push_back({step_, item, e, c, latency});
}

// a wrong transition is a bug in an intervention, never bad input
static void Expect(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("ItemActions: ") + what);
}

void ItemActions::Upload(int64_t item, ModerationEvent event) {
  Expect(items_.status[item] == ItemStatus::kPending, "upload of an item that is not pending");
  items_.SetStatus(item, ItemStatus::kLive);
  Record(item, event, ModerationChannel::kNone, 0);
}

void ItemActions::Block(int64_t item, ModerationChannel channel) {
  Expect(items_.status[item] == ItemStatus::kPending, "block of an item that is not pending");
  items_.SetStatus(item, ItemStatus::kBlocked);
  Record(item, ModerationEvent::kBlocked, channel, 0);
}

void ItemActions::Flag(int64_t item, ModerationChannel channel, int64_t latency_steps) {
  Record(item, ModerationEvent::kFlagged, channel, latency_steps);
}

void ItemActions::Remove(int64_t item, ModerationChannel channel, int64_t latency_steps) {
  Expect(items_.status[item] == ItemStatus::kLive, "removal of an item that is not live");
  items_.SetStatus(item, ItemStatus::kRemoved);
  Record(item, ModerationEvent::kRemoved, channel, latency_steps);
}

void ItemActions::Clear(int64_t item, ModerationChannel channel, int64_t latency_steps) {
  Expect(items_.status[item] == ItemStatus::kLive, "clearing of an item that is not live");
  Record(item, ModerationEvent::kCleared, channel, latency_steps);
}

void ItemActions::Restore(int64_t item, ModerationChannel channel, int64_t latency_steps) {
  Expect(items_.status[item] == ItemStatus::kRemoved, "restoration of an item that is not removed");
  items_.SetStatus(item, ItemStatus::kLive);
  Record(item, ModerationEvent::kRestored, channel, latency_steps);
}

}  // namespace counterpoint
