// Preservation for law enforcement: what is kept, for how long, and the access log, against
// values worked out by hand; and in a world, that it changes nothing else.
#include "world/preservation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "world/world.h"

namespace counterpoint {
namespace {

// n uploads on platform 0 (news from `news_from` on), authorities as `looks`
WorldLog LogOf(int n, int news_from = 1 << 30) {
  WorldLog log;
  log.platforms = {"a", "b"};
  log.authorities = {"authority", "police_b"};
  for (int i = 0; i < n; ++i) {
    UploadRecord u;
    u.kind = i >= news_from ? UploadKind::kNews : UploadKind::kCopy;
    u.key = static_cast<uint64_t>(i);  // each upload's own draws, as a world keys them without retries
    log.uploads.push_back(u);
  }
  return log;
}

TEST(PreservationTest, KeptForTheRetentionPeriodUnlessRestored) {
  PreservationConfig cfg;
  cfg.retention_days = 0.5;  // 720 minutes
  WorldLog log = LogOf(3, 2);
  Preservation keep(cfg, 1, {{1, 1}, {0, 1}}, 2);
  keep.Preserve(log, 0, 10);
  keep.Preserve(log, 2, 20);  // a news report
  keep.Advance(log, 21);
  ASSERT_EQ(log.preserved.size(), 2u);
  EXPECT_EQ(log.preserved[0].until_minute, 730);
  EXPECT_EQ(log.preserved[1].until_minute, 740);
  EXPECT_EQ(keep.counts()[0].held, 2);
  EXPECT_EQ(keep.counts()[0].held_news, 1);
  // the news report restored on appeal at 260: no longer held, never requested again
  keep.Release(log, 2, 260);
  EXPECT_EQ(log.preserved[1].released_minute, 260);
  EXPECT_EQ(keep.counts()[0].held, 1);
  EXPECT_EQ(keep.counts()[0].held_news, 0);
  // held while minute < until: the copy at 729, not at 730
  keep.Advance(log, 730);
  EXPECT_EQ(keep.counts()[0].held, 1);
  keep.Advance(log, 731);
  EXPECT_EQ(keep.counts()[0].held, 0);
  EXPECT_FALSE(HeldAt(log.preserved[0], 730));
  EXPECT_TRUE(HeldAt(log.preserved[0], 729));
  // a restoration after the retention ended finds nothing to release
  keep.Preserve(log, 1, 800);
  keep.Advance(log, 1521);
  keep.Release(log, 1, 1600);
  EXPECT_EQ(log.preserved[2].released_minute, -1);
  EXPECT_EQ(keep.counts()[0].held, 0);
  EXPECT_TRUE(log.accesses.empty());  // no access rate: no requests
}

TEST(PreservationTest, RequestsArriveAtTheirRateAndAreAnsweredByWhatIsHeld) {
  // one request per (item, authority) after an exponential wait: at rate 1 a day, the share
  // of items requested within 720 minutes is 1 - exp(-0.5) = 0.39347; authority 1 looks only
  // at platform b, so it never asks for these (on a)
  PreservationConfig cfg;
  cfg.retention_days = 0.25;  // 360 minutes: requests after it find the item deleted
  cfg.access_rate_per_day = 1;
  const int n = 20000;
  WorldLog log = LogOf(n);
  Preservation keep(cfg, 7, {{1, 1}, {0, 1}}, 2);
  for (int i = 0; i < n; ++i) keep.Preserve(log, i, 0);
  for (int i = 0; i < 100; ++i) keep.Release(log, i, 100);  // restored at minute 100
  for (int64_t end = 60; end <= 720; end += 60) keep.Advance(log, end);
  const double p = 1 - std::exp(-0.5), se = std::sqrt(p * (1 - p) / n);
  EXPECT_NEAR(static_cast<double>(log.accesses.size()) / n, p, 4 * se);
  int64_t last = -1, granted = 0;
  for (const AccessRecord& a : log.accesses) {
    EXPECT_EQ(a.authority, 0);
    EXPECT_GE(a.minute, last);  // in order of minute
    EXPECT_LT(a.minute, 720);
    last = a.minute;
    const int64_t item = log.preserved[a.record].upload;
    const AccessResult expect = item < 100 && a.minute >= 100 ? AccessResult::kReleased
                                : a.minute >= 360             ? AccessResult::kExpired
                                                              : AccessResult::kGranted;
    EXPECT_EQ(a.result, expect) << a.minute;
    granted += a.result == AccessResult::kGranted;
  }
  // granted: requested before 360 (and not a released item after 100)
  const double q = 1 - std::exp(-0.25), se_q = std::sqrt(q * (1 - q) / n);
  EXPECT_NEAR(static_cast<double>(granted) / n, q, 4 * se_q + 100.0 / n);
  EXPECT_EQ(keep.counts()[0].granted, static_cast<double>(granted));
  EXPECT_EQ(keep.counts()[0].requests, static_cast<double>(log.accesses.size()));
  EXPECT_EQ(keep.counts()[1].requests, 0);
}

WorldConfig WorldFrom(const std::string& yaml) {
  DiagnosticList diags;
  WorldConfig w = ValidateWorld(YAML::Load(yaml), "test.yaml", "world", diags);
  diags.ThrowIfAny();
  return w;
}

// two platforms, copies reported and removed, news blocked by the stream's hash and restored
std::string Crisis(const std::string& preservation) {
  return "minutes_per_step: 1\n"
         "platforms:\n"
         "  - {name: a, upload_share: 0.5, news_share: 1, hash_screening: true, database_access: member, "
         "contributes: true, review_capacity: 3, report_probability: 0.05, views_per_minute: 3}\n"
         "  - {name: b, upload_share: 0.5, hash_screening: false, review_capacity: 1, report_probability: 0.05, "
         "views_per_minute: 3}\n"
         "incident: {origin: a, live_minutes: 1, live_views_per_minute: 0, first_report_minute: 0, "
         "reuploads_start_minute: 1, uploads_per_minute: 5, ramp_minutes: 0, source_weight: 50}\n"
         "news: {uploads_per_minute: 2, excerpt_share: 1, excerpt_flip_rate: 0, appeal_probability: 0.5, "
         "appeal_minutes: 30}\n"
         "removal_orders: {authorities: [{name: police_b, platforms: [b]}]}\n"
         "preservation: " +
         preservation + "\n";
}

TEST(PreservationTest, EveryTakeDownIsKeptNeverShownAndRequestsChangeNothingElse) {
  World quiet(WorldFrom(Crisis("{retention_days: 180}")), 3);
  World asked(WorldFrom(Crisis("{retention_days: 180, access_rate_per_day: 200}")), 3);
  for (int64_t t = 0; t < 120; ++t) quiet.Step(t), asked.Step(t);
  const WorldLog &q = quiet.log(), &a = asked.log();
  // the requests draw from their own stream: every upload's fate is the same
  ASSERT_EQ(q.uploads.size(), a.uploads.size());
  for (size_t i = 0; i < q.uploads.size(); ++i) {
    EXPECT_EQ(q.uploads[i].outcome, a.uploads[i].outcome) << i;
    EXPECT_EQ(q.uploads[i].outcome_minute, a.uploads[i].outcome_minute) << i;
    EXPECT_EQ(q.uploads[i].views, a.uploads[i].views) << i;
  }
  EXPECT_TRUE(q.accesses.empty());
  ASSERT_EQ(q.preserved.size(), a.preserved.size());
  // one record per upload taken down (a restored news report shown again until the end)
  int down = 0, restored = 0;
  for (const UploadRecord& u : a.uploads) {
    down += u.outcome == UploadOutcome::kBlocked || u.outcome == UploadOutcome::kRemoved;
    restored += u.restored_minute >= 0;
  }
  EXPECT_EQ(static_cast<int>(a.preserved.size()), down + restored);
  EXPECT_GT(down, 50);
  EXPECT_GT(restored, 5);
  for (const PreservedRecord& r : a.preserved) {
    const UploadRecord& u = a.uploads[r.upload];
    EXPECT_EQ(r.until_minute, r.minute + 180 * 1440);
    // never shown while held: an item still live at the end was released first
    if (u.outcome == UploadOutcome::kLive) {
      EXPECT_GE(r.released_minute, 0) << r.upload;
      EXPECT_EQ(r.released_minute, u.restored_minute);
    } else {
      EXPECT_EQ(r.released_minute, -1);
    }
  }
  // police_b looks only at b, the block's own authority at both: police_b's requests are b's
  int on_b = 0;
  for (const AccessRecord& x : a.accesses) {
    const int platform = a.uploads[a.preserved[x.record].upload].platform;
    if (x.authority == 1) {
      EXPECT_EQ(platform, 1);
    }
    on_b += platform == 1;
    EXPECT_EQ(x.result, AccessAt(a.preserved[x.record], x.minute));
  }
  EXPECT_GT(on_b, 0);
  EXPECT_GT(a.accesses.size(), a.preserved.size() / 2);
  // the metrics: held now and granted so far, against the log
  std::vector<double> row(asked.columns().size());
  asked.WriteRow(row.data());
  auto column = [&](const std::string& name) {
    for (size_t k = 0; k < asked.columns().size(); ++k)
      if (asked.columns()[k] == name) return row[k];
    ADD_FAILURE() << name;
    return 0.0;
  };
  double held = 0, held_news = 0, granted = 0;
  for (const PreservedRecord& r : a.preserved)
    if (HeldAt(r, 119)) held += 1, held_news += a.uploads[r.upload].kind == UploadKind::kNews;
  for (const AccessRecord& x : a.accesses) granted += x.result == AccessResult::kGranted;
  EXPECT_EQ(column("preserved"), held);
  EXPECT_EQ(column("preserved_news"), held_news);
  EXPECT_EQ(column("access_granted"), granted);
  EXPECT_GT(held_news, 0);
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

TEST(PreservationTest, AnAuthorityGrantedAnItemMayHaveItKeptLonger) {
  // Art. 6(2): retention 360 minutes; authority 0 requests each item on a (rate 2 a day:
  // within 360 minutes with probability 1 - exp(-0.5)); a granted request asks, with
  // extension_probability, that the item be kept 1,440 minutes after it
  PreservationConfig cfg;
  cfg.retention_days = 0.25;
  cfg.access_rate_per_day = 2;
  cfg.extension_days = 1;
  for (const double p : {1.0, 0.5, 0.0}) {
    cfg.extension_probability = p;
    const int n = 4000;
    WorldLog log = LogOf(n);
    Preservation keep(cfg, 3, {{1, 0}, {0, 1}}, 2);
    for (int i = 0; i < n; ++i) keep.Preserve(log, i, 0);
    for (int64_t end = 1; end <= 6000; ++end) {
      keep.Advance(log, end);
      if (end % 97 != 0) continue;
      // held: every record whose retention, as extended so far, still covers end - 1
      double held = 0;
      for (const PreservedRecord& r : log.preserved) held += r.until_minute >= end;
      ASSERT_EQ(keep.counts()[0].held, held) << "p " << p << " end " << end;
    }
    ASSERT_EQ(log.accesses.size() > 1000, true);
    int granted = 0, extended = 0;
    for (const AccessRecord& a : log.accesses) {
      const PreservedRecord& r = log.preserved[a.record];
      ASSERT_EQ(a.result == AccessResult::kGranted, a.minute < 360) << a.minute;  // one request per item here
      if (a.result != AccessResult::kGranted) {
        EXPECT_EQ(r.until_minute, 360);
        continue;
      }
      ++granted;
      if (r.extended_minute < 0) {
        EXPECT_EQ(r.until_minute, 360);
        continue;
      }
      ++extended;
      EXPECT_EQ(r.extended_minute, a.minute);
      EXPECT_EQ(r.until_minute, a.minute + 1440);
    }
    const double share = static_cast<double>(extended) / granted;
    if (p == 1.0 || p == 0.0)
      EXPECT_EQ(share, p);
    else
      EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / granted));
    EXPECT_NEAR(granted, n * (1 - std::exp(-0.5)), 4 * std::sqrt(n * 0.39 * 0.61));
    EXPECT_EQ(keep.counts()[0].held, 0);  // all deleted by 360 + 1440 + 360 < 6000
  }
}

}  // namespace
}  // namespace counterpoint
