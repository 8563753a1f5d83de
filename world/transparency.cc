#include "world/transparency.h"

#include <algorithm>
#include <cmath>

namespace counterpoint {

namespace {
constexpr int64_t kHourMinutes = 60;

enum Column {
  kAttackUploads,
  kBlockedHash,
  kBlockedClassifier,
  kBlockedAudio,
  kRemovedHash,
  kRemovedClassifier,
  kRemovedFlagger,
  kRemovedReport,
  kRemovedOrder,
  kStillLive,
  kWithinHourShare,
  kMedianMinutesToRemoval,
  kOrders,
  kOrdersMet,
  kNotices,
  kNoticesUpheld,
  kNoticesAnsweredWithinHour,
  kMedianMinutesToFeedback,
  kNewsUploads,
  kNewsBlocked,
  kNewsRemoved,
  kNewsRestored,
  kNewsStillDown,
  kPreserved,
  kPreservedNews,
  kAccessRequests,
  kAccessGranted,
  kColumns
};

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

const std::vector<TransparencyColumn>& TransparencyColumns() {
  static const std::vector<TransparencyColumn> columns = {
      {"attack_uploads", "attack copies uploaded (the stream included)"},
      {"blocked_hash_match", "refused at upload: matched a hash the platform could use"},
      {"blocked_classifier", "refused at upload by its classifier"},
      {"blocked_audio_match", "refused at upload: its soundtrack matched a soundtrack hash the platform could use"},
      {"removed_hash_match", "removed after upload by a hash that became usable later (a re-scan)"},
      {"removed_classifier", "removed after upload: the classifier's flag, confirmed by a reviewer"},
      {"removed_trusted_flagger", "removed after upload: a trusted flagger's notice, confirmed by a reviewer"},
      {"removed_user_report", "removed after upload: a user's report, confirmed by a reviewer"},
      {"removed_order", "removed after upload: an authority's removal order"},
      {"still_live", "attack copies visible at the end"},
      {"within_hour_share",
       "of the attack uploads at least an hour old at the last step, those blocked or removed within 60 minutes"},
      {"median_minutes_to_removal", "median minutes from upload to removal, of those removed after upload"},
      {"orders_received", "removal orders received, from every authority"},
      {"orders_met_on_time", "removal orders whose item was removed by the order's deadline"},
      {"notices_received", "trusted flaggers' notices received"},
      {"notices_upheld", "notices whose item was removed (the feedback: removed)"},
      {"notices_answered_within_hour", "notices whose flagger was told the action taken within 60 minutes"},
      {"median_minutes_to_feedback", "median minutes from a notice to its feedback, of the notices answered"},
      {"news_uploads", "news reports uploaded"},
      {"news_blocked", "news reports refused at upload (by mistake; restored ones included)"},
      {"news_removed", "news reports removed after upload (by mistake; restored ones included)"},
      {"news_restored", "news reports restored on appeal"},
      {"news_still_down", "news reports blocked or removed and not restored by the end"},
      {"preserved", "items kept for law enforcement when blocked or removed (each take-down once)"},
      {"preserved_news", "news reports among them (legitimate reporting kept for law enforcement)"},
      {"access_requests", "authorities' requests for preserved items"},
      {"access_granted", "requests granted (the item still held: not expired, not restored)"}};
  return columns;
}

std::vector<std::vector<double>> TransparencyReport(const WorldLog& log) {
  const size_t n = log.platforms.size();
  std::vector<std::vector<double>> rows(n, std::vector<double>(kColumns, 0.0));
  std::vector<std::vector<double>> to_removal(n), to_feedback(n);
  std::vector<double> hour_old(n, 0);
  for (const UploadRecord& u : log.uploads) {
    std::vector<double>& row = rows[u.platform];
    const bool down = u.outcome == UploadOutcome::kBlocked || u.outcome == UploadOutcome::kRemoved;
    if (u.notice_minute >= 0) {
      row[kNotices] += 1;
      if (u.feedback_minute >= 0) {
        row[kNoticesUpheld] += u.notice_upheld ? 1 : 0;
        row[kNoticesAnsweredWithinHour] += NoticeAnsweredWithin(u, kHourMinutes) ? 1 : 0;
        to_feedback[u.platform].push_back(static_cast<double>(u.feedback_minute - u.notice_minute));
      }
    }
    if (u.kind == UploadKind::kNews) {
      row[kNewsUploads] += 1;
      row[kNewsBlocked] += u.hit == UploadOutcome::kBlocked ? 1 : 0;
      row[kNewsRemoved] += u.hit == UploadOutcome::kRemoved ? 1 : 0;
      row[kNewsRestored] += u.restored_minute >= 0 ? 1 : 0;
      row[kNewsStillDown] += down ? 1 : 0;
      continue;
    }
    row[kAttackUploads] += 1;
    if (u.outcome == UploadOutcome::kLive) row[kStillLive] += 1;
    if (u.outcome == UploadOutcome::kBlocked)
      row[u.channel == RemovalChannel::kHashMatch    ? kBlockedHash
          : u.channel == RemovalChannel::kAudioMatch ? kBlockedAudio
                                                     : kBlockedClassifier] += 1;
    if (u.outcome == UploadOutcome::kRemoved) {
      to_removal[u.platform].push_back(static_cast<double>(u.outcome_minute - u.minute));
      switch (u.channel) {
        case RemovalChannel::kHashMatch:
          row[kRemovedHash] += 1;
          break;
        case RemovalChannel::kClassifier:
          row[kRemovedClassifier] += 1;
          break;
        case RemovalChannel::kTrustedFlagger:
          row[kRemovedFlagger] += 1;
          break;
        case RemovalChannel::kOrder:
          row[kRemovedOrder] += 1;
          break;
        default:
          row[kRemovedReport] += 1;
      }
    }
    if (u.minute + kHourMinutes <= log.last_minute) {
      hour_old[u.platform] += 1;
      if (down && u.outcome_minute - u.minute <= kHourMinutes) row[kWithinHourShare] += 1;
    }
  }
  // every order, from any authority: met when its item was down by the order's deadline
  for (const OrderRecord& o : log.orders) {
    const UploadRecord& u = log.uploads[o.upload];
    std::vector<double>& row = rows[u.platform];
    row[kOrders] += 1;
    if (OrderMet(o, u)) row[kOrdersMet] += 1;
  }
  // what was kept for law enforcement, and who asked for it (the access log)
  for (const PreservedRecord& r : log.preserved) {
    const UploadRecord& u = log.uploads[r.upload];
    rows[u.platform][kPreserved] += 1;
    if (u.kind == UploadKind::kNews) rows[u.platform][kPreservedNews] += 1;
  }
  for (const AccessRecord& a : log.accesses) {
    std::vector<double>& row = rows[log.uploads[log.preserved[a.record].upload].platform];
    row[kAccessRequests] += 1;
    if (a.result == AccessResult::kGranted) row[kAccessGranted] += 1;
  }
  for (size_t p = 0; p < n; ++p) {
    rows[p][kWithinHourShare] = hour_old[p] > 0 ? rows[p][kWithinHourShare] / hour_old[p] : std::nan("");
    rows[p][kMedianMinutesToRemoval] = Median(to_removal[p]);
    rows[p][kMedianMinutesToFeedback] = Median(to_feedback[p]);
  }
  return rows;
}

}  // namespace counterpoint
