#include "world/world.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "embeddings/perceptual_hash.h"

namespace counterpoint {
namespace {

WorldConfig WorldFrom(const std::string& yaml) {
  DiagnosticList diags;
  WorldConfig w = ValidateWorld(YAML::Load(yaml), "test.yaml", "world", diags);
  diags.ThrowIfAny();
  return w;
}

// one platform `a` carrying the stream, which a report at minute 0 gets removed at once
// (its hash held by a from then on); 20 exact copies of the stream a minute from minute 1
// (the off-platform recording outweighs every copy as a source); `incident` overrides keys
std::string Base(const std::string& platforms, const std::map<std::string, std::string>& incident = {},
                 const std::string& rest = "") {
  std::map<std::string, std::string> keys = {{"origin", "a"},
                                             {"live_minutes", "1"},
                                             {"live_views_per_minute", "0"},
                                             {"first_report_minute", "0"},
                                             {"reuploads_start_minute", "1"},
                                             {"uploads_per_minute", "20"},
                                             {"ramp_minutes", "0"},
                                             {"decay_hours", "1000"},
                                             {"source_weight", "1.0e12"},
                                             {"edit_probability", "0"},
                                             {"reencode_flip_rate", "0"}};
  for (const auto& [k, v] : incident) keys[k] = v;
  std::string text = "minutes_per_step: 1\nplatforms:\n" + platforms + "incident: {";
  for (const auto& [k, v] : keys) text += k + ": " + v + ", ";
  text.resize(text.size() - 2);
  return text + "}\n" + rest;
}

const std::string kOrigin =
    "  - {name: a, upload_share: 0.25, news_share: 1, hash_screening: true, database_access: member, "
    "contributes: true, review_capacity: 1000}\n";

World RunWorld(const WorldConfig& cfg, int64_t steps, uint64_t seed = 5) {
  World w(cfg, seed);
  for (int64_t t = 0; t < steps; ++t) w.Step(t);
  return w;
}

TEST(WorldTest, ASharedHashBlocksElsewhereOnlyAfterTheDelayAndWhereAccessIsGranted) {
  const WorldConfig cfg =
      WorldFrom(Base(kOrigin + "  - {name: b, upload_share: 0.25, database_access: member}\n"
                               "  - {name: c, upload_share: 0.25, database_access: none}\n"
                               "  - {name: d, upload_share: 0.25, database_access: intermediary}\n",
                     {}, "hash_database: {contribution_delay_minutes: 10, intermediary_delay_minutes: 20}\n"));
  const World w = RunWorld(cfg, 60);
  const auto& up = w.log().uploads;
  ASSERT_EQ(up[0].outcome, UploadOutcome::kRemoved);
  ASSERT_EQ(up[0].outcome_minute, 0);
  // usable on a at once (its own removal), on b from minute 10, on d from 30, never on c
  const int64_t from[4] = {0, 10, -1, 30};
  int seen[4][2] = {};
  for (size_t i = 1; i < up.size(); ++i) {
    const UploadRecord& r = up[i];
    const int64_t usable = from[r.platform];
    const bool blocked = usable >= 0 && r.minute >= usable;
    EXPECT_EQ(r.outcome == UploadOutcome::kBlocked, blocked) << "platform " << r.platform << " minute " << r.minute;
    if (blocked) {
      EXPECT_EQ(r.channel, RemovalChannel::kHashMatch);
      EXPECT_EQ(r.match_platform, 0);
      EXPECT_EQ(r.match_usable_minute, usable);
    }
    ++seen[r.platform][blocked];
  }
  // each case occurred
  EXPECT_GT(seen[0][1], 0);
  EXPECT_GT(seen[1][0], 0);
  EXPECT_GT(seen[1][1], 0);
  EXPECT_GT(seen[2][0], 0);
  EXPECT_EQ(seen[2][1], 0);
  EXPECT_GT(seen[3][0], 0);
  EXPECT_GT(seen[3][1], 0);
}

TEST(WorldTest, AHashMatchesWithinTheRadiusAndNotOneBitBeyond) {
  // copies of the stream, each about 8 bits from it; the stream's hash is the only one held
  // (nothing else is removed), so a copy is blocked iff its distance is at most the radius
  // (12), then, with the protocol active from minute 100, at most 14 on the member a; b,
  // which gets the hash through an intermediary (no delay here), is not bound by the protocol
  const WorldConfig cfg = WorldFrom(
      Base("  - {name: a, upload_share: 0.5, hash_screening: true, database_access: member, contributes: true, "
           "review_capacity: 1000}\n"
           "  - {name: b, upload_share: 0.5, hash_screening: true, database_access: intermediary}\n",
           {{"reencode_flip_rate", "0.03"}, {"uploads_per_minute", "60"}},
           "hash_database: {radius: 12, contribution_delay_minutes: 0, intermediary_delay_minutes: 0}\n"
           "emergency_protocol: {enabled: true, trigger: minute, at_minute: 100, radius: 14}\n"));
  const World w = RunWorld(cfg, 200);
  const auto& up = w.log().uploads;
  int at_radius[2] = {}, beyond[2] = {};
  for (size_t i = 1; i < up.size(); ++i) {
    const UploadRecord& r = up[i];
    EXPECT_EQ(r.distance_to_original, HammingDistance(w.codes().data() + i * kHashBytes, w.codes().data()));
    const bool widened = r.platform == 0 && r.minute >= 100;
    const int radius = widened ? 14 : 12;
    EXPECT_EQ(r.outcome == UploadOutcome::kBlocked, r.distance_to_original <= radius) << i;
    at_radius[widened] += r.distance_to_original == radius;
    beyond[widened] += r.distance_to_original == radius + 1;
  }
  for (int k : {0, 1}) {
    EXPECT_GT(at_radius[k], 0) << k;
    EXPECT_GT(beyond[k], 0) << k;
  }
}

TEST(WorldTest, CopiesDescendFromWhatWasSeenWithTheirKindsFlipRates) {
  // sources weighed by views: copies of copies; no screening, so every copy stays up
  const WorldConfig cfg = WorldFrom(
      Base("  - {name: a, upload_share: 1, hash_screening: false, views_per_minute: 5, view_half_life_minutes: 30}\n",
           {{"source_weight", "1"},
            {"edit_probability", "0.5"},
            {"reencode_flip_rate", "0.05"},
            {"first_report_minute", "100000"}}));
  const World w = RunWorld(cfg, 120);
  const auto& up = w.log().uploads;
  const uint8_t* codes = w.codes().data();
  int copies_of_copies = 0;
  double reencode_bits = 0, reencodes = 0;
  for (size_t i = 1; i < up.size(); ++i) {
    const UploadRecord& r = up[i];
    ASSERT_GE(r.parent, 0);
    ASSERT_LT(r.parent, static_cast<int64_t>(i));
    EXPECT_NE(up[r.parent].kind, UploadKind::kNews);
    EXPECT_TRUE(r.parent == 0 || up[r.parent].views > 0);  // only what was seen is copied
    EXPECT_EQ(r.distance_to_parent, HammingDistance(codes + i * kHashBytes, codes + r.parent * kHashBytes));
    EXPECT_EQ(r.distance_to_original, HammingDistance(codes + i * kHashBytes, codes));
    EXPECT_LE(r.distance_to_original, r.distance_to_parent + up[r.parent].distance_to_original);
    copies_of_copies += r.parent > 0;
    if (static_cast<CopyKind>(r.copy_kind) == CopyKind::kReencode) reencode_bits += r.distance_to_parent, ++reencodes;
  }
  EXPECT_GT(copies_of_copies, 100);
  // a re-encode flips Binomial(256, 0.05) bits: mean 12.8, within 4 standard errors
  ASSERT_GT(reencodes, 100);
  EXPECT_NEAR(reencode_bits / reencodes, 12.8, 4 * std::sqrt(256 * 0.05 * 0.95 / reencodes));
}

TEST(WorldTest, NothingIsViewedAfterItsRemovalOrIfBlocked) {
  const WorldConfig cfg = WorldFrom(
      Base("  - {name: a, upload_share: 0.5, hash_screening: true, database_access: member, contributes: true, "
           "review_capacity: 2, report_probability: 0.05, views_per_minute: 3}\n"
           "  - {name: b, upload_share: 0.5, hash_screening: false, review_capacity: 1, report_probability: 0.05, "
           "views_per_minute: 3}\n",
           {{"reencode_flip_rate", "0.1"}, {"source_weight", "50"}}));
  World w(cfg, 9);
  std::vector<std::vector<double>> views;  // after each step
  for (int64_t t = 0; t < 90; ++t) {
    w.Step(t);
    std::vector<double> v;
    for (const auto& r : w.log().uploads) v.push_back(r.views);
    views.push_back(v);
  }
  const auto& up = w.log().uploads;
  int removed = 0, blocked = 0;
  for (size_t i = 0; i < up.size(); ++i) {
    if (up[i].outcome == UploadOutcome::kBlocked) {
      EXPECT_EQ(up[i].views, 0) << i;
      ++blocked;
    }
    if (up[i].outcome != UploadOutcome::kRemoved) continue;
    ++removed;
    // views of the step it was removed in were before its review; none after
    EXPECT_EQ(up[i].views, views[up[i].outcome_minute][i]) << i;
  }
  EXPECT_GT(removed, 20);
  EXPECT_GT(blocked, 20);
}

// every copy removed exactly `delay` minutes after upload (a classifier flag that a reviewer
// confirms at once); the stream is never removed
double WithinHourShare(int64_t delay, int64_t steps, const WorldLog** log = nullptr) {
  std::string platform = "  - {name: a, upload_share: 1, hash_screening: false, classifier_recall: 1, ";
  platform += "classifier_delay_minutes: ";
  platform += std::to_string(delay);
  platform += ", review_capacity: 100000}\n";
  const WorldConfig cfg = WorldFrom(Base(platform, {{"first_report_minute", "100000"}}));
  static std::unique_ptr<World> w;
  w = std::make_unique<World>(RunWorld(cfg, steps));
  std::vector<double> row(w->columns().size());
  w->WriteRow(row.data());
  if (log) *log = &w->log();
  return row[6];  // within_hour_share
}

TEST(WorldTest, TheHourCountsRemovalsAtSixtyMinutesAndNotAtSixtyOne) {
  ASSERT_EQ(WorldMetrics()[6].name, "within_hour_share");
  const WorldLog* log = nullptr;
  const double at60 = WithinHourShare(60, 200, &log);
  // decided: uploaded by minute 199 - 60 = 139 (the stream and the copies of minutes 1..139)
  double decided = 0;
  for (const auto& r : log->uploads) {
    if (r.minute + 60 > 199) continue;
    ++decided;
    if (r.kind == UploadKind::kCopy) {
      EXPECT_EQ(r.outcome_minute - r.minute, 60);
    }
  }
  EXPECT_DOUBLE_EQ(at60, (decided - 1) / decided);  // all but the stream
  EXPECT_DOUBLE_EQ(WithinHourShare(61, 200), 0.0);
}

TEST(WorldTest, TheNewsSafeguardSendsVerifiedNewsToReviewWhileTheProtocolIsActive) {
  // news reports that show the footage unchanged: each matches the stream's hash
  auto outcomes = [](bool enabled, bool safeguard) {
    const WorldConfig cfg = WorldFrom(
        Base("  - {name: a, upload_share: 1, news_share: 1, hash_screening: true, database_access: member, "
             "contributes: true, review_capacity: 1000}\n",
             {{"uploads_per_minute", "0"}},
             "news: {uploads_per_minute: 10, excerpt_share: 1, excerpt_flip_rate: 0, verified_share: 0.5, "
             "appeal_probability: 1, appeal_minutes: 30}\n"
             "emergency_protocol: {enabled: " +
                 std::string(enabled ? "true" : "false") +
                 ", trigger: minute, at_minute: 0, news_safeguard: " + (safeguard ? "true" : "false") + "}\n"));
    return RunWorld(cfg, 100);
  };
  for (const bool enabled : {false, true})
    for (const bool safeguard : {false, true}) {
      const World w = outcomes(enabled, safeguard);
      int verified = 0, unverified = 0;
      for (const auto& r : w.log().uploads) {
        if (r.kind != UploadKind::kNews) continue;
        const bool routed = enabled && safeguard && r.verified;
        // routed: a reviewer (no false removals here) lets it through at once; else blocked
        // by the hash match, then restored on appeal 30 minutes later if that is within the run
        EXPECT_EQ(r.outcome == UploadOutcome::kBlocked, !routed && r.minute + 30 > 99) << r.minute;
        if (!routed) {
          EXPECT_EQ(r.channel == RemovalChannel::kHashMatch, r.minute + 30 > 99);
          EXPECT_EQ(r.outcome_minute, r.minute + 30 > 99 ? r.minute : -1);
          EXPECT_EQ(r.restored_minute, r.minute + 30 > 99 ? -1 : r.minute + 30);
        } else {
          EXPECT_EQ(r.outcome, UploadOutcome::kLive);
          EXPECT_EQ(r.restored_minute, -1);
        }
        (r.verified ? verified : unverified) += 1;
      }
      EXPECT_GT(verified, 50);
      EXPECT_GT(unverified, 50);
    }
}

TEST(WorldTest, RemovalOrdersAreMetWhenRemovedWithinTheirDeadline) {
  for (const int capacity : {0, 1, 100000}) {
    const WorldConfig cfg = WorldFrom(Base(
        "  - {name: a, upload_share: 1, hash_screening: false, review_capacity: " + std::to_string(capacity) + "}\n",
        {{"first_report_minute", "100000"}}, "removal_orders: {find_rate_per_minute: 0.2, deadline_minutes: 60}\n"));
    const World w = RunWorld(cfg, 150);
    // recount from the log: met when removed within 60 minutes of receipt; decided when
    // met or past the deadline at the last step's minute (149)
    double met = 0, decided = 0, orders = 0;
    for (const auto& r : w.log().uploads) {
      if (r.order_minute < 0) continue;
      ++orders;
      const bool on_time = r.outcome_minute >= 0 && r.outcome_minute - r.order_minute <= 60;
      met += on_time;
      decided += on_time || 149 >= r.order_minute + 60;
    }
    std::vector<double> row(w.columns().size());
    w.WriteRow(row.data());
    ASSERT_EQ(WorldMetrics()[11].name, "orders");
    EXPECT_EQ(row[11], orders);
    EXPECT_DOUBLE_EQ(row[12], decided > 0 ? met / decided : 0) << capacity;
    if (capacity == 0) {
      EXPECT_EQ(met, 0);
    }
    if (capacity == 100000) {
      EXPECT_EQ(met, orders);
    }
    if (capacity == 1) {
      EXPECT_GT(met, 0);
      EXPECT_LT(met, decided);
    }
  }
}

TEST(WorldTest, ARescanRemovesLiveCopiesWhenAMatchingHashBecomesUsableAndOnlyThen) {
  // b re-scans, c does not; both get a's hash at minute 10, so their copies of minutes 1..9
  // went live; at minute 10 b's are removed by the re-scan, c's stay
  for (const bool rescan : {true, false}) {
    const WorldConfig cfg = WorldFrom(Base(kOrigin +
                                               "  - {name: b, upload_share: 0.375, database_access: member, "
                                               "rescan: " +
                                               std::string(rescan ? "true" : "false") +
                                               "}\n"
                                               "  - {name: c, upload_share: 0.375, database_access: member}\n",
                                           {}, "hash_database: {contribution_delay_minutes: 10}\n"));
    const World w = RunWorld(cfg, 30);
    int early[3] = {}, rescanned = 0;
    for (size_t i = 1; i < w.log().uploads.size(); ++i) {
      const UploadRecord& r = w.log().uploads[i];
      if (r.platform == 0 || r.minute >= 10) {
        EXPECT_EQ(r.outcome, UploadOutcome::kBlocked) << i;
        continue;
      }
      ++early[r.platform];
      if (r.platform == 1 && rescan) {
        EXPECT_EQ(r.outcome, UploadOutcome::kRemoved) << i;
        EXPECT_EQ(r.channel, RemovalChannel::kHashMatch);
        EXPECT_EQ(r.outcome_minute, 10);
        EXPECT_EQ(r.match_platform, 0);
        EXPECT_EQ(r.match_usable_minute, 10);
        ++rescanned;
      } else {
        EXPECT_EQ(r.outcome, UploadOutcome::kLive) << i;
        EXPECT_EQ(r.match_platform, -1);
      }
    }
    EXPECT_GT(early[1], 30);  // about 9 x 20 x 0.375 = 67.5 each
    EXPECT_GT(early[2], 30);
    EXPECT_EQ(rescanned, rescan ? early[1] : 0);
    // the metric counts them as removed after upload on b
    std::vector<double> row(w.columns().size());
    w.WriteRow(row.data());
    const auto col = std::find(w.columns().begin(), w.columns().end(), "removed_after_upload@b") - w.columns().begin();
    EXPECT_EQ(row[col], rescanned);
  }
}

TEST(WorldTest, TrustedFlaggersNoticesAreAssessedBeforeReportsAndAnswered) {
  // b: no hashing, one review a minute, every live copy reported at once by its viewers;
  // notices at 0.2 a minute per live copy (and 0.2 for news showing footage, in error)
  const WorldConfig cfg = WorldFrom(
      Base(kOrigin + "  - {name: b, upload_share: 0.75, news_share: 0, hash_screening: false, review_capacity: 1, "
                     "views_per_minute: 5, report_probability: 1}\n",
           {{"uploads_per_minute", "2"}},
           "trusted_flaggers: {find_rate_per_minute: 0.2, news_rate_per_minute: 0.2}\n"
           "news: {uploads_per_minute: 1, excerpt_share: 1, excerpt_flip_rate: 0.5, appeal_probability: 0}\n"));
  const World w = RunWorld(cfg, 120);
  const auto& up = w.log().uploads;
  int notices = 0, upheld = 0, reports = 0, news_notices = 0;
  double answered = 0, decided = 0;
  for (size_t i = 0; i < up.size(); ++i) {
    const UploadRecord& r = up[i];
    if (r.platform == 1 && r.outcome == UploadOutcome::kRemoved && r.channel == RemovalChannel::kUserReport) {
      ++reports;
      // a report is reviewed only when no notice waits: none received by then and unanswered
      for (const UploadRecord& o : up) {
        if (o.platform == 1 && o.notice_minute >= 0 && o.notice_minute <= r.outcome_minute) {
          EXPECT_TRUE(o.feedback_minute >= 0 && o.feedback_minute <= r.outcome_minute) << i;
        }
      }
    }
    if (r.notice_minute < 0) continue;
    ++(r.platform == 1 ? notices : news_notices);
    if (r.feedback_minute >= 0) {
      EXPECT_GE(r.feedback_minute, r.notice_minute);
      // the feedback is the action: removed then (no reviewer misses here), or kept
      EXPECT_EQ(r.notice_upheld, r.outcome == UploadOutcome::kRemoved && r.outcome_minute == r.feedback_minute) << i;
      if (r.kind == UploadKind::kNews) {
        EXPECT_FALSE(r.notice_upheld);  // reviewers make no false removals here: a news report stays
      }
      upheld += r.notice_upheld;
    }
    const bool in_hour = r.feedback_minute >= 0 && r.feedback_minute - r.notice_minute <= 60;
    answered += in_hour;
    decided += in_hour || r.notice_minute + 60 <= 119;
  }
  EXPECT_GT(notices, 10);
  EXPECT_GT(upheld, 5);
  EXPECT_GT(reports, 0);
  std::vector<double> row(w.columns().size());
  w.WriteRow(row.data());
  ASSERT_EQ(WorldMetrics()[13].name, "notices");
  EXPECT_EQ(row[13], notices + news_notices);
  EXPECT_DOUBLE_EQ(row[14], decided > 0 ? answered / decided : 0);
}

TEST(WorldTest, ANoticeIsUpheldAsOftenAsAReviewerRemovesIndependentlyOfWhenItCame) {
  // a reviewer keeps an attack copy with probability 0.3 whatever the channel: the notices
  // answered "removed" are 0.7 of those answered by a review (the draw that sends a notice
  // and the reviewer's are independent)
  const WorldConfig cfg =
      WorldFrom(Base(kOrigin + "  - {name: b, upload_share: 0.75, hash_screening: false, review_capacity: 1000, "
                               "reviewer_miss: 0.3}\n",
                     {{"uploads_per_minute", "20"}}, "trusted_flaggers: {find_rate_per_minute: 0.05}\n"));
  const World w = RunWorld(cfg, 120);
  double answered = 0, upheld = 0;
  for (const UploadRecord& r : w.log().uploads) {
    // the first answer to a notice on b: its own review (nothing else removes copies there)
    if (r.platform != 1 || r.notice_minute < 0 || r.feedback_minute < 0) continue;
    EXPECT_EQ(r.feedback_minute, r.notice_minute);  // reviewed in the step it came
    ++answered;
    upheld += r.notice_upheld;
  }
  ASSERT_GT(answered, 400);
  EXPECT_NEAR(upheld / answered, 0.7, 4 * std::sqrt(0.7 * 0.3 / answered));
}

TEST(WorldTest, OrdersFromSeveralAuthoritiesShareOneQueueAndEachIsCounted) {
  // one small platform reviewing one item a minute; the national authority's orders alone,
  // then with a second authority (deadline 30) looking at it too
  auto run = [](bool iru) {
    std::string rest = "removal_orders:\n  find_rate_per_minute: 0.05\n";
    if (iru)
      rest += "  authorities:\n    - {name: iru, find_rate_per_minute: 0.2, deadline_minutes: 30, platforms: [b]}\n";
    const WorldConfig cfg =
        WorldFrom(Base("  - {name: a, upload_share: 0.5, hash_screening: false, review_capacity: 0}\n"
                       "  - {name: b, upload_share: 0.5, hash_screening: false, review_capacity: 1}\n",
                       {{"first_report_minute", "100000"}, {"uploads_per_minute", "2"}}, rest));
    return RunWorld(cfg, 150);
  };
  const World alone = run(false), both = run(true);
  const WorldLog& log = both.log();
  ASSERT_EQ(log.authorities, (std::vector<std::string>{"authority", "iru"}));
  std::map<std::pair<int64_t, int32_t>, int> per_item;
  double met = 0, decided = 0;
  for (const OrderRecord& o : log.orders) {
    const UploadRecord& r = log.uploads[o.upload];
    EXPECT_EQ(++per_item[std::make_pair(o.upload, o.authority)], 1);  // one order per authority and copy
    if (o.authority == 1) {
      EXPECT_EQ(r.platform, 1);  // the iru looks at b only
      EXPECT_EQ(o.deadline_minute, o.minute + 30);
    } else {
      EXPECT_EQ(o.deadline_minute, o.minute + 60);
    }
    EXPECT_LE(r.order_minute, o.minute);  // the upload keeps its first order's minute
    const bool on_time = r.outcome_minute >= 0 && r.outcome_minute <= o.deadline_minute;
    met += on_time;
    decided += on_time || 149 >= o.deadline_minute;
  }
  EXPECT_GT(per_item.size(), 30u);
  std::vector<double> row(both.columns().size());
  both.WriteRow(row.data());
  EXPECT_EQ(row[11], static_cast<double>(log.orders.size()));
  EXPECT_DOUBLE_EQ(row[12], decided > 0 ? met / decided : 0);
  // the same uploads arrive in both runs (common random numbers); the iru adds orders on b
  // only, in the same first-come, first-served queue as the national authority's
  ASSERT_EQ(alone.log().uploads.size(), log.uploads.size());
  for (size_t i = 0; i < log.uploads.size(); ++i) {
    ASSERT_EQ(alone.log().uploads[i].minute, log.uploads[i].minute);
    ASSERT_EQ(alone.log().uploads[i].platform, log.uploads[i].platform);
  }
  int on_b[2] = {}, iru = 0;
  for (int k = 0; k < 2; ++k)
    for (const OrderRecord& o : (k == 0 ? alone.log() : log).orders) {
      on_b[k] += (k == 0 ? alone.log() : log).uploads[o.upload].platform == 1;
      iru += k == 1 && o.authority == 1;
    }
  EXPECT_EQ(alone.log().authorities.size(), 1u);
  EXPECT_GT(iru, 10);
  EXPECT_GT(on_b[1], on_b[0]);
}

TEST(WorldTest, UploadsArriveAlikeInEveryArmAndResultsDoNotDependOnThreads) {
  const std::string platforms = kOrigin +
                                "  - {name: b, upload_share: 0.5, database_access: member, contributes: true, "
                                "review_capacity: 3, classifier_recall: 0.5, views_per_minute: 2}\n"
                                "  - {name: c, upload_share: 0.25, hash_screening: false, views_per_minute: 8}\n";
  const std::map<std::string, std::string> incident = {
      {"source_weight", "30"}, {"edit_probability", "0.2"}, {"reencode_flip_rate", "0.04"}};
  // 5,000 unrelated hashes: the multi-index path of the database
  const WorldConfig shared = WorldFrom(Base(platforms, incident, "hash_database: {background_hashes: 5000}\n"));
  WorldConfig alone = shared;
  for (auto& p : alone.platforms) p.contributes = false;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const World one = RunWorld(shared, 120);
  omp_set_num_threads(std::max(2, threads));
  const World two = RunWorld(shared, 120), other = RunWorld(alone, 120);
  omp_set_num_threads(threads);
  ASSERT_EQ(one.log().uploads.size(), two.log().uploads.size());
  for (size_t i = 0; i < one.log().uploads.size(); ++i) {
    const UploadRecord &a = one.log().uploads[i], &b = two.log().uploads[i];
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.outcome_minute, b.outcome_minute);
    EXPECT_EQ(a.views, b.views);
    EXPECT_EQ(a.parent, b.parent);
  }
  // the policy differs, the arrivals do not: the same uploads at the same minutes on the
  // same platforms (what each copies depends on what was seen, so it may differ)
  ASSERT_EQ(other.log().uploads.size(), one.log().uploads.size());
  int differ = 0;
  for (size_t i = 0; i < one.log().uploads.size(); ++i) {
    const UploadRecord &a = one.log().uploads[i], &b = other.log().uploads[i];
    EXPECT_EQ(a.minute, b.minute);
    EXPECT_EQ(a.platform, b.platform);
    EXPECT_EQ(a.kind, b.kind);
    differ += a.outcome != b.outcome;
  }
  EXPECT_GT(differ, 0);  // and sharing changes outcomes
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// every copy a crop of the stream whose picture lies ~77 bits away (never within 31) while
// its soundtrack lies Binomial(256, 0.03) bits away (~8); half the copies muted
WorldConfig SoundtrackWorld(bool audio) {
  return WorldFrom(Base(std::string("  - {name: a, upload_share: 1, hash_screening: true, database_access: member, "
                                    "contributes: true, review_capacity: 1000, audio_matching: ") +
                            (audio ? "true" : "false") + "}\n",
                        {{"edit_probability", "1"},
                         {"crop_share", "1"},
                         {"overlay_share", "0"},
                         {"crop_flip_rate", "0.3"},
                         {"audio_flip_rate", "0.03"},
                         {"muted_share", "0.5"}}));
}

TEST(WorldTest, ASoundtrackCatchesVisuallyEditedCopiesThatThePictureMisses) {
  const World heard = RunWorld(SoundtrackWorld(true), 30), blind = RunWorld(SoundtrackWorld(false), 30);
  const auto &h = heard.log().uploads, &b = blind.log().uploads;
  ASSERT_EQ(h.size(), b.size());
  int caught = 0, muted = 0;
  for (size_t i = 1; i < h.size(); ++i) {
    // the same copies arrive either way, with the same hashes
    EXPECT_EQ(h[i].parent, 0) << i;
    EXPECT_EQ(h[i].distance_to_original, b[i].distance_to_original) << i;
    EXPECT_EQ(h[i].audio_distance_to_original, b[i].audio_distance_to_original) << i;
    EXPECT_GT(h[i].distance_to_original, 31) << i;  // the picture is never within reach
    // without soundtrack matching nothing is blocked; with it, every copy with a soundtrack
    // near the stream's (held since its removal at minute 0) is, and no muted one
    EXPECT_EQ(b[i].outcome, UploadOutcome::kLive) << i;
    if (!h[i].audio_usable) {
      EXPECT_EQ(h[i].audio_distance_to_original, -1);
      EXPECT_EQ(h[i].outcome, UploadOutcome::kLive) << i;
      ++muted;
    } else if (h[i].audio_distance_to_original <= 31) {
      EXPECT_EQ(h[i].outcome, UploadOutcome::kBlocked) << i;
      EXPECT_EQ(h[i].channel, RemovalChannel::kAudioMatch) << i;
      ++caught;
    }
  }
  EXPECT_GT(caught, 150);
  EXPECT_GT(muted, 150);
  // what the soundtrack caught shows pictures not held before: each is shared as a variant
  EXPECT_GT(heard.usable_hashes(0).size(), 100);
  EXPECT_EQ(blind.usable_hashes(0).size(), 1);  // the stream's alone
}

TEST(WorldTest, ARecutOrAReportersVoiceCarriesNoSoundtrackToMatch) {
  // re-cuts flip 30% of the soundtrack's bits (~77), a voice-over replaces it; news reports
  // that keep the footage's sound are matched by it: the collateral soundtrack matching adds
  WorldConfig cfg =
      WorldFrom(Base("  - {name: a, upload_share: 1, news_share: 1, hash_screening: true, database_access: member, "
                     "contributes: true, review_capacity: 1000, audio_matching: true}\n",
                     {{"edit_probability", "1"}, {"crop_share", "0"}, {"overlay_share", "0"}},
                     "news: {uploads_per_minute: 10, excerpt_share: 1, excerpt_flip_rate: 0.03, voiceover_share: 0.5, "
                     "appeal_probability: 0}\n"));
  const World w = RunWorld(cfg, 30);
  int recut = 0, voiced = 0, sounded = 0;
  for (const UploadRecord& r : w.log().uploads) {
    if (r.kind == UploadKind::kCopy) {
      EXPECT_EQ(r.copy_kind, static_cast<uint8_t>(CopyKind::kRecut));
      EXPECT_GT(r.audio_distance_to_original, 31);
      EXPECT_NE(r.channel, RemovalChannel::kAudioMatch);
      ++recut;
    } else if (r.kind == UploadKind::kNews) {
      // the excerpt's picture is 3% off the stream's, so the picture hash blocks it first;
      // its soundtrack is the footage's (near) or a voice (about 128 bits off)
      const bool voice = r.audio_distance_to_original > 64;
      voiced += voice, sounded += !voice;
      if (!voice) {
        EXPECT_LE(r.audio_distance_to_original, 31);
      }
    }
  }
  EXPECT_GT(recut, 300);
  // about half the reports each way: 300 reports, 4 standard errors of a Binomial(300, 0.5)
  EXPECT_NEAR(voiced, (voiced + sounded) / 2.0, 4 * std::sqrt((voiced + sounded) * 0.25));
}

TEST(WorldTest, SoundtrackMatchingNeedsHashScreening) {
  DiagnosticList diags;
  ValidateWorld(YAML::Load(Base("  - {name: a, upload_share: 1, hash_screening: false, audio_matching: true}\n")),
                "w.yaml", "world", diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags.items()[0].message.find("audio_matching: needs hash_screening: true"), std::string::npos)
      << diags.items()[0].message;
  EXPECT_EQ(diags.items()[0].file, "w.yaml");
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

// platform a holds the stream's hash from minute 0 and blocks every exact copy; b, c and d
// screen nothing (or, with `all_screen`, hold the hash too and block every copy)
WorldConfig RetryWorld(const std::string& probability, const std::string& overlap, const std::string& max_retries,
                       bool all_screen = false) {
  const std::string other = all_screen ? "hash_screening: true, database_access: member" : "hash_screening: false";
  return WorldFrom(Base(kOrigin + "  - {name: b, upload_share: 0.25, " + other + "}\n" +
                            "  - {name: c, upload_share: 0.25, " + other + "}\n" +
                            "  - {name: d, upload_share: 0.25, " + other + "}\n",
                        {{"retry_probability", probability},
                         {"account_overlap", overlap},
                         {"retry_delay_minutes", "5"},
                         {"max_retries", max_retries}},
                        "hash_database: {contribution_delay_minutes: 0}\n"));
}

// the uploads of a chain of retries, from the first copy to `i`
std::vector<int64_t> Chain(const std::vector<UploadRecord>& up, int64_t i) {
  std::vector<int64_t> chain{i};
  while (up[chain.back()].retry_of >= 0) chain.push_back(up[chain.back()].retry_of);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

TEST(WorldTest, ABlockedUploaderRetriesOnceElsewhereAfterTheDelay) {
  const World w = RunWorld(RetryWorld("1", "1", "3"), 60);
  const auto& up = w.log().uploads;
  std::vector<int> children(up.size(), 0);
  int to[4] = {};
  int64_t retries = 0;
  for (size_t i = 1; i < up.size(); ++i) {
    const UploadRecord& r = up[i];
    if (r.retry_of < 0) continue;
    ++retries;
    const UploadRecord& blocked = up[r.retry_of];
    ++children[r.retry_of];
    // a retry follows a block at upload on another platform, delay minutes later, and copies it
    EXPECT_EQ(blocked.outcome, UploadOutcome::kBlocked) << i;
    EXPECT_EQ(blocked.kind, UploadKind::kCopy) << i;
    EXPECT_NE(r.platform, blocked.platform) << i;
    EXPECT_EQ(r.minute, blocked.outcome_minute + 5) << i;
    EXPECT_EQ(r.parent, r.retry_of) << i;
    EXPECT_EQ(r.kind, UploadKind::kCopy) << i;
    EXPECT_EQ(r.hash_usable, blocked.hash_usable) << i;  // the same file, posted again
    ++to[r.platform];
  }
  // every copy a blocked (every uploader retries and holds every account) has one retry
  // due within the run, and no other upload has any
  int64_t blocked_on_a = 0;
  for (size_t i = 1; i < up.size(); ++i) {
    const bool due = up[i].platform == 0 && up[i].outcome == UploadOutcome::kBlocked && up[i].outcome_minute + 5 < 60;
    blocked_on_a += due;
    EXPECT_EQ(children[i], due ? 1 : 0) << i;
  }
  ASSERT_GT(blocked_on_a, 200);
  EXPECT_EQ(retries, blocked_on_a);
  // b, c and d weigh alike (upload_share 0.25 each): each gets a third, within 4 standard errors
  for (int p = 1; p < 4; ++p) {
    const double n = static_cast<double>(retries), share = to[p] / n;
    EXPECT_NEAR(share, 1.0 / 3, 4 * std::sqrt(2.0 / 9 / n)) << "platform " << p;
  }
  // the metric counts them where they arrive
  std::vector<double> row(w.columns().size());
  w.WriteRow(row.data());
  const auto col = [&](const std::string& name) {
    return row[std::find(w.columns().begin(), w.columns().end(), name) - w.columns().begin()];
  };
  EXPECT_EQ(col("retry_uploads"), static_cast<double>(retries));
  EXPECT_EQ(col("retry_uploads@a"), 0.0);
  EXPECT_EQ(col("retry_uploads@b") + col("retry_uploads@c") + col("retry_uploads@d"), static_cast<double>(retries));
}

TEST(WorldTest, NobodyRetriesWithoutAnotherAccountOrWillAndFreshUploadsStayTheSame) {
  // the negative controls: no retry without will (probability 0) or another account
  // (overlap 0), and the uploads that are not retries are drawn alike in every arm
  const World off = RunWorld(RetryWorld("0", "1", "3"), 60), none = RunWorld(RetryWorld("1", "0", "3"), 60);
  const World on = RunWorld(RetryWorld("1", "1", "3"), 60);
  ASSERT_EQ(off.log().uploads.size(), none.log().uploads.size());
  for (size_t i = 0; i < off.log().uploads.size(); ++i) {
    EXPECT_EQ(off.log().uploads[i].retry_of, -1);
    EXPECT_EQ(none.log().uploads[i].retry_of, -1);
    EXPECT_EQ(off.log().uploads[i].key, i);  // without retries an upload's key is its id
  }
  std::vector<const UploadRecord*> fresh;
  for (const UploadRecord& r : on.log().uploads)
    if (r.retry_of < 0) fresh.push_back(&r);
  ASSERT_EQ(fresh.size(), off.log().uploads.size());
  ASSERT_GT(on.log().uploads.size(), fresh.size());
  for (size_t i = 0; i < fresh.size(); ++i) {
    const UploadRecord &a = *fresh[i], &b = off.log().uploads[i];
    EXPECT_EQ(a.key, b.key) << i;
    EXPECT_EQ(a.platform, b.platform) << i;
    EXPECT_EQ(a.minute, b.minute) << i;
    EXPECT_EQ(a.kind, b.kind) << i;
    EXPECT_EQ(a.distance_to_parent, b.distance_to_parent) << i;
  }
}

TEST(WorldTest, RetriesStopAtMaxRetriesAndNeverReturnToAPlatformTried) {
  // every platform blocks every copy: a chain goes on until the uploader has tried every
  // platform or max_retries times
  for (const int max_retries : {1, 2, 5}) {
    const World w = RunWorld(RetryWorld("1", "1", std::to_string(max_retries), true), 60);
    const auto& up = w.log().uploads;
    size_t longest = 0;
    for (size_t i = 1; i < up.size(); ++i) {
      if (up[i].kind != UploadKind::kCopy) continue;
      const std::vector<int64_t> chain = Chain(up, static_cast<int64_t>(i));
      longest = std::max(longest, chain.size());
      std::vector<int32_t> platforms;
      for (const int64_t c : chain) platforms.push_back(up[c].platform);
      std::sort(platforms.begin(), platforms.end());
      EXPECT_EQ(std::unique(platforms.begin(), platforms.end()), platforms.end()) << "upload " << i;
      EXPECT_LE(chain.size(), static_cast<size_t>(std::min(max_retries + 1, 4))) << "upload " << i;
    }
    EXPECT_EQ(longest, static_cast<size_t>(std::min(max_retries + 1, 4)));
  }
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

TEST(WorldTest, FragileBitsKeepChainsOfReencodesWithinTheirCount) {
  // re-encodes only, copied from what was seen (copies outweigh the recording soon), on a
  // platform that removes nothing: with 8 fragile bits every copy lies within 8 bits of the
  // stream however deep its chain, each fragile bit differing from the stream's with
  // probability 1/2 (distance Binomial(8, 1/2)); without them (flip rate 0.015 a bit), chains drift
  const std::string platform =
      "  - {name: a, upload_share: 1, hash_screening: false, review_capacity: 0, views_per_minute: 5}\n";
  const std::map<std::string, std::string> incident = {
      {"source_weight", "1"}, {"reencode_flip_rate", "0.015"}, {"first_report_minute", "100000"}};
  auto with = incident;
  with["reencode_fragile_bits"] = "8";
  const World fragile = RunWorld(WorldFrom(Base(platform, with)), 200);
  const World drift = RunWorld(WorldFrom(Base(platform, incident)), 200);
  double sum = 0;
  int n = 0, deep = 0;
  for (size_t i = 1; i < fragile.log().uploads.size(); ++i) {
    const UploadRecord& r = fragile.log().uploads[i];
    EXPECT_LE(r.distance_to_original, 8) << i;
    EXPECT_LE(r.distance_to_parent, 8) << i;
    sum += r.distance_to_original;
    ++n;
    deep += r.parent > 0 && fragile.log().uploads[r.parent].parent > 0;  // a copy of a copy
  }
  ASSERT_GT(n, 3000);
  ASSERT_GT(deep, 1000);
  EXPECT_NEAR(sum / n, 4.0, 4 * std::sqrt(2.0 / n));  // Binomial(8, 1/2): mean 4, variance 2
  int beyond = 0;
  for (const UploadRecord& r : drift.log().uploads) beyond += r.distance_to_original > 8;
  EXPECT_GT(beyond, 100);
}

}  // namespace
}  // namespace counterpoint

namespace counterpoint {
namespace {

TEST(WorldTest, FragileSoundtrackBitsKeepChainsOfCarriedSoundsWithinTheirCount) {
  // the same for the soundtrack, which re-encodes carry over: with 16 fragile bits every
  // copy's soundtrack lies within 16 bits of the stream's however deep its chain (distance
  // Binomial(16, 1/2): mean 8, variance 4); without them (0.03 a bit) chains drift; the
  // pictures' hashes are the same either way
  const std::string platform =
      "  - {name: a, upload_share: 1, hash_screening: false, review_capacity: 0, views_per_minute: 5}\n";
  const std::map<std::string, std::string> incident = {
      {"source_weight", "1"}, {"audio_flip_rate", "0.03"}, {"first_report_minute", "100000"}};
  auto with = incident;
  with["audio_fragile_bits"] = "16";
  const World fragile = RunWorld(WorldFrom(Base(platform, with)), 200);
  const World drift = RunWorld(WorldFrom(Base(platform, incident)), 200);
  ASSERT_EQ(fragile.codes(), drift.codes());
  double sum = 0;
  int n = 0, deep = 0;
  for (size_t i = 1; i < fragile.log().uploads.size(); ++i) {
    const UploadRecord& r = fragile.log().uploads[i];
    ASSERT_GE(r.audio_distance_to_original, 0) << i;  // nobody mutes
    EXPECT_LE(r.audio_distance_to_original, 16) << i;
    sum += r.audio_distance_to_original;
    ++n;
    deep += r.parent > 0 && fragile.log().uploads[r.parent].parent > 0;
  }
  ASSERT_GT(n, 3000);
  ASSERT_GT(deep, 1000);
  EXPECT_NEAR(sum / n, 8.0, 4 * std::sqrt(4.0 / n));
  int beyond = 0;
  for (const UploadRecord& r : drift.log().uploads) beyond += r.audio_distance_to_original > 16;
  EXPECT_GT(beyond, 100);
}

}  // namespace
}  // namespace counterpoint
