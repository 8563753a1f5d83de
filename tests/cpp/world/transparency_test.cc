#include "world/transparency.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace counterpoint {
namespace {

// the value of `column` in `row`
double At(const std::vector<double>& row, const std::string& column) {
  const auto& cols = TransparencyColumns();
  for (size_t c = 0; c < cols.size(); ++c)
    if (cols[c].name == column) return row.at(c);
  ADD_FAILURE() << "no column " << column;
  return std::nan("");
}

UploadRecord Upload(int32_t platform, UploadKind kind, int64_t minute, UploadOutcome outcome,
                    RemovalChannel channel = RemovalChannel::kNone, int64_t outcome_minute = -1) {
  UploadRecord r;
  r.platform = platform, r.kind = kind, r.minute = minute, r.outcome = outcome, r.channel = channel;
  r.outcome_minute = outcome_minute;
  return r;
}

// a log built by hand, every figure counted by hand below
TEST(TransparencyTest, EachPlatformsReportCountsItsLogByHand) {
  WorldLog log;
  log.platforms = {"big", "small"};
  log.last_minute = 100;
  log.authorities = {"authority", "iru"};
  // big: the stream, reported and removed at 5
  log.uploads.push_back(Upload(0, UploadKind::kStream, 0, UploadOutcome::kRemoved, RemovalChannel::kUserReport, 5));
  // big: a copy blocked by a hash at upload
  log.uploads.push_back(Upload(0, UploadKind::kCopy, 1, UploadOutcome::kBlocked, RemovalChannel::kHashMatch, 1));
  // big: a copy a trusted flagger notified at 10, removed at 71 (the feedback: 61 minutes on)
  UploadRecord flagged = Upload(0, UploadKind::kCopy, 2, UploadOutcome::kRemoved, RemovalChannel::kTrustedFlagger, 71);
  flagged.notice_minute = 10, flagged.feedback_minute = 71, flagged.notice_upheld = true;
  log.uploads.push_back(flagged);
  // big: a copy still live, ordered removed at 4 (the deadline, 64, passed)
  UploadRecord ordered = Upload(0, UploadKind::kCopy, 3, UploadOutcome::kLive);
  ordered.order_minute = 4;
  log.uploads.push_back(ordered);
  log.orders.push_back({3, 0, 4, 64});
  // small: a copy ordered at 52 and removed by the order at 55; not an hour old at minute 100
  UploadRecord met = Upload(1, UploadKind::kCopy, 50, UploadOutcome::kRemoved, RemovalChannel::kOrder, 55);
  met.order_minute = 52;
  log.uploads.push_back(met);
  log.orders.push_back({4, 0, 52, 112});
  log.orders.push_back({4, 1, 54, 84});  // a second authority's order about the same copy, met too
  // small: a news report blocked at upload, restored at 30 (live again)
  UploadRecord restored = Upload(1, UploadKind::kNews, 1, UploadOutcome::kLive);
  restored.hit = UploadOutcome::kBlocked, restored.restored_minute = 30;
  log.uploads.push_back(restored);
  // small: a news report removed at 40 by the classifier's flag, still down; a flagger's
  // notice about it at 20 was answered "kept" at 25
  UploadRecord removed = Upload(1, UploadKind::kNews, 2, UploadOutcome::kRemoved, RemovalChannel::kClassifier, 40);
  removed.hit = UploadOutcome::kRemoved, removed.notice_minute = 20, removed.feedback_minute = 25;
  log.uploads.push_back(removed);

  const auto rows = TransparencyReport(log);
  ASSERT_EQ(rows.size(), 2u);
  const auto& big = rows[0];
  EXPECT_EQ(At(big, "attack_uploads"), 4);
  EXPECT_EQ(At(big, "blocked_hash_match"), 1);
  EXPECT_EQ(At(big, "blocked_classifier"), 0);
  EXPECT_EQ(At(big, "removed_user_report"), 1);
  EXPECT_EQ(At(big, "removed_trusted_flagger"), 1);
  EXPECT_EQ(At(big, "removed_order"), 0);
  EXPECT_EQ(At(big, "still_live"), 1);
  EXPECT_DOUBLE_EQ(At(big, "within_hour_share"), 0.5);         // of 4 an hour old: the stream (5) and the block (0)
  EXPECT_DOUBLE_EQ(At(big, "median_minutes_to_removal"), 37);  // of 5 and 69
  EXPECT_EQ(At(big, "orders_received"), 1);
  EXPECT_EQ(At(big, "orders_met_on_time"), 0);
  EXPECT_EQ(At(big, "notices_received"), 1);
  EXPECT_EQ(At(big, "notices_upheld"), 1);
  EXPECT_EQ(At(big, "notices_answered_within_hour"), 0);  // 61 minutes
  EXPECT_DOUBLE_EQ(At(big, "median_minutes_to_feedback"), 61);
  EXPECT_EQ(At(big, "news_uploads"), 0);
  const auto& small = rows[1];
  EXPECT_EQ(At(small, "attack_uploads"), 1);
  EXPECT_EQ(At(small, "removed_order"), 1);
  EXPECT_TRUE(std::isnan(At(small, "within_hour_share")));  // nothing an hour old
  EXPECT_DOUBLE_EQ(At(small, "median_minutes_to_removal"), 5);
  EXPECT_EQ(At(small, "orders_received"), 2);
  EXPECT_EQ(At(small, "orders_met_on_time"), 2);
  EXPECT_EQ(At(small, "notices_received"), 1);
  EXPECT_EQ(At(small, "notices_upheld"), 0);
  EXPECT_EQ(At(small, "notices_answered_within_hour"), 1);
  EXPECT_EQ(At(small, "news_uploads"), 2);
  EXPECT_EQ(At(small, "news_blocked"), 1);
  EXPECT_EQ(At(small, "news_removed"), 1);
  EXPECT_EQ(At(small, "news_restored"), 1);
  EXPECT_EQ(At(small, "news_still_down"), 1);
}

}  // namespace
}  // namespace counterpoint
