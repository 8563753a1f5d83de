#include "world/world.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/poisson.h"
#include "core/rng.h"

namespace counterpoint {

const std::vector<MetricSpec>& WorldMetrics() {
  static const std::vector<MetricSpec> specs = [] {
    const std::vector<MetricSpec> base = {
        LevelMetric("attack_uploads", "uploads", "attack copies uploaded so far (the stream included), blocked or not"),
        LevelMetric("blocked_at_upload", "uploads", "attack copies refused at upload so far"),
        ShareMetric("blocked_share", "share of attack uploads", "blocked_at_upload / attack_uploads"),
        LevelMetric("removed_after_upload", "uploads", "attack copies removed after they went live, so far"),
        LevelMetric("live_copies", "uploads", "attack copies visible now"),
        LevelMetric("views", "views", "views of attack copies so far (the live stream included)"),
        ShareMetric("within_hour_share", "share of attack uploads",
                    "of the attack uploads at least an hour old, those blocked or removed within 60 minutes of upload"),
        LevelMetric("hashes_shared", "hashes", "hashes contributed to the shared database so far"),
        LevelMetric("news_uploads", "uploads", "news reports uploaded so far"),
        LevelMetric("news_hit", "uploads", "news reports blocked or removed so far (restored ones included)"),
        LevelMetric("news_restored", "uploads", "news reports restored on appeal so far"),
        LevelMetric("orders", "orders", "removal orders received so far"),
        ShareMetric("orders_met_share", "share of orders",
                    "of the removal orders whose deadline has passed or that were met, those met in time"),
        LevelMetric("notices", "notices", "trusted flaggers' notices received so far"),
        ShareMetric("notice_feedback_within_hour_share", "share of notices",
                    "of the notices at least an hour old or answered, those whose flagger was told the action taken "
                    "within 60 minutes"),
        LevelMetric("preserved", "uploads",
                    "blocked or removed items kept for law enforcement now (never shown; until their retention ends or "
                    "they are restored)"),
        LevelMetric("preserved_news", "uploads", "news reports among the preserved items"),
        LevelMetric("access_granted", "requests", "authorities' requests for preserved items granted so far"),
        LevelMetric("retry_uploads", "uploads",
                    "attack copies uploaded by uploaders retrying after a block on another platform, so far "
                    "(displacement; included in attack_uploads)")};
    std::vector<MetricSpec> all = base;
    all.push_back(LevelMetric("protocol_active", "0 or 1", "1 while the emergency protocol is active"));
    for (MetricSpec s : base) {
      s.name += "@<platform>";
      s.definition += ", on that platform";
      all.push_back(s);
    }
    all.push_back(LevelMetric("unseated_copies@<platform>", "uploads",
                              "attack copies that went live on a platform with a simulated audience after its seats "
                              "(the audience catalog's re-upload pool) ran out, so far: nobody saw them"));
    all.push_back(LevelMetric("views_at_risk@<platform>", "views",
                              "on a platform with a simulated audience: views of attack copies by its users at risk "
                              "at the start (docs/metrics.md, \"At risk\"), so far"));
    all.push_back(LevelMetric("news_views@<platform>", "views",
                              "on a platform with a simulated audience: views of news reports (their seats' clicks "
                              "times viewers_per_user), so far; a report blocked or removed in error has none until "
                              "it is restored"));
    all.push_back(LevelMetric("unseated_news@<platform>", "uploads",
                              "news reports that went live on a platform with a simulated audience after its news "
                              "seats (the audience catalog's news pool) ran out, so far: nobody saw them"));
    all.push_back(LevelMetric("people_reached", "people",
                              "with simulated audiences: people who viewed at least one attack copy on any platform "
                              "with one, so far, each counted once however many platforms they use (simulated users "
                              "times viewers_per_user)"));
    all.push_back(LevelMetric("people_reached_at_risk", "people",
                              "the same, of the people at risk at the start (their first platform's flag)"));
    return all;
  }();
  return specs;
}

UploadRates UploadRatesAt(const WorldConfig& w, int64_t minute) {
  const IncidentConfig& inc = w.incident;
  UploadRates r;
  if (minute < inc.reuploads_start_minute) return r;
  const double since = static_cast<double>(minute - inc.reuploads_start_minute);
  const double ramp = inc.ramp_minutes > 0 ? std::min(1.0, (since + 1) / inc.ramp_minutes) : 1.0;
  r.copies = inc.uploads_per_minute * ramp * std::exp(-since / (60 * inc.decay_hours));
  r.news = w.news.uploads_per_minute * std::exp(-since / (60 * w.news.decay_hours));
  return r;
}

namespace {
constexpr int kMetrics = 19;  // per platform (WorldMetrics' first 19)
constexpr int64_t kHourMinutes = 60;
enum Stream : uint64_t {
  kCounts = 1,
  kItem,
  kHash,
  kStepItem,
  kPreservation,
  kAudio,
  kRetry,
  kAccounts,
  kFragile,
  kAudioFragile
};
// a retry's key: derived from the blocked copy's, with bit 62 set, so it never meets the
// keys of uploads that are not retries (their count, far below 2^62)
uint64_t RetryKey(uint64_t blocked_key) { return (uint64_t{1} << 62) | (DeriveSeed(blocked_key, kRetry) >> 2); }
// the draws keyed by (kStepItem, item, minute), one slot each: a report (0), the block's own
// authority's order (1), a review's decision (2), a trusted flagger's notice (3), the views
// (Poisson from 16 up: inversion uses 16, PTRS 16 + 2k for its k-th attempt), and each listed
// authority's order (kAuthoritySlot + its index), far above any attempt PTRS makes
constexpr uint64_t kNoticeSlot = 3;
constexpr uint64_t kAuthoritySlot = uint64_t{1} << 40;
// an upload's seat_ before it has one, and after it found none left
constexpr int64_t kNoSeatYet = -1, kNoSeatLeft = -2;
// For each of `items`, the item of the nearest code `db` holds within `radius` of the
// item's code in `codes` (kHashBytes per upload), or -1 (HashDatabase::Within's labels)
std::vector<int64_t> NearestWithin(const HashDatabase& db, const std::vector<uint8_t>& codes,
                                   const std::vector<int64_t>& items, int radius) {
  std::vector<int64_t> labels(items.size(), -1);
  if (items.empty()) return labels;
  std::vector<uint8_t> batch(items.size() * kHashBytes);
  for (size_t k = 0; k < items.size(); ++k)
    std::memcpy(batch.data() + k * kHashBytes, codes.data() + items[k] * kHashBytes, kHashBytes);
  std::vector<int32_t> distances(items.size());
  db.Within(batch.data(), static_cast<int64_t>(items.size()), radius, distances.data(), labels.data());
  return labels;
}
// a re-encode's hash from its content's (already in `code`): the first `fragile` positions of
// a shuffle drawn for the content (`content_key`), each re-drawn for this upload (`key`): it
// differs from the content's there with probability 1/2
void RedrawFragileBits(uint64_t stream_seed, uint64_t content_key, uint64_t key, int64_t fragile, uint8_t* code) {
  const CounterRng bits(stream_seed, content_key, 0, Purpose::kIntervention);
  const CounterRng redraw(stream_seed, key, 1, Purpose::kIntervention);
  int position[kHashBits];
  for (int b = 0; b < kHashBits; ++b) position[b] = b;
  for (int64_t j = 0; j < fragile; ++j) {
    const auto pick = static_cast<int>(j + static_cast<int64_t>(bits.Below(j, kHashBits - j)));
    std::swap(position[j], position[pick]);
    if (redraw.Uniform(j) < 0.5) code[position[j] / 8] ^= static_cast<uint8_t>(1u << (position[j] % 8));
  }
}
// the index that u in [0, sum of weights) falls on when the positive weights are laid end
// to end in order; rounding past the end stays on the last positive weight; -1 if none is
int PickByWeight(double u, const std::vector<double>& weight) {
  int picked = -1;
  for (size_t p = 0; p < weight.size(); ++p) {
    if (weight[p] <= 0) continue;
    picked = static_cast<int>(p);
    if (u < weight[p]) break;
    u -= weight[p];
  }
  return picked;
}
// the review queues, in the order reviewers take them: orders, then trusted flaggers' notices
enum Priority { kOrders, kNotices, kReports, kClassifierFlags, kSafeguardReview, kPriorities };
}  // namespace

World::World(const WorldConfig& config, uint64_t seed, std::vector<std::unique_ptr<Audience>> audiences)
    : cfg_(config), seed_(seed), m_(config.minutes_per_step) {
  const size_t n_platforms = cfg_.platforms.size();
  seating_.resize(n_platforms);
  for (size_t p = 0; p < audiences.size() && p < n_platforms; ++p) seating_[p].audience = std::move(audiences[p]);
  log_.minutes_per_step = m_;
  for (const auto& p : cfg_.platforms) log_.platforms.push_back(p.name);
  for (size_t p = 0; p < n_platforms; ++p) {
    usable_.push_back(std::make_unique<HashDatabase>(1024));
    usable_audio_.push_back(std::make_unique<HashDatabase>(cfg_.platforms[p].audio_matching ? 1024 : 0));
  }
  usable_since_.resize(n_platforms);
  queues_.resize(n_platforms * kPriorities);
  flags_due_.resize(n_platforms);
  open_orders_.resize(n_platforms);
  open_notices_.resize(n_platforms);
  fresh_.resize(n_platforms);
  counts_.resize(n_platforms);
  for (const AuthorityConfig& a : cfg_.orders.authorities) {
    log_.authorities.push_back(a.name);
    std::vector<uint8_t> looks(n_platforms, a.platforms.empty() ? 1 : 0);
    for (const int p : a.platforms) looks[p] = 1;
    authority_looks_.push_back(std::move(looks));
  }
  preservation_ = std::make_unique<Preservation>(cfg_.preservation, DeriveSeed(seed_, kPreservation), authority_looks_,
                                                 n_platforms);
  if (cfg_.database.background_hashes > 0) {
    background_ = std::make_unique<HashDatabase>(cfg_.database.background_hashes);
    uint8_t code[kHashBytes];
    const uint64_t bg_seed = DeriveSeed(seed_, 1000 + kHash);
    for (int64_t k = 0; k < cfg_.database.background_hashes; ++k) {
      RandomHash(bg_seed, k, code);
      background_->Add(-2 - k, code);  // -1 is "no match"
    }
  }
  for (const Seating& s : seating_) audiences_ |= s.audience != nullptr;
  for (const auto& s : WorldMetrics())
    if (s.name.find('@') == std::string::npos && s.name.rfind("people_", 0) != 0) columns_.push_back(s.name);
  for (const auto& p : cfg_.platforms)
    for (int k = 0; k < kMetrics; ++k) columns_.push_back(WorldMetrics()[k].name + "@" + p.name);
  for (size_t p = 0; p < n_platforms; ++p)
    if (seating_[p].audience) {
      columns_.push_back("unseated_copies@" + cfg_.platforms[p].name);
      columns_.push_back("views_at_risk@" + cfg_.platforms[p].name);
      columns_.push_back("news_views@" + cfg_.platforms[p].name);
      columns_.push_back("unseated_news@" + cfg_.platforms[p].name);
    }
  if (audiences_) {
    columns_.push_back("people_reached");
    columns_.push_back("people_reached_at_risk");
  }
  // the stream: item 0, on the origin, live from minute 0
  const int origin = cfg_.Platform(cfg_.incident.origin);
  AddUpload(origin, UploadKind::kStream, -1, 0, static_cast<uint8_t>(CopyKind::kOriginal), 0, false, next_key_++);
  counts_[origin].attack_uploads += 1;
  GoLive(0, 0);
}

World::~World() = default;
World::World(World&&) noexcept = default;
World& World::operator=(World&&) noexcept = default;

bool World::UnderProtocol(int platform, int64_t minute) const {
  // the protocol binds the database's members, as the industry's incident protocol does
  return ProtocolActive(minute) && cfg_.platforms[platform].access == DatabaseAccess::kMember;
}

int World::Radius(int platform, int64_t minute) const {
  return UnderProtocol(platform, minute) ? cfg_.protocol.radius : cfg_.database.radius;
}

int64_t World::AddUpload(int platform, UploadKind kind, int64_t parent, int64_t minute, uint8_t copy_kind,
                         double flip_rate, bool verified, uint64_t key) {
  const int64_t id = static_cast<int64_t>(log_.uploads.size());
  const auto draw_key = static_cast<int64_t>(key);  // the hash draws take it as a signed stream id
  UploadRecord r;
  r.key = key;
  r.platform = platform;
  r.kind = kind;
  r.copy_kind = copy_kind;
  r.verified = verified;
  r.parent = parent;
  r.minute = minute;
  seat_.push_back(kNoSeatYet);
  codes_.resize(codes_.size() + kHashBytes);
  uint8_t* code = codes_.data() + id * kHashBytes;
  const uint64_t hash_seed = DeriveSeed(seed_, kHash);
  const int64_t fragile = cfg_.incident.reencode_fragile_bits;
  if (parent < 0) {
    RandomHash(hash_seed, draw_key, code);
    content_.push_back(id);
  } else if (fragile > 0 && copy_kind == static_cast<uint8_t>(CopyKind::kReencode)) {
    // the content's hash with its fragile bits re-drawn: within `fragile` bits of the
    // content however many re-encodes lie between
    const int64_t content = content_[parent];
    std::memcpy(code, codes_.data() + content * kHashBytes, kHashBytes);
    RedrawFragileBits(DeriveSeed(seed_, kFragile), log_.uploads[content].key, key, fragile, code);
    r.distance_to_parent = HammingDistance(code, codes_.data() + parent * kHashBytes);
    content_.push_back(content);
  } else {
    std::memcpy(code, codes_.data() + parent * kHashBytes, kHashBytes);
    r.distance_to_parent = FlipBitsAtRate(hash_seed, draw_key, flip_rate, code);
    content_.push_back(copy_kind == static_cast<uint8_t>(CopyKind::kReencode) ? content_[parent] : id);
  }
  r.distance_to_original = id == 0 ? 0 : HammingDistance(code, codes_.data());
  // the soundtrack: its source's, carried over with few flips by a re-encode, crop or
  // overlay and many by a re-cut, unless a copy drops it (muted, music) or a news report
  // puts a reporter's voice over the footage; an upload without footage has its own
  audio_codes_.resize(audio_codes_.size() + kHashBytes);
  uint8_t* audio = audio_codes_.data() + id * kHashBytes;
  const uint64_t audio_seed = DeriveSeed(seed_, kAudio);
  const CounterRng draw(DeriveSeed(seed_, kItem), key, 0, Purpose::kIntervention);
  const bool voiceover = kind == UploadKind::kNews && draw.Uniform(11) < cfg_.news.voiceover_share;
  if (parent < 0 || voiceover) {
    RandomHash(audio_seed, draw_key, audio);
    audio_content_.push_back(id);
  } else {
    std::memcpy(audio, audio_codes_.data() + parent * kHashBytes, kHashBytes);
    r.audio_usable = log_.uploads[parent].audio_usable &&
                     !(kind == UploadKind::kCopy && draw.Uniform(10) < cfg_.incident.muted_share);
    const CopyKind how = static_cast<CopyKind>(copy_kind);
    const bool carried = how != CopyKind::kRecut && how != CopyKind::kNewsExcerpt;  // the sound carried over
    const int64_t audio_fragile = cfg_.incident.audio_fragile_bits;
    if (carried && audio_fragile > 0) {
      // the sound's hash with its fragile bits re-drawn: within that many bits of the sound
      const int64_t sound = audio_content_[parent];
      std::memcpy(audio, audio_codes_.data() + sound * kHashBytes, kHashBytes);
      RedrawFragileBits(DeriveSeed(seed_, kAudioFragile), log_.uploads[sound].key, key, audio_fragile, audio);
      audio_content_.push_back(sound);
    } else {
      const double audio_rate = how == CopyKind::kRecut         ? cfg_.incident.recut_audio_flip_rate
                                : how == CopyKind::kNewsExcerpt ? cfg_.news.excerpt_flip_rate
                                                                : cfg_.incident.audio_flip_rate;
      FlipBitsAtRate(audio_seed, draw_key, audio_rate, audio);
      audio_content_.push_back(carried ? audio_content_[parent] : id);
    }
  }
  r.audio_distance_to_original = r.audio_usable ? HammingDistance(audio, audio_codes_.data()) : -1;
  log_.uploads.push_back(r);
  queued_.push_back(0);
  listed_.push_back(0);
  ordered_by_.push_back(0);
  // the source-choice weights (views so far; only attack items gain any)
  const int64_t i = id + 1;  // 1-based Fenwick index
  double below = 0;
  for (int64_t j = i - 1; j > 0; j -= j & -j) below += fenwick_[j - 1];
  for (int64_t j = i - (i & -i); j > 0; j -= j & -j) below -= fenwick_[j - 1];
  fenwick_.push_back(below);
  return id;
}

void World::AddWeight(int64_t item, double w) {
  if (w <= 0) return;
  weight_total_ += w;
  for (int64_t j = item + 1; j <= static_cast<int64_t>(fenwick_.size()); j += j & -j) fenwick_[j - 1] += w;
}

int64_t World::SampleParent(double u) const {
  // the first item whose running weight exceeds u (Fenwick descent)
  const int64_t n = static_cast<int64_t>(fenwick_.size());
  int64_t pos = 0, step = 1;
  while (step * 2 <= n) step *= 2;
  for (; step > 0; step /= 2)
    if (pos + step <= n && fenwick_[pos + step - 1] <= u) {
      pos += step;
      u -= fenwick_[pos - 1];
    }
  // rounding can step past the last weighted item: take the last one with views
  pos = std::min(pos, n - 1);
  while (pos > 0 && log_.uploads[pos].views <= 0) --pos;
  return pos;
}

void World::GoLive(int64_t item, int64_t minute) {
  UploadRecord& r = log_.uploads[item];
  r.outcome = UploadOutcome::kLive;
  r.channel = RemovalChannel::kNone;
  r.outcome_minute = -1;
  if (r.kind == UploadKind::kNews) {
    // only a report showing footage can match a hash or draw a flagger's notice
    if (r.parent >= 0 && !listed_[item]) live_news_.push_back(item), listed_[item] = 1;
    // a simulated audience sees it in the next news seat (its own again when restored)
    Seating& seats = seating_[r.platform];
    if (!seats.audience) return;
    if (seat_[item] >= 0) {
      seats.Show(seat_[item]);
    } else if (seat_[item] == kNoSeatYet) {
      if (const int64_t next = static_cast<int64_t>(seats.news_item.size()); next < seats.audience->news_seats()) {
        seat_[item] = seats.audience->seats() + next;
        seats.news_item.push_back(item);
        seats.Show(seat_[item]);
      } else {
        seat_[item] = kNoSeatLeft;  // counted once, however often it is restored
        seats.unseated_news += 1;
      }
    }
    return;
  }
  if (!listed_[item]) live_.push_back(item), listed_[item] = 1;
  counts_[r.platform].live += 1;
  // a copy on a platform with a simulated audience takes the next seat there, if any is left
  // (the stream keeps its parametric views: its audience is a calibrated figure)
  Seating& seats = seating_[r.platform];
  if (item > 0 && seats.audience && seat_[item] == kNoSeatYet) {
    if (seats.next_seat < seats.audience->seats()) {
      seat_[item] = seats.next_seat++;
      seats.Show(seat_[item]);
    } else {
      seat_[item] = kNoSeatLeft;
      seats.unseated += 1;
    }
  }
  const PlatformConfig& p = cfg_.platforms[r.platform];
  const CounterRng rng(DeriveSeed(seed_, kItem), r.key, 0, Purpose::kIntervention);
  if (item > 0 && rng.Uniform(5) < p.classifier_recall)
    flags_due_[r.platform].emplace_back(minute + p.classifier_delay_minutes, item);
}

void World::TakeDown(int64_t item, UploadOutcome outcome, RemovalChannel channel, int64_t minute) {
  // blocked at upload or removed after: a news report so treated may be restored on appeal
  UploadRecord& r = log_.uploads[item];
  const bool was_live = r.outcome == UploadOutcome::kLive;
  r.outcome = outcome;
  r.channel = channel;
  r.outcome_minute = minute;
  preservation_->Preserve(log_, item, minute);  // kept for law enforcement, never shown
  if (r.notice_minute >= 0 && r.feedback_minute < 0) r.feedback_minute = minute, r.notice_upheld = true;
  Counts& c = counts_[r.platform];
  if (r.kind == UploadKind::kNews) {
    c.news_hit += 1;
    if (r.hit == UploadOutcome::kLive) r.hit = outcome;
    const CounterRng rng(DeriveSeed(seed_, kItem), r.key, 0, Purpose::kIntervention);
    if (rng.Uniform(8) < cfg_.news.appeal_probability) appeals_.emplace_back(minute + cfg_.news.appeal_minutes, item);
    if (was_live && seat_[item] >= 0) seating_[r.platform].Hide(seat_[item]);
  } else if (outcome == UploadOutcome::kBlocked) {
    c.blocked += 1;
    if (r.kind == UploadKind::kCopy) ScheduleRetry(item, minute);
  } else {
    c.removed += 1;
    if (was_live) c.live -= 1;
    if (was_live && seat_[item] >= 0) seating_[r.platform].Hide(seat_[item]);
  }
}

void World::Contribute(int64_t item, int64_t minute) {
  // what the platform removed or blocked on its own judgement: it believes the item is the
  // attack, so its hash goes to the hashes it holds and, if it contributes, to the others'
  const int p = log_.uploads[item].platform;
  const PlatformConfig& own = cfg_.platforms[p];
  if (!log_.uploads[item].hash_usable) return;  // nothing to match others against
  const uint8_t* code = codes_.data() + item * kHashBytes;
  // a variant already held (a hash within the match radius) is not a new one: only new
  // variants are added and shared, as the industry database counts "visually distinct" ones
  int32_t d = kHashBits + 1;
  int64_t near = -1;
  usable_[p]->Within(code, 1, Radius(p, minute), &d, &near);
  if (near >= 0) return;
  if (own.hash_screening) MakeUsable(p, item, minute);
  if (own.contributes && own.access != DatabaseAccess::kNone) {
    counts_[p].hashes_shared += 1;
    // the emergency protocol's first trigger: a member's first removal of its own judgement
    if (cfg_.protocol.enabled && cfg_.protocol.trigger == "first_removal" && protocol_from_ < 0 &&
        own.access == DatabaseAccess::kMember)
      protocol_from_ = minute + m_;
    for (size_t q = 0; q < cfg_.platforms.size(); ++q) {
      const PlatformConfig& other = cfg_.platforms[q];
      if (static_cast<int>(q) == p || !other.hash_screening || other.access == DatabaseAccess::kNone) continue;
      int64_t delay = UnderProtocol(static_cast<int>(q), minute) ? 0 : cfg_.database.contribution_delay_minutes;
      if (other.access == DatabaseAccess::kIntermediary) delay += cfg_.database.intermediary_delay_minutes;
      pending_.push({minute + delay, pending_seq_++, static_cast<int32_t>(q), item});
    }
  }
}

void World::Enqueue(int64_t item, RemovalChannel channel) {
  const int p = log_.uploads[item].platform;
  int priority = kReports;
  if (channel == RemovalChannel::kOrder) priority = kOrders;
  if (channel == RemovalChannel::kClassifier) priority = kClassifierFlags;
  if (channel == RemovalChannel::kSafeguard) priority = kSafeguardReview;
  if (channel == RemovalChannel::kTrustedFlagger) priority = kNotices;
  if (priority != kOrders && priority != kNotices) {  // an order or notice is owed an answer: never merged
    if (queued_[item]) return;
    queued_[item] = 1;
  }
  queues_[p * kPriorities + priority].push_back({item, channel});
}

void World::Screen(const std::vector<int64_t>& items, int64_t minute) {
  // every upload of a step against the hashes usable at its start, one batch per platform
  const size_t n = items.size();
  std::vector<int64_t> label(n, -1);
  std::vector<int64_t> batch;
  std::vector<size_t> at;
  for (size_t p = 0; p < cfg_.platforms.size(); ++p) {
    if (!cfg_.platforms[p].hash_screening) continue;
    batch.clear(), at.clear();
    for (size_t k = 0; k < n; ++k)
      if (log_.uploads[items[k]].platform == static_cast<int32_t>(p) && log_.uploads[items[k]].hash_usable)
        batch.push_back(items[k]), at.push_back(k);
    if (at.empty()) continue;
    const int radius = Radius(static_cast<int>(p), minute);
    std::vector<int64_t> l = NearestWithin(*usable_[p], codes_, batch, radius);
    if (background_ && cfg_.platforms[p].access != DatabaseAccess::kNone) {
      const std::vector<int64_t> bl = NearestWithin(*background_, codes_, batch, radius);
      for (size_t j = 0; j < at.size(); ++j)
        if (l[j] < 0 && bl[j] != -1) l[j] = bl[j];
    }
    for (size_t j = 0; j < at.size(); ++j) label[at[j]] = l[j];
  }
  const std::vector<int64_t> audio_label = MatchSoundtracks(items, label);
  for (size_t k = 0; k < n; ++k) {
    const int64_t item = items[k];
    UploadRecord& r = log_.uploads[item];
    const PlatformConfig& p = cfg_.platforms[r.platform];
    const bool matched = label[k] != -1 || audio_label[k] != -1;
    const CounterRng rng(DeriveSeed(seed_, kItem), r.key, 0, Purpose::kIntervention);
    const double recall = r.kind == UploadKind::kNews ? p.upload_classifier_news_fpr : p.upload_classifier_recall;
    const bool classified = !matched && rng.Uniform(4) < recall;
    if (matched) {
      if (label[k] != -1)
        OnMatch(item, label[k], UploadOutcome::kBlocked, minute);
      else
        OnMatch(item, audio_label[k], UploadOutcome::kBlocked, minute, RemovalChannel::kAudioMatch);
      // a copy the soundtrack caught may show a picture not held yet: a new variant to share
      if (label[k] == -1 && r.outcome == UploadOutcome::kBlocked) Contribute(item, minute);
    } else if (!classified) {
      GoLive(item, minute);
    } else if (r.kind == UploadKind::kNews && r.verified && UnderProtocol(r.platform, minute) &&
               cfg_.protocol.news_safeguard) {
      r.outcome = UploadOutcome::kPending;  // held for a person to decide, not blocked
      Enqueue(item, RemovalChannel::kSafeguard);
    } else {
      TakeDown(item, UploadOutcome::kBlocked, RemovalChannel::kClassifier, minute);
      Contribute(item, minute);  // usable from the next step's uploads
    }
  }
}

std::vector<int64_t> World::MatchSoundtracks(const std::vector<int64_t>& items,
                                             const std::vector<int64_t>& label) const {
  // against the soundtrack hashes of what each platform holds, one batch per platform, at
  // the soundtrack's own radius (the protocol loosens the picture's only)
  std::vector<int64_t> found(items.size(), -1);
  std::vector<int64_t> batch;
  std::vector<size_t> at;
  for (size_t p = 0; p < cfg_.platforms.size(); ++p) {
    if (!cfg_.platforms[p].audio_matching || usable_audio_[p]->size() == 0) continue;
    batch.clear(), at.clear();
    for (size_t k = 0; k < items.size(); ++k) {
      const UploadRecord& r = log_.uploads[items[k]];
      if (r.platform == static_cast<int32_t>(p) && label[k] == -1 && r.audio_usable)
        batch.push_back(items[k]), at.push_back(k);
    }
    const std::vector<int64_t> l = NearestWithin(*usable_audio_[p], audio_codes_, batch, cfg_.database.audio_radius);
    for (size_t j = 0; j < at.size(); ++j) found[at[j]] = l[j];
  }
  return found;
}

void World::OnMatch(int64_t item, int64_t label, UploadOutcome outcome, int64_t minute, RemovalChannel channel) {
  // a hash match blocks the upload (or removes the live item a re-scan found), except that
  // under the protocol's safeguard a verified news account's report goes to a person first
  UploadRecord& r = log_.uploads[item];
  if (label >= 0) {
    r.match_platform = log_.uploads[label].platform;
    r.match_usable_minute = usable_since_[r.platform].at(label);
  }
  if (r.kind == UploadKind::kNews && r.verified && UnderProtocol(r.platform, minute) && cfg_.protocol.news_safeguard) {
    if (outcome == UploadOutcome::kBlocked) r.outcome = UploadOutcome::kPending;  // held, not shown, until decided
    Enqueue(item, RemovalChannel::kSafeguard);
  } else {
    TakeDown(item, outcome, channel, minute);
  }
}

void World::MakeUsable(int p, int64_t item, int64_t minute) {
  if (!usable_since_[p].emplace(item, minute).second) return;
  usable_[p]->Add(item, codes_.data() + item * kHashBytes);
  if (cfg_.platforms[p].audio_matching && log_.uploads[item].audio_usable)
    usable_audio_[p]->Add(item, audio_codes_.data() + item * kHashBytes);
  if (cfg_.platforms[p].rescan) fresh_[p].push_back(item);
}

void World::Uploads(int64_t t, int64_t minute) {
  const IncidentConfig& inc = cfg_.incident;
  const CounterRng counts(DeriveSeed(seed_, kCounts), 0, static_cast<uint64_t>(t), Purpose::kIntervention);
  // re-uploads: a rate that ramps up to its peak, then decays
  const UploadRates rates = UploadRatesAt(cfg_, minute);
  const int64_t n_copies = Poisson(counts, 0, rates.copies * m_);
  const int64_t n_news = Poisson(counts, 1 << 24, rates.news * m_);
  // where each goes: by the platforms' shares (they sum to 1, validated, where uploads come)
  std::vector<double> upload_share, news_share;
  for (const PlatformConfig& p : cfg_.platforms)
    upload_share.push_back(p.upload_share), news_share.push_back(p.news_share);
  // a source seen: the off-platform recording (the stream's footage) or a copy, by its views
  auto pick_source = [&](double u) {
    const double x = u * (inc.source_weight + weight_total_);
    return x < inc.source_weight || weight_total_ <= 0 ? int64_t{0} : SampleParent(x - inc.source_weight);
  };
  std::vector<int64_t> arrived;
  for (int64_t k = 0; k < n_copies + n_news; ++k) {
    const int64_t id = static_cast<int64_t>(log_.uploads.size());
    const uint64_t key = next_key_++;
    const CounterRng rng(DeriveSeed(seed_, kItem), key, 0, Purpose::kIntervention);
    if (k < n_copies) {
      const int p = PickByWeight(rng.Uniform(0), upload_share);
      AddCopy(p, pick_source(rng.Uniform(1)), minute, key);
    } else {
      const int p = PickByWeight(rng.Uniform(0), news_share);
      const bool excerpt = rng.Uniform(7) < cfg_.news.excerpt_share;
      const bool verified = rng.Uniform(6) < cfg_.news.verified_share;
      AddUpload(p, UploadKind::kNews, excerpt ? pick_source(rng.Uniform(1)) : -1, minute,
                static_cast<uint8_t>(excerpt ? CopyKind::kNewsExcerpt : CopyKind::kOriginal),
                cfg_.news.excerpt_flip_rate, verified, key);
      counts_[p].news_uploads += 1;
    }
    arrived.push_back(id);
  }
  // retries due this step, after the step's fresh uploads, in order of the minute they were due
  while (!retries_.empty() && retries_.top().minute < minute + m_) {
    const Retry due = retries_.top();
    retries_.pop();
    const int64_t copy = AddCopy(due.platform, due.blocked, minute, RetryKey(log_.uploads[due.blocked].key));
    log_.uploads[copy].retry_of = due.blocked;
    // the uploader posts again the file that was refused: its hash is as usable as before
    log_.uploads[copy].hash_usable = log_.uploads[due.blocked].hash_usable;
    counts_[due.platform].retry_uploads += 1;
    arrived.push_back(copy);
  }
  Screen(arrived, minute);
}

int64_t World::AddCopy(int platform, int64_t source, int64_t minute, uint64_t key) {
  // a re-encode of the source, or an edit (crop, overlay, re-cut) with edit_probability
  const IncidentConfig& inc = cfg_.incident;
  const HashPerturbation& hp = inc.perturbation;
  const CounterRng rng(DeriveSeed(seed_, kItem), key, 0, Purpose::kIntervention);
  CopyKind kind = CopyKind::kReencode;
  if (rng.Uniform(2) < inc.edit_probability) {
    const double e = rng.Uniform(3);
    kind = e < hp.crop_share                      ? CopyKind::kCrop
           : e < hp.crop_share + hp.overlay_share ? CopyKind::kOverlay
                                                  : CopyKind::kRecut;
  }
  const int64_t copy = AddUpload(platform, UploadKind::kCopy, source, minute, static_cast<uint8_t>(kind),
                                 FlipRate(kind, hp), false, key);
  log_.uploads[copy].hash_usable = rng.Uniform(9) >= inc.low_quality_share;
  counts_[platform].attack_uploads += 1;
  return copy;
}

void World::ScheduleRetry(int64_t item, int64_t minute) {
  // the uploader of a blocked copy tries again, once per block, on a platform where they hold
  // an account (each other platform with account_overlap, drawn once per uploader: the key of
  // the first copy of the chain) and have not tried, chosen by the platforms' upload shares
  const IncidentConfig& inc = cfg_.incident;
  if (inc.retry_probability <= 0) return;
  const UploadRecord& r = log_.uploads[item];
  const CounterRng retry(DeriveSeed(seed_, kRetry), r.key, 0, Purpose::kIntervention);
  if (retry.Uniform(0) >= inc.retry_probability) return;
  std::vector<uint8_t> tried(cfg_.platforms.size(), 0);
  int64_t first = item, tries = 0;
  for (; log_.uploads[first].retry_of >= 0; first = log_.uploads[first].retry_of, ++tries)
    tried[log_.uploads[first].platform] = 1;
  tried[log_.uploads[first].platform] = 1;
  if (tries >= inc.max_retries) return;
  const CounterRng accounts(DeriveSeed(seed_, kAccounts), log_.uploads[first].key, 0, Purpose::kIntervention);
  double total = 0;
  std::vector<double> weight(cfg_.platforms.size(), 0);
  for (size_t p = 0; p < cfg_.platforms.size(); ++p)
    if (!tried[p] && accounts.Uniform(p) < inc.account_overlap) total += weight[p] = cfg_.platforms[p].upload_share;
  if (total <= 0) return;
  const int32_t to = PickByWeight(retry.Uniform(1) * total, weight);
  retries_.push({minute + inc.retry_delay_minutes, retry_seq_++, item, to});
}

void World::Seating::Show(int64_t seat) {
  // taken down earlier in this step: it simply stays up
  if (const auto it = std::find(hide.begin(), hide.end(), seat); it != hide.end())
    hide.erase(it);
  else
    show.push_back(seat);
}

void World::Seating::Hide(int64_t seat) {
  // shown earlier in this step: the audience never sees it
  if (const auto it = std::find(show.begin(), show.end(), seat); it != show.end())
    show.erase(it);
  else
    hide.push_back(seat);
}

void World::StepAudiences(int64_t minute) {
  for (Seating& s : seating_) {
    if (!s.audience) continue;
    s.audience->Step(minute / m_, s.show, s.hide, s.clicks, s.at_risk_clicks);
    s.show.clear();
    s.hide.clear();
    const double people = cfg_.platforms[&s - seating_.data()].viewers_per_user;
    // news reports' views: their seats' clicks (restored ones' included)
    for (size_t k = 0; k < s.news_item.size(); ++k) {
      const int64_t seat = s.audience->seats() + static_cast<int64_t>(k);
      const double v = static_cast<double>(s.clicks[seat]) * people;
      log_.uploads[s.news_item[k]].views += v;
      s.news_views += v;
    }
    // each person once, whichever platform they saw a copy on first
    for (const auto& [person, at_risk] : s.audience->people_clicking()) {
      if (person >= static_cast<int64_t>(people_seen_.size())) people_seen_.resize(person + 1, 0);
      if (people_seen_[person]) continue;
      people_seen_[person] = 1;
      people_reached_ += people;
      if (at_risk) people_reached_at_risk_ += people;
    }
  }
}

void World::Views(int64_t minute) {
  const IncidentConfig& inc = cfg_.incident;
  StepAudiences(minute);
  const uint64_t step_seed = DeriveSeed(seed_, kStepItem);
  size_t kept = 0;
  for (size_t k = 0; k < live_.size(); ++k) {
    const int64_t item = live_[k];
    UploadRecord& r = log_.uploads[item];
    if (r.outcome != UploadOutcome::kLive) {
      listed_[item] = 0;
      continue;
    }
    live_[kept++] = item;
    const PlatformConfig& p = cfg_.platforms[r.platform];
    double rate;
    if (item == 0)
      rate = minute < inc.live_minutes ? inc.live_views_per_minute : inc.replay_views_per_minute;
    else
      rate = p.views_per_minute * std::exp2(-static_cast<double>(minute - r.minute) / p.view_half_life_minutes);
    const CounterRng rng(step_seed, r.key, static_cast<uint64_t>(minute), Purpose::kIntervention);
    // views: a simulated audience's clicks on the copy's seat (none without a seat), or a
    // Poisson draw at the parametric rate
    double v = 0;
    Seating& seats = seating_[r.platform];
    if (item == 0 || !seats.audience) {
      v = static_cast<double>(Poisson(rng, 16, rate * m_));
    } else if (const int64_t s = seat_[item]; s >= 0) {
      v = static_cast<double>(seats.clicks[s]) * p.viewers_per_user;
      seats.views_at_risk += static_cast<double>(seats.at_risk_clicks[s]) * p.viewers_per_user;
    }
    r.views += v;
    counts_[r.platform].views += v;
    AddWeight(item, v);
    // a viewer's report (any of v views), the stream's first report at its set minute
    const bool forced = item == 0 && inc.first_report_minute >= minute && inc.first_report_minute < minute + m_;
    if (forced || (v > 0 && rng.Uniform(0) < 1 - std::pow(1 - p.report_probability, v)))
      Enqueue(item, RemovalChannel::kUserReport);
    // each authority that looks at this platform finds the copy at its own rate and orders
    // it removed, once (the block's own authority draws where a single one always did)
    for (size_t a = 0; a < cfg_.orders.authorities.size(); ++a) {
      const AuthorityConfig& auth = cfg_.orders.authorities[a];
      if (auth.find_rate_per_minute <= 0 || !authority_looks_[a][r.platform] || (ordered_by_[item] >> a & 1)) continue;
      if (rng.Uniform(a == 0 ? 1 : kAuthoritySlot + a) >= 1 - std::exp(-auth.find_rate_per_minute * m_)) continue;
      ordered_by_[item] |= uint64_t{1} << a;
      if (r.order_minute < 0) r.order_minute = minute;
      counts_[r.platform].orders += 1;
      open_orders_[r.platform].push_back(static_cast<int64_t>(log_.orders.size()));
      log_.orders.push_back({item, static_cast<int32_t>(a), minute, minute + auth.deadline_minutes});
      Enqueue(item, RemovalChannel::kOrder);
    }
  }
  live_.resize(kept);
  for (size_t p = 0; p < cfg_.platforms.size(); ++p)
    while (!flags_due_[p].empty() && flags_due_[p].front().first <= minute) {
      const int64_t item = flags_due_[p].front().second;
      flags_due_[p].pop_front();
      if (log_.uploads[item].outcome == UploadOutcome::kLive) Enqueue(item, RemovalChannel::kClassifier);
    }
}

void World::Notices(int64_t minute) {
  const FlaggersConfig& f = cfg_.flaggers;
  if (f.find_rate_per_minute <= 0 && f.news_rate_per_minute <= 0) return;
  const uint64_t step_seed = DeriveSeed(seed_, kStepItem);
  auto notify = [&](int64_t item, double rate) {
    UploadRecord& r = log_.uploads[item];
    if (r.notice_minute >= 0 || rate <= 0) return;  // one notice per item
    const CounterRng rng(step_seed, r.key, static_cast<uint64_t>(minute), Purpose::kIntervention);
    if (rng.Uniform(kNoticeSlot) >= 1 - std::exp(-rate * m_)) return;
    r.notice_minute = minute;
    counts_[r.platform].notices += 1;
    open_notices_[r.platform].push_back(item);
    Enqueue(item, RemovalChannel::kTrustedFlagger);
  };
  for (const int64_t item : live_)  // compacted by Views this step: all live
    notify(item, f.find_rate_per_minute);
  size_t kept = 0;
  for (const int64_t item : live_news_) {
    if (log_.uploads[item].outcome != UploadOutcome::kLive) {
      listed_[item] = 0;
      continue;
    }
    live_news_[kept++] = item;
    notify(item, f.news_rate_per_minute);
  }
  live_news_.resize(kept);
}

void World::Rescan(int64_t minute) {
  for (size_t p = 0; p < cfg_.platforms.size(); ++p) {
    std::vector<int64_t>& fresh = fresh_[p];
    if (fresh.empty()) continue;
    // the hashes that became usable this step (a restored report's withdrawn again are not)
    HashDatabase added(static_cast<int64_t>(fresh.size()));
    for (const int64_t item : fresh)
      if (usable_since_[p].count(item)) added.Add(item, codes_.data() + item * kHashBytes);
    fresh.clear();
    // against every live item of the platform with a usable hash, in a fixed order
    std::vector<int64_t> items;
    for (const auto* list : {&live_, &live_news_})
      for (const int64_t item : *list) {
        const UploadRecord& r = log_.uploads[item];
        if (r.platform == static_cast<int32_t>(p) && r.outcome == UploadOutcome::kLive && r.hash_usable)
          items.push_back(item);
      }
    if (items.empty() || added.size() == 0) continue;
    const std::vector<int64_t> l = NearestWithin(added, codes_, items, Radius(static_cast<int>(p), minute));
    for (size_t k = 0; k < items.size(); ++k)
      if (l[k] >= 0 && l[k] != items[k]) OnMatch(items[k], l[k], UploadOutcome::kRemoved, minute);
  }
}

void World::Review(int64_t minute) {
  const uint64_t step_seed = DeriveSeed(seed_, kStepItem);
  for (size_t p = 0; p < cfg_.platforms.size(); ++p) {
    const PlatformConfig& pc = cfg_.platforms[p];
    double capacity = static_cast<double>(pc.review_capacity * m_);
    if (UnderProtocol(static_cast<int>(p), minute)) capacity *= cfg_.protocol.review_capacity_factor;
    int64_t left = static_cast<int64_t>(std::floor(capacity));
    for (int prio = 0; prio < kPriorities && left > 0; ++prio) {
      auto& queue = queues_[p * kPriorities + prio];
      while (left > 0 && !queue.empty()) {
        const Queued q = queue.front();
        queue.pop_front();
        UploadRecord& r = log_.uploads[q.item];
        if (r.outcome != UploadOutcome::kLive && r.outcome != UploadOutcome::kPending) continue;  // decided already
        --left;
        queued_[q.item] = 0;
        const CounterRng rng(step_seed, r.key, static_cast<uint64_t>(minute), Purpose::kIntervention);
        const double u = rng.Uniform(2);
        const bool remove = r.kind == UploadKind::kNews ? u < pc.reviewer_false_removal : u >= pc.reviewer_miss;
        if (remove) {
          TakeDown(q.item, UploadOutcome::kRemoved, q.channel, minute);
          Contribute(q.item, minute);
        } else {
          // a news report the safeguard held is shown; a flagger is told the item stays
          if (r.outcome == UploadOutcome::kPending) GoLive(q.item, minute);
          if (q.channel == RemovalChannel::kTrustedFlagger && r.feedback_minute < 0) r.feedback_minute = minute;
        }
      }
    }
  }
}

void World::Appeals(int64_t minute) {
  while (appeals_head_ < appeals_.size() && appeals_[appeals_head_].first <= minute) {
    const int64_t item = appeals_[appeals_head_++].second;
    UploadRecord& r = log_.uploads[item];
    r.restored_minute = minute;
    counts_[r.platform].news_restored += 1;
    preservation_->Release(log_, item, minute);
    GoLive(item, minute);
    // the restored report's hash leaves every list it reached (a pending copy is skipped)
    for (size_t p = 0; p < usable_.size(); ++p)
      if (usable_since_[p].erase(item)) usable_[p]->Remove(item), usable_audio_[p]->Remove(item);
  }
}

void World::Tally(int64_t minute) {
  // the hour after each upload that has passed: blocked or removed within it?
  auto& up = log_.uploads;
  while (decided_cursor_ < up.size() && up[decided_cursor_].minute + kHourMinutes <= minute) {
    const UploadRecord& r = up[decided_cursor_++];
    if (r.kind == UploadKind::kNews) continue;
    Counts& c = counts_[r.platform];
    c.decided += 1;
    if (r.outcome_minute >= 0 && r.outcome_minute - r.minute <= kHourMinutes) c.within_hour += 1;
  }
  // each platform's open orders and notices: settled when met (an order's item taken down in
  // time, a notice's flagger told the action within the hour), decided unmet when due, else kept
  auto settle = [&](std::vector<std::vector<int64_t>>& open_by_platform, double Counts::*decided,
                    double Counts::*met_count, auto met, auto due) {
    for (size_t p = 0; p < open_by_platform.size(); ++p) {
      auto& open = open_by_platform[p];
      size_t kept = 0;
      for (const int64_t id : open) {
        if (met(id)) {
          counts_[p].*decided += 1, counts_[p].*met_count += 1;
        } else if (due(id)) {
          counts_[p].*decided += 1;
        } else {
          open[kept++] = id;
        }
      }
      open.resize(kept);
    }
  };
  settle(
      open_orders_, &Counts::orders_decided, &Counts::orders_met,
      [&](int64_t order) { return OrderMet(log_.orders[order], up[log_.orders[order].upload]); },
      [&](int64_t order) { return minute >= log_.orders[order].deadline_minute; });
  settle(
      open_notices_, &Counts::notices_decided, &Counts::notices_answered,
      [&](int64_t item) { return NoticeAnsweredWithin(up[item], kHourMinutes); },
      [&](int64_t item) { return minute - up[item].notice_minute >= kHourMinutes; });
}

void World::Step(int64_t t) {
  const int64_t minute = t * m_;
  // hashes contributed earlier that become usable now
  while (!pending_.empty() && pending_.top().minute <= minute) {
    const Pending e = pending_.top();
    pending_.pop();
    const UploadRecord& r = log_.uploads[e.item];
    if (r.restored_minute >= 0) continue;  // restored on appeal: withdrawn
    MakeUsable(e.platform, e.item, e.minute);
  }
  if (cfg_.protocol.enabled && cfg_.protocol.trigger == "minute" && protocol_from_ < 0 &&
      minute + m_ > cfg_.protocol.at_minute)
    protocol_from_ = std::max(cfg_.protocol.at_minute, minute);
  Uploads(t, minute);
  Views(minute);
  Notices(minute);
  Review(minute);
  Appeals(minute);
  Rescan(minute);
  Tally(minute);
  preservation_->Advance(log_, minute + m_);
  log_.last_minute = minute;
  protocol_active_now_ = ProtocolActive(minute) ? 1 : 0;
}

void World::WriteRow(double* row) const {
  auto values = [](const Counts& c, const PreservationCounts& k, double* out) {
    const double v[kMetrics] = {c.attack_uploads,
                                c.blocked,
                                c.attack_uploads > 0 ? c.blocked / c.attack_uploads : 0,
                                c.removed,
                                c.live,
                                c.views,
                                c.decided > 0 ? c.within_hour / c.decided : 0,
                                c.hashes_shared,
                                c.news_uploads,
                                c.news_hit,
                                c.news_restored,
                                c.orders,
                                c.orders_decided > 0 ? c.orders_met / c.orders_decided : 0,
                                c.notices,
                                c.notices_decided > 0 ? c.notices_answered / c.notices_decided : 0,
                                k.held,
                                k.held_news,
                                k.granted,
                                c.retry_uploads};
    std::copy(v, v + kMetrics, out);
  };
  Counts all;
  for (const Counts& c : counts_) {
    all.attack_uploads += c.attack_uploads, all.blocked += c.blocked, all.removed += c.removed, all.live += c.live;
    all.views += c.views, all.decided += c.decided, all.within_hour += c.within_hour;
    all.hashes_shared += c.hashes_shared, all.news_uploads += c.news_uploads, all.news_hit += c.news_hit;
    all.news_restored += c.news_restored, all.orders += c.orders, all.orders_decided += c.orders_decided;
    all.orders_met += c.orders_met, all.notices += c.notices, all.notices_decided += c.notices_decided;
    all.notices_answered += c.notices_answered, all.retry_uploads += c.retry_uploads;
  }
  PreservationCounts kept;
  for (const PreservationCounts& k : preservation_->counts())
    kept.held += k.held, kept.held_news += k.held_news, kept.granted += k.granted;
  values(all, kept, row);
  row[kMetrics] = protocol_active_now_;
  for (size_t p = 0; p < counts_.size(); ++p)
    values(counts_[p], preservation_->counts()[p], row + kMetrics + 1 + p * kMetrics);
  double* more = row + kMetrics + 1 + counts_.size() * kMetrics;
  for (const Seating& s : seating_)
    if (s.audience) *more++ = s.unseated, *more++ = s.views_at_risk, *more++ = s.news_views, *more++ = s.unseated_news;
  if (audiences_) *more++ = people_reached_, *more++ = people_reached_at_risk_;
}

}  // namespace counterpoint
