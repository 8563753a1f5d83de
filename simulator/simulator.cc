#include "simulator/simulator.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>

#include "core/collective.h"
#include "core/error.h"
#include "core/rng.h"

namespace counterpoint {

namespace {
double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

Simulation::Simulation(IndexedCatalog world, Population population, std::unique_ptr<Recommender> recommender,
                       std::unique_ptr<UserModel> user_model, std::vector<std::unique_ptr<Observer>> observers,
                       SimOptions options)
    : world_(std::move(world)),
      platform_(*world_.catalog),
      channels_(*world_.catalog),
      pop_(std::move(population)),
      rec_(std::move(recommender)),
      user_model_(std::move(user_model)),
      observers_(std::move(observers)),
      options_(options),
      comm_(options.collective ? *options.collective : Serial()),
      sharded_(options.shard_users && comm_.size() > 1),
      users_comm_(sharded_ ? comm_ : Serial()) {
  const Catalog& cat = *world_.catalog;
  if (cat.dim() > kMaxDim)
    throw InputError(cat.source(), "embedding dimension " + std::to_string(cat.dim()) + " exceeds the supported " +
                                       std::to_string(kMaxDim) + "; reduce it (e.g. PCA) before loading");
  // a sharded rank holds its block of users; every other simulation holds all of them
  const UserBlock block = sharded_ ? BlockOfUsers(pop_.n, comm_.rank(), comm_.size()) : UserBlock{0, pop_.n};
  if (pop_.first != block.first || pop_.rows != block.rows)
    throw std::logic_error("Simulation: the population holds users [" + std::to_string(pop_.first) + ", " +
                           std::to_string(pop_.first + pop_.rows) + "), not this rank's block");
  if (sharded_) {
    std::string obstacle = rec_->ShardingObstacle();
    if (!user_model_->Shardable()) obstacle = "the user model";
    for (size_t o = 0; o < observers_.size(); ++o)
      if (!observers_[o]->Shardable()) obstacle = "observer " + std::to_string(o);
    if (!obstacle.empty()) throw std::logic_error("Simulation: users cannot be sharded: " + obstacle);
  }
  if (sharded_) allocation_stages_ = rec_->AllocationStages();
  // items: live once uploaded (upload_step <= 0 at the start), pending until then
  items_ = ItemState(cat.size());
  for (int64_t i = 0; i < cat.size(); ++i) {
    if (cat.upload_step(i) > 0) {
      items_.SetStatus(i, ItemStatus::kPending);
      upload_order_.push_back(i);
    }
  }
  // interventions see the catalog and the item states before the first step
  rec_->Init({platform_, *world_.index, channels_, pop_.n, pop_.first, pop_.rows, rec_->options().candidates,
              rec_->options().slate_size, options_.arm, options_.seed, 0, Purpose::kIntervention});
  // an oracle baseline ranker (and nothing else) reads the users' true utility
  if (rec_->RankerReadsTruth()) {
    truth_ = std::make_unique<UsersTruth>();
    truth_->model = user_model_.get();
    truth_->catalog = world_.catalog.get();
    truth_->pop = &pop_;
    rec_->ConnectOracle(*truth_);
  }
  // metric columns: the observers', then the interventions'
  for (const auto& obs : observers_) {
    column_offset_.push_back(columns_.size());
    for (auto& c : obs->Columns()) columns_.push_back(c);
  }
  intervention_offset_ = columns_.size();
  for (auto& c : rec_->InterventionColumns()) columns_.push_back(std::move(c));
  std::stable_sort(upload_order_.begin(), upload_order_.end(),
                   [&](int64_t a, int64_t b) { return cat.upload_step(a) < cat.upload_step(b); });
  // per-step buffers, sized once
  const int64_t cap = std::max<int64_t>(1, std::min(options_.batch_size, pop_.rows));
  active_.reserve(pop_.rows);
  batch_.Reserve(cap, cat.dim(), rec_->options().candidates, rec_->options().slate_size);
  choices_.Reserve(cap, user_model_->max_clicks(), rec_->options().slate_size);
  arriving_.reserve(upload_order_.size());
  click_delta_.assign(cat.size(), 0);
  impression_delta_.assign(cat.size(), 0);
  if (options_.record_graph)
    graph_ = std::make_unique<InducedGraph>(pop_.rows, cat.size(), user_model_->max_clicks(), pop_.first);
  if (comm_.size() > 1 && !sharded_) {
    gathered_ids_.resize(cap * comm_.size() * rec_->options().candidates);
    gathered_sim_.resize(cap * comm_.size() * rec_->options().candidates);
  }
}

void Simulation::LoadBatch(SlateBatch& b, size_t start, int64_t n) {
  // active users [start, start + n) and the system's estimates of them (the queries)
  const int64_t d = world_.catalog->dim();
  b.n = n;
  b.users = active_.data() + start;
  for (int64_t u = 0; u < n; ++u) std::copy_n(pop_.Estimate(b.users[u]), d, b.queries.data() + u * d);
}

void Simulation::ShardedRetrieve(const RecContext& ctx, size_t start, int64_t chunk, int64_t cap) {
  // this rank retrieves its block of the chunk; every rank then holds the whole chunk's
  // candidates, in user order (the blocks are consecutive, in rank order)
  const int64_t k = batch_.k;
  const RankSlice mine = SliceOf(chunk, cap, comm_.rank());
  LoadBatch(batch_, start + mine.begin, mine.end - mine.begin);
  if (batch_.n > 0) rec_->Retrieve(ctx, batch_);
  std::vector<int64_t> id_bytes(comm_.size()), sim_bytes(comm_.size());
  for (int r = 0; r < comm_.size(); ++r) {
    const RankSlice s = SliceOf(chunk, cap, r);
    id_bytes[r] = (s.end - s.begin) * k * static_cast<int64_t>(sizeof(int64_t));
    sim_bytes[r] = (s.end - s.begin) * k * static_cast<int64_t>(sizeof(float));
  }
  comm_.AllGather(batch_.cand_ids.data(), gathered_ids_.data(), id_bytes);
  comm_.AllGather(batch_.cand_sim.data(), gathered_sim_.data(), sim_bytes);
}

void Simulation::ReleaseUploads(const RecContext& ctx) {
  // uploads due now: interventions may block some before they go live (never shown)
  arriving_.clear();
  while (next_upload_ < upload_order_.size() && ctx.catalog.upload_step(upload_order_[next_upload_]) <= ctx.step)
    arriving_.push_back(upload_order_[next_upload_++]);
  ItemActions actions(items_, moderation_, ctx.step);
  rec_->OnUploads(ctx, arriving_, actions);
}

void Simulation::RecordImpressions(const SlateBatch& b, int64_t step) {
  // in user order, so the log is the same for any batch size
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* slate = b.Slate(u);
    const int64_t* clicks = choices_.Clicks(u);
    for (int j = 0; j < b.slate_size; ++j) {
      if (slate[j] < 0) continue;
      const bool clicked = std::find(clicks, clicks + choices_.n_clicks[u], slate[j]) != clicks + choices_.n_clicks[u];
      const Catalog& cat = *world_.catalog;
      const int64_t org = cat.label(slate[j]) == Label::kCounterNarrative ? cat.creator(slate[j]) : -1;
      impressions_.push_back({static_cast<int32_t>(step), b.users[u], slate[j], org, static_cast<uint16_t>(j),
                              b.SlateProvenance(u)[j], static_cast<uint8_t>(clicked), choices_.Dismissed(u)[j]});
    }
  }
}

void Simulation::Learn(const RecContext& ctx, const SlateBatch& b) {
  // the recommender learns from the slots that teach it (organic unless configured);
  // the user's history and counters take everything consumed
#pragma omp parallel for schedule(static) if (b.n > 512)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u];
    const int64_t* slate = b.Slate(u);
    const uint8_t* provenance = b.SlateProvenance(u);
    for (int j = 0; j < b.slate_size; ++j) {
      if (slate[j] < 0) continue;
      ++pop_.impressions[pop_.Row(user)];
      if (!rec_->Teaches(provenance, j)) continue;
#pragma omp atomic
      ++impression_delta_[slate[j]];
    }
    for (int c = 0; c < choices_.n_clicks[u]; ++c) {
      const int64_t item = choices_.Clicks(u)[c];
      pop_.PushHistory(user, item, ctx.step);
      const int64_t* slot = std::find(slate, slate + b.slate_size, item);
      if (slot == slate + b.slate_size || !rec_->Teaches(provenance, static_cast<int>(slot - slate))) continue;
#pragma omp atomic
      ++click_delta_[item];
    }
    rec_->Learn(ctx.catalog, slate, provenance, b.slate_size, choices_.Clicks(u), choices_.n_clicks[u],
                pop_.Estimate(user));
    pop_.clicks[pop_.Row(user)] += choices_.n_clicks[u];
    ++pop_.sessions[pop_.Row(user)];
  }
}

void Simulation::RunBatch(const RecContext& ctx, const StepView& view) {
  // 2-5. the batch's candidates are in; recommend
  rec_->RecommendRetrieved(ctx, batch_);
  RespondAndLearn(ctx, view, batch_);
}

void Simulation::RespondAndLearn(const RecContext& ctx, const StepView& view, SlateBatch& b) {
  // 6. users examine, choose and drift; 7. feedback hooks, then the recommender learns
  std::fill_n(choices_.dismissed.begin(), b.n * b.slate_size, uint8_t{0});
  user_model_->Respond({*world_.catalog, ctx.step, ctx.seed}, b, pop_, choices_);
  rec_->OnResponse(ctx, b, choices_);
  rec_->OnFeedback(ctx, b, choices_);
  if (options_.record_events) RecordImpressions(b, ctx.step);
  Learn(ctx, b);
  // 8. observers accumulate; the induced graph records slates after clicks
  for (auto& obs : observers_) obs->ObserveBatch(view, b, choices_);
  if (graph_) graph_->Observe(b, choices_);
}

void Simulation::RunHeldBatches(const RecContext& ctx, const StepView& view, int64_t cap) {
  // a sharded rank whose interventions allocate across ranks: every batch of the step is
  // held until its slates are final. Each stage runs the slate hooks up to an allocating
  // intervention on every batch, then lets it finish (handing its budgets from rank to
  // rank); the last stage runs the remaining hooks and the rest of the step, batch by batch
  const int64_t n_active = static_cast<int64_t>(active_.size());
  const int64_t n_batches = (n_active + cap - 1) / cap;
  while (static_cast<int64_t>(held_.size()) < n_batches) {
    held_.emplace_back();
    held_.back().Reserve(cap, world_.catalog->dim(), rec_->options().candidates, rec_->options().slate_size);
  }
  size_t begin = 0;
  for (size_t stage = 0; stage <= allocation_stages_.size(); ++stage) {
    const bool last = stage == allocation_stages_.size();
    const size_t end = last ? std::string::npos : allocation_stages_[stage] + 1;
    for (int64_t i = 0; i < n_batches; ++i) {
      SlateBatch& b = held_[i];
      if (stage == 0) {
        LoadBatch(b, i * cap, std::min(cap, n_active - i * cap));
        rec_->Retrieve(ctx, b);
        rec_->RankAndCut(ctx, b);
      }
      rec_->SlateStage(ctx, b, begin, end);
      if (last) RespondAndLearn(ctx, view, b);
    }
    if (!last) rec_->FinishSlates(ctx, allocation_stages_[stage]);
    begin = end;
  }
}

void Simulation::CombineStep(size_t log_start) {
  // sharded: the popularity deltas are sums over every rank's users; the step's
  // impressions join the log in rank order, which is user order
  users_comm_.AllReduceSum(click_delta_.data(), static_cast<int64_t>(click_delta_.size()));
  users_comm_.AllReduceSum(impression_delta_.data(), static_cast<int64_t>(impression_delta_.size()));
  if (!options_.record_events) return;
  const std::vector<ImpressionRecord> mine(impressions_.begin() + static_cast<std::ptrdiff_t>(log_start),
                                           impressions_.end());
  const std::vector<ImpressionRecord> all = GatherInRankOrder(users_comm_, mine);
  impressions_.resize(log_start);
  impressions_.insert(impressions_.end(), all.begin(), all.end());
}

void Simulation::Step(int64_t step, double* row) {
  const auto t_start = std::chrono::steady_clock::now();
  const double search_before = world_.index->search_seconds();
  const Catalog& cat = *world_.catalog;
  const RecContext ctx{platform_, *world_.index, items_, step, options_.seed, users_comm_};
  ReleaseUploads(ctx);
  // 1. active users: a session with the user's probability (same draw in every arm);
  // a sharded rank draws for its own users, and the count is every rank's
  active_.clear();
  for (int64_t r = 0; r < pop_.rows; ++r) {
    const int64_t u = pop_.first + r;
    const CounterRng rng(options_.seed, u, step, Purpose::kSession);
    if (rng.Uniform(0) < pop_.session_prob[r]) active_.push_back(static_cast<int32_t>(u));
  }
  int64_t n_active = static_cast<int64_t>(active_.size());
  users_comm_.AllReduceSum(&n_active, 1);
  const StepView view{cat, pop_, items_, step, n_active, users_comm_, user_model_.get()};
  if (truth_) truth_->pop = &pop_;
  rec_->BeginStep(ctx);
  for (auto& obs : observers_) obs->BeginStep(view);
  const size_t log_start = impressions_.size();
  const int64_t cap = std::max<int64_t>(1, std::min(options_.batch_size, pop_.rows));
  if (comm_.size() > 1 && !sharded_) {
    // replicated: the active users go in chunks of one batch per rank; each rank
    // retrieves its batch, all get every candidate, and each then runs the chunk's
    // batches in full, so every rank holds the same state as one process would
    const int64_t chunk_cap = cap * comm_.size();
    for (size_t chunk_start = 0; chunk_start < active_.size(); chunk_start += chunk_cap) {
      const int64_t chunk = std::min<int64_t>(chunk_cap, active_.size() - chunk_start);
      ShardedRetrieve(ctx, chunk_start, chunk, cap);
      for (int64_t in_chunk = 0; in_chunk < chunk; in_chunk += cap) {
        LoadBatch(batch_, chunk_start + in_chunk, std::min<int64_t>(cap, chunk - in_chunk));
        std::copy_n(gathered_ids_.data() + in_chunk * batch_.k, batch_.n * batch_.k, batch_.cand_ids.data());
        std::copy_n(gathered_sim_.data() + in_chunk * batch_.k, batch_.n * batch_.k, batch_.cand_sim.data());
        RunBatch(ctx, view);
      }
    }
  } else if (!allocation_stages_.empty()) {
    RunHeldBatches(ctx, view, cap);
  } else {
    for (size_t start = 0; start < active_.size(); start += cap) {
      LoadBatch(batch_, start, std::min<int64_t>(cap, active_.size() - start));
      rec_->Retrieve(ctx, batch_);
      RunBatch(ctx, view);
    }
  }
  if (sharded_) CombineStep(log_start);
  // popularity counts change only between steps, so batch size cannot matter
  for (int64_t i = 0; i < cat.size(); ++i) {
    if (click_delta_[i] | impression_delta_[i]) {
      items_.clicks[i] += click_delta_[i];
      items_.impressions[i] += impression_delta_[i];
      items_.max_clicks = std::max(items_.max_clicks, items_.clicks[i]);
      click_delta_[i] = impression_delta_[i] = 0;
    }
  }
  // 9. end-of-step interventions (moderation: in force from the next step), then the row;
  // a sharded run's plug-ins combine their ranks' state here (each rank in the same order)
  ItemActions actions(items_, moderation_, step);
  rec_->EndStep(ctx, actions);
  for (size_t o = 0; o < observers_.size(); ++o) observers_[o]->EndStep(view, row + column_offset_[o]);
  rec_->WriteInterventionMetrics(ctx, cat, row + intervention_offset_);
  times_.retrieve_s += world_.index->search_seconds() - search_before;
  times_.total_s += Seconds(t_start, std::chrono::steady_clock::now());
}

void Simulation::SaveState(StateWriter& out) const {
  out.Tag("population");
  for (const auto* v :
       {&pop_.interest, &pop_.estimate, &pop_.susceptibility, &pop_.appetite, &pop_.receptivity, &pop_.session_prob})
    out.PutVector(*v);
  out.PutVector(pop_.history), out.PutVector(pop_.history_step);
  out.PutVector(pop_.history_head), out.PutVector(pop_.history_count);
  out.PutVector(pop_.sessions), out.PutVector(pop_.impressions), out.PutVector(pop_.clicks);
  // item states (the availability bitmap follows the statuses); the step's deltas are zero here
  out.Tag("items");
  out.PutVector(items_.status), out.PutVector(items_.clicks), out.PutVector(items_.impressions);
  out.Put(items_.max_clicks);
  out.Put<uint64_t>(next_upload_);
  out.Tag("logs");
  out.PutVector(moderation_), out.PutVector(impressions_);
  out.Tag("graph");
  out.Put<uint8_t>(graph_ != nullptr);
  if (graph_) graph_->SaveState(out);
  out.Tag("recommender");
  rec_->SaveState(out);
  out.Tag("user_model");
  CheckpointSection("user model", [&] { user_model_->SaveState(out); });
  out.Put<uint64_t>(observers_.size());
  for (size_t o = 0; o < observers_.size(); ++o) {
    out.Tag("observer");
    CheckpointSection("observer " + std::to_string(o), [&] { observers_[o]->SaveState(out); });
  }
  out.Tag("end of simulation");
}

void Simulation::LoadState(StateReader& in) {
  in.Tag("population");
  const size_t n = static_cast<size_t>(pop_.rows), nd = n * static_cast<size_t>(pop_.dim);
  in.GetVector(pop_.interest, nd, "population interest");
  in.GetVector(pop_.estimate, nd, "population estimate");
  for (auto* v : {&pop_.susceptibility, &pop_.appetite, &pop_.receptivity, &pop_.session_prob})
    in.GetVector(*v, n, "population traits");
  const size_t nh = n * static_cast<size_t>(pop_.history_length);
  in.GetVector(pop_.history, nh, "population history"), in.GetVector(pop_.history_step, nh, "population history");
  in.GetVector(pop_.history_head, n, "population history"), in.GetVector(pop_.history_count, n, "population history");
  in.GetVector(pop_.sessions, n, "population sessions"), in.GetVector(pop_.impressions, n, "population impressions");
  in.GetVector(pop_.clicks, n, "population clicks");
  in.Tag("items");
  const size_t n_items = static_cast<size_t>(world_.catalog->size());
  std::vector<ItemStatus> status;
  in.GetVector(status, n_items, "item statuses");
  for (size_t i = 0; i < n_items; ++i) {
    if (static_cast<uint8_t>(status[i]) > static_cast<uint8_t>(ItemStatus::kBlocked)) in.Fail("bad item status");
    items_.SetStatus(static_cast<int64_t>(i), status[i]);
  }
  in.GetVector(items_.clicks, n_items, "item clicks"), in.GetVector(items_.impressions, n_items, "item impressions");
  items_.max_clicks = in.Get<int64_t>();
  next_upload_ = in.Get<uint64_t>();
  if (next_upload_ > upload_order_.size()) in.Fail("upload cursor out of range");
  in.Tag("logs");
  in.GetVector(moderation_), in.GetVector(impressions_);
  in.Tag("graph");
  if (in.Get<uint8_t>() != (graph_ != nullptr)) in.Fail("output.graph differs from the checkpoint's");
  if (graph_) graph_->LoadState(in);
  in.Tag("recommender");
  rec_->LoadState(in);
  in.Tag("user_model");
  CheckpointSection("user model", [&] { user_model_->LoadState(in); });
  if (in.Get<uint64_t>() != observers_.size()) in.Fail("the number of observers differs");
  for (size_t o = 0; o < observers_.size(); ++o) {
    in.Tag("observer");
    CheckpointSection("observer " + std::to_string(o), [&] { observers_[o]->LoadState(in); });
  }
  in.Tag("end of simulation");
}

void Simulation::Run(std::vector<double>& rows, const std::function<void(int64_t)>& on_step) {
  rows.assign(options_.steps * columns_.size(), 0.0);
  for (int64_t t = 0; t < options_.steps; ++t) {
    Step(t, rows.data() + t * columns_.size());
    if (on_step) on_step(t);
  }
}

}  // namespace counterpoint
