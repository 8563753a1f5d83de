#include "world/world_log.h"

namespace counterpoint {

const char* UploadKindName(UploadKind k) {
  switch (k) {
    case UploadKind::kStream:
      return "stream";
    case UploadKind::kCopy:
      return "copy";
    case UploadKind::kNews:
      return "news";
  }
  return "copy";
}

const char* UploadOutcomeName(UploadOutcome o) {
  switch (o) {
    case UploadOutcome::kLive:
      return "live";
    case UploadOutcome::kBlocked:
      return "blocked";
    case UploadOutcome::kRemoved:
      return "removed";
    case UploadOutcome::kPending:
      return "pending";
  }
  return "live";
}

const char* RemovalChannelName(RemovalChannel c) {
  switch (c) {
    case RemovalChannel::kNone:
      return "";
    case RemovalChannel::kHashMatch:
      return "hash_match";
    case RemovalChannel::kClassifier:
      return "classifier";
    case RemovalChannel::kUserReport:
      return "user_report";
    case RemovalChannel::kOrder:
      return "order";
    case RemovalChannel::kSafeguard:
      return "safeguard_review";
    case RemovalChannel::kTrustedFlagger:
      return "trusted_flagger";
    case RemovalChannel::kAudioMatch:
      return "audio_match";
  }
  return "";
}

const char* AccessResultName(AccessResult a) {
  switch (a) {
    case AccessResult::kGranted:
      return "granted";
    case AccessResult::kReleased:
      return "released";
    case AccessResult::kExpired:
      return "expired";
  }
  return "?";
}

}  // namespace counterpoint
