#include "world/preservation.h"

#include <cmath>
#include <limits>
#include <utility>

#include "core/rng.h"

namespace counterpoint {

namespace {
// the random slots of a record's draws at a request: an extension's, per authority, apart from
// the request times' (slot a at the take-down's minute)
constexpr uint64_t kExtensionSlot = 1000;
}  // namespace

Preservation::Preservation(const PreservationConfig& config, uint64_t seed, std::vector<std::vector<uint8_t>> looks,
                           size_t platforms)
    : cfg_(config),
      retention_(static_cast<int64_t>(std::round(config.retention_days * 1440))),
      seed_(seed),
      looks_(std::move(looks)),
      counts_(platforms) {}

void Preservation::Drop(const WorldLog& log, const PreservedRecord& r) {
  const UploadRecord& u = log.uploads[r.upload];
  counts_[u.platform].held -= 1;
  if (u.kind == UploadKind::kNews) counts_[u.platform].held_news -= 1;
}

void Preservation::Preserve(WorldLog& log, int64_t upload, int64_t minute) {
  if (static_cast<int64_t>(held_.size()) <= upload) held_.resize(upload + 1, -1);
  const int64_t record = static_cast<int64_t>(log.preserved.size());
  log.preserved.push_back({upload, minute, minute + retention_, -1});
  held_[upload] = record;
  const UploadRecord& u = log.uploads[upload];
  counts_[u.platform].held += 1;
  if (u.kind == UploadKind::kNews) counts_[u.platform].held_news += 1;
  const double rate = cfg_.access_rate_per_day / 1440;  // per minute
  if (rate <= 0) return;
  // each authority that looks at the platform asks for the item once, after an exponential
  // time (its first request; later ones would find it the same way)
  const int platform = u.platform;
  const CounterRng rng(seed_, u.key, static_cast<uint64_t>(minute), Purpose::kIntervention);
  for (size_t a = 0; a < looks_.size(); ++a) {
    if (!looks_[a][platform]) continue;
    const double wait = -std::log(rng.Uniform(a)) / rate;  // minutes, > 0
    // a request further away than any run can last is never due
    if (wait > 1e12) continue;
    due_.push({minute + static_cast<int64_t>(std::floor(wait)), seq_++, record, static_cast<int32_t>(a)});
  }
}

void Preservation::Release(WorldLog& log, int64_t upload, int64_t minute) {
  if (upload >= static_cast<int64_t>(held_.size()) || held_[upload] < 0) return;
  PreservedRecord& r = log.preserved[held_[upload]];
  held_[upload] = -1;
  if (!HeldAt(r, minute)) return;  // its retention ended first: already deleted
  r.released_minute = minute;
  Drop(log, r);
}

void Preservation::Advance(WorldLog& log, int64_t end) {
  while (!due_.empty() && due_.top().minute < end) {
    const Due d = due_.top();
    due_.pop();
    PreservedRecord& r = log.preserved[d.record];
    const AccessResult result = AccessAt(r, d.minute);
    log.accesses.push_back({d.record, d.authority, d.minute, result});
    PreservationCounts& c = counts_[log.uploads[r.upload].platform];
    c.requests += 1;
    if (result != AccessResult::kGranted) continue;
    c.granted += 1;
    // Art. 6(2): the authority asks that the item be kept longer, for its proceedings
    const CounterRng rng(seed_, log.uploads[r.upload].key, static_cast<uint64_t>(d.minute), Purpose::kIntervention);
    if (rng.Uniform(kExtensionSlot + static_cast<uint64_t>(d.authority)) >= cfg_.extension_probability) continue;
    const int64_t until = d.minute + static_cast<int64_t>(std::round(cfg_.extension_days * 1440));
    if (until <= r.until_minute) continue;
    r.until_minute = until;
    r.extended_minute = d.minute;
    extended_.push({until, d.record});
  }
  // records are preserved in order of minute and all kept equally long: they expire in order,
  // but for those extended, which expire from extended_
  auto expire = [&](int64_t record) {
    const PreservedRecord& r = log.preserved[record];
    if (r.released_minute >= 0) return;  // released before: counted then
    Drop(log, r);
    if (held_[r.upload] == record) held_[r.upload] = -1;
  };
  while (expiry_cursor_ < log.preserved.size() && log.preserved[expiry_cursor_].minute + retention_ < end) {
    const int64_t record = static_cast<int64_t>(expiry_cursor_++);
    if (log.preserved[record].extended_minute < 0) expire(record);
  }
  while (!extended_.empty() && extended_.top().first < end) {
    const auto [until, record] = extended_.top();
    extended_.pop();
    // a later extension pushed it further (its original end, earlier still, is behind the cursor)
    if (log.preserved[record].until_minute == until) expire(record);
  }
}

}  // namespace counterpoint
