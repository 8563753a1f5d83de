#include "recommender/interventions/counter_narrative_injection.h"

#include <faiss/IndexFlat.h>
#include <faiss/impl/IDSelector.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/collective.h"
#include "core/error.h"
#include "embeddings/flat_search.h"

namespace counterpoint {

ComponentSpec CounterNarrativeInjectionSpec() {
  return {
      "Redirect Method (Jigsaw and Moonshot CVE, 2016): counter-narratives nearest the user's estimate injected "
      "into fixed slots for users the platform flags as at risk (docs/interventions.md).",
      {StringParam("trigger", "harm_share",
                   "harm_share: rolling share of organic impressions with harm_score >= harm_threshold over the "
                   "last `window` steps above share_threshold; proximity: the estimate within cosine distance "
                   "`radius` of an item with harm_score >= harm_threshold; always",
                   {"harm_share", "proximity", "always"}),
       StringParam("targeting", "at_risk", "at_risk: only triggered users; everyone: every active user",
                   {"at_risk", "everyone"}),
       DoubleParam("harm_threshold", 0.5, "harm_score at or above which the platform treats an item as harmful", 0, 1),
       DoubleParam("share_threshold", 0.2, "harm_share: trigger when the share exceeds this", 0, 1),
       IntParam("window", 5, "harm_share: steps in the rolling window (this step included)", 1, 1000),
       DoubleParam("radius", 0.3, "proximity: cosine distance r (1 - cosine) to the nearest harmful-scored item", 0, 2),
       IntListParam("slots", {1}, "slate positions (0 = top) that receive a counter-narrative", 0, 255),
       IntParam("cap_impressions", 3, "frequency cap: at most this many injections per user ...", 0, 1e6),
       IntParam("cap_steps", 10, "... within this many steps", 1, 1e6),
       IntParam("budget_per_step", -1, "impressions per organisation per step (-1 = unlimited)", -1, 1e12),
       IntListParam("organisations", {},
                    "creator ids of the organisations whose counter-narratives are used (empty = all)", 0, 9.2e18)},
      {LevelMetric("cn_injected_impressions", "impressions", "counter-narratives injected this step"),
       LevelMetric("cn_injected_clicks", "clicks", "clicks on injected slots this step"),
       ShareMetric("cn_injected_ctr", "share of injected impressions", "clicks over injections this step"),
       LevelMetric("cn_users_reached", "users", "distinct users who received an injection so far"),
       LevelMetric("cn_triggered_users", "users", "active users whose trigger fired this step"),
       LevelMetric("cn_org<k>_impressions", "impressions",
                   "injections of organisation k's counter-narratives this step (k: its creator id)"),
       LevelMetric("cn_injected_impressions_total", "impressions", "injections since the start"),
       LevelMetric("cn_injected_clicks_total", "clicks", "clicks on injected slots since the start")}};
}

namespace {

using faiss_idx = faiss::Index::idx_t;

CounterNarrativeInjection::Trigger ParseTrigger(const std::string& s) {
  if (s == "proximity") return CounterNarrativeInjection::Trigger::kProximity;
  if (s == "always") return CounterNarrativeInjection::Trigger::kAlways;
  return CounterNarrativeInjection::Trigger::kHarmShare;
}

// a flat inner-product index over the given catalog rows, searched with the SIMD kernels
std::unique_ptr<faiss::IndexFlatIP> SubIndex(const PlatformView& cat, const std::vector<int64_t>& items,
                                             std::vector<float>& scratch) {
  std::unique_ptr<faiss::IndexFlatIP> index = std::make_unique<SimdIndexFlatIP>(cat.dim());
  scratch.resize(items.size() * cat.dim());
  for (size_t i = 0; i < items.size(); ++i) std::copy_n(cat.Embedding(items[i]), cat.dim(), &scratch[i * cat.dim()]);
  if (!items.empty()) index->add(static_cast<faiss_idx>(items.size()), scratch.data());
  return index;
}

// a search under a bitmap over local ids (SimdIndexFlatIP: exact, and a query's answer does
// not depend on the other queries of the call, so not on the batch size)
void FilteredSearch(const faiss::IndexFlatIP& index, const ItemFilter& live, const float* queries, int64_t nq, int k,
                    float* scores, int64_t* ids) {
  faiss::IDSelectorBitmap bitmap(static_cast<size_t>((live.size() + 7) / 8), live.bitmap());
  faiss::SearchParameters params;
  params.sel = &bitmap;
  index.search(nq, queries, k, scores, reinterpret_cast<faiss_idx*>(ids), &params);
}

}  // namespace

CounterNarrativeInjection::CounterNarrativeInjection(const Params& p)
    : trigger_(ParseTrigger(p.String("trigger"))),
      everyone_(p.String("targeting") == "everyone"),
      harm_threshold_(p.Double("harm_threshold")),
      share_threshold_(p.Double("share_threshold")),
      radius_(p.Double("radius")),
      window_(static_cast<int>(p.Int("window"))),
      slots_(p.IntList("slots")),
      cap_impressions_(static_cast<int>(p.Int("cap_impressions"))),
      cap_steps_(static_cast<int>(p.Int("cap_steps"))),
      budget_per_step_(p.Int("budget_per_step")),
      org_filter_(p.IntList("organisations")) {
  // slots are filled top to bottom; a repeated position would be filled twice
  std::sort(slots_.begin(), slots_.end());
  slots_.erase(std::unique(slots_.begin(), slots_.end()), slots_.end());
}

CounterNarrativeInjection::~CounterNarrativeInjection() = default;

void CounterNarrativeInjection::Init(const InterventionContext& ctx) {
  const PlatformView& cat = ctx.catalog;
  const std::string where = "counter_narrative_injection (arm '" + ctx.arm + "')";
  purpose_ = ctx.purpose;
  dim_ = cat.dim();
  slate_size_ = ctx.slate_size;
  for (int64_t s : slots_)
    if (s >= ctx.slate_size)
      throw InputError(where, "slot " + std::to_string(s) + " lies beyond the slate (slate_size " +
                                  std::to_string(ctx.slate_size) + "; positions are 0.." +
                                  std::to_string(ctx.slate_size - 1) + ")");
  // organisations: creators of counter-narratives (as the partners declared them), optionally restricted
  std::vector<int64_t> present;
  for (int64_t i = 0; i < cat.size(); ++i)
    if (cat.partner_counter_narrative(i)) present.push_back(cat.creator(i));
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  if (present.empty()) throw InputError(where, "the catalog has no counter_narrative item to inject");
  orgs_ = present;
  if (!org_filter_.empty()) {
    orgs_.clear();
    for (int64_t o : org_filter_) {
      if (!std::binary_search(present.begin(), present.end(), o)) {
        std::string ids;
        for (size_t i = 0; i < present.size() && i < 20; ++i) ids += (i ? ", " : "") + std::to_string(present[i]);
        throw InputError(where, "organisation " + std::to_string(o) +
                                    " publishes no counter-narrative in this catalog; organisations present: " + ids +
                                    (present.size() > 20 ? ", ..." : ""));
      }
      orgs_.push_back(o);
    }
    std::sort(orgs_.begin(), orgs_.end());
    orgs_.erase(std::unique(orgs_.begin(), orgs_.end()), orgs_.end());
  }
  // the sub-indexes: counter-narratives of those organisations; items the classifier scores harmful
  std::vector<float> scratch;
  for (int64_t i = 0; i < cat.size(); ++i) {
    if (cat.partner_counter_narrative(i)) {
      const auto org = std::lower_bound(orgs_.begin(), orgs_.end(), cat.creator(i));
      if (org == orgs_.end() || *org != cat.creator(i)) continue;
      cn_items_.push_back(i);
      cn_org_.push_back(static_cast<int32_t>(org - orgs_.begin()));
    }
    if (trigger_ == Trigger::kProximity && cat.harm_score(i) >= harm_threshold_) harm_items_.push_back(i);
  }
  cn_index_ = SubIndex(cat, cn_items_, scratch);
  harm_index_ = SubIndex(cat, harm_items_, scratch);
  k_cn_ = static_cast<int>(std::min<int64_t>(cn_items_.size(), static_cast<int64_t>(slots_.size()) + slate_size_));
  cn_live_ = ItemFilter(static_cast<int64_t>(cn_items_.size()));
  harm_live_ = ItemFilter(static_cast<int64_t>(harm_items_.size()));
  // per-user state (the users held: all, or this rank's block when sharded) and scratch, sized once
  first_ = ctx.first_user;
  const int64_t n = ctx.local_users;
  ring_step_.assign(n * window_, -1);
  ring_harmful_.assign(n * window_, 0);
  ring_total_.assign(n * window_, 0);
  cap_log_.assign(n * std::max(cap_impressions_, 1), std::numeric_limits<int32_t>::min());
  cap_head_.assign(n, 0);
  triggered_.assign(n, 0);
  reached_.assign(n, 0);
  budget_left_.assign(orgs_.size(), 0);
  org_impressions_.assign(orgs_.size(), 0);
  proximity_.assign(n, -std::numeric_limits<float>::infinity());
  targets_.reserve(n);
  const int64_t width = std::max(k_cn_, 1);
  chunk_queries_.assign(kChunk * dim_, 0.f);
  chunk_ids_.assign(kChunk * width, -1);
  wide_scores_.assign(cn_items_.size(), 0.f);
  wide_ids_.assign(cn_items_.size(), -1);
}

std::vector<std::string> CounterNarrativeInjection::ColumnsZeroWhenAbsent() const {
  std::vector<std::string> out;
  for (auto& c : Columns())
    if (c != "cn_injected_ctr") out.push_back(std::move(c));
  return out;
}

std::vector<std::string> CounterNarrativeInjection::Columns() const {
  std::vector<std::string> cols = {"cn_injected_impressions", "cn_injected_clicks", "cn_injected_ctr",
                                   "cn_users_reached", "cn_triggered_users"};
  for (int64_t o : orgs_) cols.push_back("cn_org" + std::to_string(o) + "_impressions");
  cols.push_back("cn_injected_impressions_total");
  cols.push_back("cn_injected_clicks_total");
  return cols;
}

void CounterNarrativeInjection::BeginStep(const RecContext& ctx) {
  // live items of the sub-indexes; every organisation's budget is full again
  for (size_t j = 0; j < cn_items_.size(); ++j) cn_live_.Set(j, ctx.items.available.IsAvailable(cn_items_[j]));
  for (size_t j = 0; j < harm_items_.size(); ++j) harm_live_.Set(j, ctx.items.available.IsAvailable(harm_items_[j]));
  std::fill(budget_left_.begin(), budget_left_.end(), budget_per_step_);
  CloseSpentOrganisations();  // a budget of 0: none; counts the live counter-narratives
  std::fill(org_impressions_.begin(), org_impressions_.end(), 0);
  impressions_ = clicks_ = triggered_count_ = reached_step_ = 0;
  held_.clear();
  targets_.clear();
  // at most this many injections this step, from every rank together (each takes one unit)
  const int64_t orgs = static_cast<int64_t>(orgs_.size());
  search_ahead_ = budget_per_step_ > std::numeric_limits<int64_t>::max() / orgs ? std::numeric_limits<int64_t>::max()
                                                                                : budget_per_step_ * orgs;
}

void CounterNarrativeInjection::SearchCounterNarratives(const float* queries, int64_t nq, int k, float* scores,
                                                        int64_t* ids) const {
  FilteredSearch(*cn_index_, cn_live_, queries, nq, k, scores, ids);
}

bool CounterNarrativeInjection::EvaluateTrigger(const RecContext& ctx, const SlateBatch& b, int64_t u,
                                                float proximity) {
  const int64_t user = b.users[u] - first_;  // the user's row
  // this step's organic impressions as the classifier scores them, into the user's ring
  int32_t harmful = 0, total = 0;
  const int64_t* slate = b.Slate(u);
  for (int j = 0; j < b.slate_size; ++j) {
    if (slate[j] < 0 || b.Injected(u, j)) continue;
    ++total;
    harmful += ctx.catalog.harm_score(slate[j]) >= harm_threshold_;
  }
  const int64_t slot = user * window_ + ctx.step % window_;
  ring_step_[slot] = static_cast<int32_t>(ctx.step);
  ring_harmful_[slot] = harmful;
  ring_total_[slot] = total;
  switch (trigger_) {
    case Trigger::kAlways:
      return true;
    case Trigger::kProximity:
      // cosine distance 1 - <ê, x> <= r to the nearest live harmful-scored item
      return proximity >= 1.0 - radius_;
    case Trigger::kHarmShare: {
      // share of harmful-scored organic impressions over steps t - window + 1 .. t
      int64_t h = 0, n = 0;
      for (int w = 0; w < window_; ++w) {
        const int64_t s = user * window_ + w;
        if (ring_step_[s] < 0 || ring_step_[s] <= ctx.step - window_) continue;
        h += ring_harmful_[s];
        n += ring_total_[s];
      }
      return n > 0 && static_cast<double>(h) / static_cast<double>(n) > share_threshold_;
    }
  }
  return false;
}

bool CounterNarrativeInjection::UnderCap(int64_t user, int64_t step) const {
  // the ring holds the steps of the user's latest cap_impressions injections
  if (cap_impressions_ == 0) return false;
  int recent = 0;
  for (int c = 0; c < cap_impressions_; ++c) recent += cap_log_[user * cap_impressions_ + c] > step - cap_steps_;
  return recent < cap_impressions_;
}

void CounterNarrativeInjection::Inject(const RecContext& ctx, SlateBatch& b, int64_t u, const int64_t* cands,
                                       int n_cands) {
  const int64_t user = b.users[u] - first_;  // the user's row
  int64_t* slate = b.Slate(u);
  float* score = b.slate_score.data() + u * b.slate_size;
  uint8_t* prov = b.SlateProvenance(u);
  for (int64_t pos : slots_) {
    if (!UnderCap(user, ctx.step)) return;
    // the nearest live counter-narrative not on the slate whose organisation has budget
    // left: the first such in the list, searched from its top for every slot (an injection
    // may push one off the slate's end), is the nearest whatever the list was searched
    // under, as long as only budgets closed items since
    int64_t local = -1;
    for (int next = 0; next < n_cands && local < 0; ++next) {
      const int64_t c = cands[next];
      if (c < 0) break;
      if (!cn_live_.IsAvailable(c)) continue;  // its organisation ran out of budget earlier this step
      const int64_t item = cn_items_[c];
      if (std::find(slate, slate + b.slate_size, item) != slate + b.slate_size) continue;
      local = c;
    }
    if (local < 0) {
      // the list ran out (budgets exhausted or items on the slate): one more search under the current bitmap
      if (n_cands >= static_cast<int>(cn_items_.size())) return;
      const int k = static_cast<int>(cn_items_.size());
      SearchCounterNarratives(b.queries.data() + u * b.dim, 1, k, wide_scores_.data(), wide_ids_.data());
      for (int j = 0; j < k && local < 0; ++j) {
        const int64_t c = wide_ids_[j];
        if (c < 0) break;
        if (std::find(slate, slate + b.slate_size, cn_items_[c]) == slate + b.slate_size) local = c;
      }
      if (local < 0) return;
    }
    // insert at pos: the organic items below move down one slot, the last one drops off
    for (int64_t j = b.slate_size - 1; j > pos; --j) {
      slate[j] = slate[j - 1];
      score[j] = score[j - 1];
      prov[j] = prov[j - 1];
    }
    slate[pos] = cn_items_[local];
    prov[pos] = static_cast<uint8_t>(Provenance::kInjected);
    // consume the cap, the organisation's budget; record reach
    cap_log_[user * cap_impressions_ + cap_head_[user]] = static_cast<int32_t>(ctx.step);
    cap_head_[user] = (cap_head_[user] + 1) % cap_impressions_;
    const int32_t org = cn_org_[local];
    ++org_impressions_[org];
    ++impressions_;
    if (budget_per_step_ >= 0 && --budget_left_[org] == 0) CloseSpentOrganisations();
    if (!reached_[user]) reached_[user] = 1, ++reached_step_;
  }
}

void CounterNarrativeInjection::CloseSpentOrganisations() {
  live_cns_ = 0;
  for (size_t j = 0; j < cn_items_.size(); ++j) {
    if (budget_per_step_ >= 0 && budget_left_[cn_org_[j]] <= 0) cn_live_.Set(static_cast<int64_t>(j), false);
    live_cns_ += cn_live_.IsAvailable(static_cast<int64_t>(j));
  }
}

void CounterNarrativeInjection::SearchTargets(const SlateBatch& b, size_t begin, size_t end) {
  // targets [begin, end) of b: their nearest counter-narratives under the bitmap as it is
  // now, a chunk at a time (none live: every budget spent or every item removed, nothing
  // to inject)
  if (k_cn_ == 0 || live_cns_ == 0) return;
  target_scores_.resize(targets_.size() * k_cn_);
  target_ids_.resize(targets_.size() * k_cn_);
  for (size_t s = begin; s < end; s += kChunk) {
    const int64_t nq = std::min<int64_t>(kChunk, static_cast<int64_t>(end - s));
    for (int64_t q = 0; q < nq; ++q)
      std::copy_n(b.queries.data() + targets_[s + q] * b.dim, b.dim, chunk_queries_.data() + q * dim_);
    SearchCounterNarratives(chunk_queries_.data(), nq, k_cn_, target_scores_.data() + s * k_cn_,
                            target_ids_.data() + s * k_cn_);
  }
}

void CounterNarrativeInjection::InjectTargets(const RecContext& ctx, SlateBatch& b, size_t begin, size_t end,
                                              size_t searched) {
  // in user order, consuming budgets; once no counter-narrative is live, Inject would do
  // nothing. Targets from `searched` on are searched a chunk at a time, when reached
  for (size_t t = begin; t < end && live_cns_ > 0; ++t) {
    if (t >= searched) {
      searched = std::min(end, t + kChunk);
      SearchTargets(b, t, searched);
    }
    Inject(ctx, b, targets_[t], target_ids_.data() + t * k_cn_, k_cn_);
  }
}

void CounterNarrativeInjection::OnSlate(const RecContext& ctx, SlateBatch& b) {
  // proximity of each estimate to the live harmful-scored items (one search per chunk)
  if (trigger_ == Trigger::kProximity) {
    for (int64_t s = 0; s < b.n; s += kChunk) {
      const int64_t nq = std::min(kChunk, b.n - s);
      FilteredSearch(*harm_index_, harm_live_, b.queries.data() + s * b.dim, nq, 1, proximity_.data() + s,
                     chunk_ids_.data());
      for (int64_t q = 0; q < nq; ++q)
        if (chunk_ids_[q] < 0) proximity_[s + q] = -std::numeric_limits<float>::infinity();
    }
  }
  // sharded with budgets, the step's batches are held until FinishSlates: their targets
  // accumulate, batch after batch
  const bool defer = AllocatesAcrossRanks() && ctx.users.size() > 1;
  if (!defer) targets_.clear();
  const size_t first = targets_.size();
  // triggers and caps depend only on the user's own state: who is to receive a counter-narrative
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u] - first_;  // the user's row
    const bool hit = EvaluateTrigger(ctx, b, u, proximity_[u]);
    triggered_[user] = hit;
    triggered_count_ += hit;
    if ((everyone_ || hit) && UnderCap(user, ctx.step) && !slots_.empty()) targets_.push_back(u);
  }
  // their nearest counter-narratives among the items live now; Inject skips those whose
  // organisation's budget ran out since (the choice is the same as a search made then).
  // Held batches: searched here (on every rank at once) for as many targets as the budgets
  // could serve in all, the rest in the rank's turn if budget is left by then
  const size_t end = targets_.size();
  if (!defer) {
    SearchTargets(b, first, end);
    InjectTargets(ctx, b, first, end, end);
    return;
  }
  const size_t ahead = std::min<size_t>(end - first, static_cast<size_t>(std::max<int64_t>(search_ahead_, 0)));
  SearchTargets(b, first, first + ahead);
  search_ahead_ -= static_cast<int64_t>(ahead);
  held_.push_back({&b, first, end, first + ahead});
}

void CounterNarrativeInjection::FinishSlates(const RecContext& ctx) {
  // sharded with budgets: every batch of this rank's step was searched (at once on every
  // rank). Ranks take their turn in rank order, which is user order: each injects into its
  // held batches from what the ranks before it left of every organisation's budget, then
  // hands the rest to the next
  const Collective& ranks = ctx.users;
  for (int r = 0; r < ranks.size(); ++r) {
    if (r == ranks.rank())
      for (const HeldBatch& h : held_) InjectTargets(ctx, *h.batch, h.begin, h.end, h.searched);
    if (r + 1 == ranks.size()) break;
    BroadcastFrom(ranks, r, budget_left_);
    CloseSpentOrganisations();
  }
  held_.clear();
  targets_.clear();
}

void CounterNarrativeInjection::OnFeedback(const RecContext&, const SlateBatch& b, const ChoiceBuffer& choices) {
  // clicks on injected slots
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* slate = b.Slate(u);
    for (int c = 0; c < choices.n_clicks[u]; ++c) {
      const int64_t item = choices.Clicks(u)[c];
      for (int j = 0; j < b.slate_size; ++j)
        if (slate[j] == item) {
          clicks_ += b.Injected(u, j) && std::binary_search(cn_items_.begin(), cn_items_.end(), item);
          break;
        }
    }
  }
}

void CounterNarrativeInjection::WriteMetrics(const RecContext& ctx, const Catalog&, double* row) {
  // every rank's counts of this step
  SumOverRanks(ctx.users,
               {{&impressions_, 1}, {&clicks_, 1}, {&triggered_count_, 1}, {&reached_step_, 1}, org_impressions_});
  reached_count_ += reached_step_;
  total_impressions_ += impressions_, total_clicks_ += clicks_;
  row[0] = static_cast<double>(impressions_);
  row[1] = static_cast<double>(clicks_);
  row[2] = impressions_ > 0 ? static_cast<double>(clicks_) / static_cast<double>(impressions_) : std::nan("");
  row[3] = static_cast<double>(reached_count_);
  row[4] = static_cast<double>(triggered_count_);
  for (size_t o = 0; o < orgs_.size(); ++o) row[5 + o] = static_cast<double>(org_impressions_[o]);
  row[5 + orgs_.size()] = static_cast<double>(total_impressions_);
  row[6 + orgs_.size()] = static_cast<double>(total_clicks_);
}

void CounterNarrativeInjection::SaveState(StateWriter& out) const {
  // per user; the live filters are rebuilt by BeginStep
  out.PutVector(ring_step_), out.PutVector(ring_harmful_), out.PutVector(ring_total_);
  out.PutVector(cap_log_), out.PutVector(cap_head_), out.PutVector(triggered_), out.PutVector(reached_);
  out.PutVector(budget_left_), out.PutVector(org_impressions_);
  for (int64_t x : {impressions_, clicks_, triggered_count_, reached_count_, total_impressions_, total_clicks_})
    out.Put(x);
}

void CounterNarrativeInjection::LoadState(StateReader& in) {
  in.GetVector(ring_step_, ring_step_.size(), "injection trigger window");
  in.GetVector(ring_harmful_, ring_harmful_.size(), "injection trigger window");
  in.GetVector(ring_total_, ring_total_.size(), "injection trigger window");
  in.GetVector(cap_log_, cap_log_.size(), "injection frequency cap");
  in.GetVector(cap_head_, cap_head_.size(), "injection frequency cap");
  in.GetVector(triggered_, triggered_.size(), "injection triggered users");
  in.GetVector(reached_, reached_.size(), "injection reached users");
  in.GetVector(budget_left_, budget_left_.size(), "injection budgets");
  in.GetVector(org_impressions_, org_impressions_.size(), "injection organisation impressions");
  for (int64_t* x : {&impressions_, &clicks_, &triggered_count_, &reached_count_, &total_impressions_, &total_clicks_})
    *x = in.Get<int64_t>();
}

namespace {
const bool kRegistered = InterventionRegistry::Get().Add(
    "counter_narrative_injection", CounterNarrativeInjectionSpec(),
    [](const Params& p) -> std::unique_ptr<Intervention> { return std::make_unique<CounterNarrativeInjection>(p); });
}  // namespace

}  // namespace counterpoint
