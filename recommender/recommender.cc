#include "recommender/recommender.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.h"

namespace counterpoint {

Recommender::Recommender(std::unique_ptr<Retriever> retriever, std::unique_ptr<Ranker> ranker,
                         std::vector<std::unique_ptr<Intervention>> interventions, RecommenderOptions options)
    : retriever_(std::move(retriever)),
      ranker_(std::move(ranker)),
      interventions_(std::move(interventions)),
      options_(options) {}

void Recommender::Init(InterventionContext ctx) {
  uploads_.reserve(ctx.catalog.size());
  arm_ = ctx.arm;
  const std::vector<std::string>& types = options_.intervention_types;
  if (!types.empty() && types.size() != interventions_.size())
    throw std::logic_error("Recommender: " + std::to_string(types.size()) + " intervention types for " +
                           std::to_string(interventions_.size()) + " interventions");
  for (size_t i = 0; i < interventions_.size(); ++i) {
    ctx.instance = static_cast<int>(i);
    ctx.purpose =
        types.empty()
            ? InterventionPurpose(ctx.instance)
            : InterventionPurpose(types[i], static_cast<int>(std::count(types.begin(), types.begin() + i, types[i])));
    interventions_[i]->Init(ctx);
  }
}

std::string Recommender::ShardingObstacle() const {
  // retrievers are per user by contract (Retriever::Retrieve)
  if (!ranker_->Shardable()) return "ranker";
  for (size_t i = 0; i < interventions_.size(); ++i)
    if (!interventions_[i]->Shardable()) return "intervention " + std::to_string(i);
  return "";
}

bool Recommender::RankerReadsTruth() const { return ranker_->ReadsTruth(); }

void Recommender::ConnectOracle(const OracleTruth& truth) {
  if (!ranker_->ReadsTruth()) return;
  const std::string& type = options_.ranker_type;
  if (!type.empty() && type.rfind("oracle", 0) != 0)
    throw std::logic_error("ranker '" + type +
                           "' asks for the users' true utility, which only an oracle baseline (a ranker named "
                           "oracle...) may read: a platform cannot know it (recommender/oracle_truth.h)");
  ranker_->ConnectTruth(truth);
}

std::vector<std::string> Recommender::InterventionColumns() const {
  std::vector<std::string> out;
  for (const auto& iv : interventions_)
    for (auto& c : iv->Columns()) out.push_back(std::move(c));
  return out;
}

void Recommender::OnUploads(const RecContext& ctx, std::span<const int64_t> arriving, ItemActions& actions) {
  // re-uploads requested by interventions join the due uploads, screened like them
  uploads_.assign(arriving.begin(), arriving.end());
  for (auto& iv : interventions_) iv->RequestUploads(ctx, actions, uploads_);
  for (auto& iv : interventions_) iv->OnUploads(ctx, uploads_, actions);
  // what no intervention blocked goes live: the requested re-uploads follow the due uploads
  for (size_t i = 0; i < uploads_.size(); ++i)
    if (actions.items().status[uploads_[i]] == ItemStatus::kPending)
      actions.Upload(uploads_[i], i >= arriving.size() ? ModerationEvent::kReuploaded : ModerationEvent::kUploaded);
}

void Recommender::BeginStep(const RecContext& ctx) {
  ranker_->BeginStep(ctx);
  for (auto& iv : interventions_) iv->BeginStep(ctx);
}

void Recommender::Recommend(const RecContext& ctx, SlateBatch& batch) {
  Retrieve(ctx, batch);
  RecommendRetrieved(ctx, batch);
}

void Recommender::Retrieve(const RecContext& ctx, SlateBatch& batch) {
  // one batched search for the whole batch
  retriever_->Retrieve(ctx, batch);
}

void Recommender::RecommendRetrieved(const RecContext& ctx, SlateBatch& batch) {
  RankAndCut(ctx, batch);
  SlateStage(ctx, batch, 0, interventions_.size());
}

void Recommender::RankAndCut(const RecContext& ctx, SlateBatch& batch) {
  // a learning ranker's own candidates (cf_als's retrieval), then candidate-stage
  // interventions (filtering)
  if (ranker_->AddCandidates(ctx, batch)) CheckCandidates(ctx, batch, kRanker);
  for (size_t i = 0; i < interventions_.size(); ++i) {
    interventions_[i]->OnCandidates(ctx, batch);
    CheckCandidates(ctx, batch, i);
  }
  // score; score-stage interventions re-score from the whole pool; cut to slates
  ranker_->Score(ctx, batch);
  CheckScores(ctx, batch, kRanker);
  for (size_t i = 0; i < interventions_.size(); ++i) {
    interventions_[i]->OnScores(ctx, batch);
    CheckScores(ctx, batch, i);
  }
  CutSlates(batch);
}

void Recommender::SlateStage(const RecContext& ctx, SlateBatch& batch, size_t begin, size_t end) {
  // slate-stage interventions (injection into slots), in scenario order; the ranker sees
  // the final slates
  end = std::min(end, interventions_.size());
  for (size_t i = begin; i < end; ++i) {
    interventions_[i]->OnSlate(ctx, batch);
    CheckSlates(ctx, batch, i);
  }
  if (end == interventions_.size()) ranker_->ObserveSlates(ctx, batch);
}

std::string Recommender::PluginWhere(size_t plugin, int64_t step) const {
  std::string who = "ranker '" + options_.ranker_type + "'";
  if (plugin != kRanker) {
    const std::string type = plugin < options_.intervention_types.size() ? options_.intervention_types[plugin] : "";
    who = "intervention " + std::to_string(plugin) + (type.empty() ? "" : " '" + type + "'");
  }
  return who + " (arm '" + arm_ + "', step " + std::to_string(step) + ")";
}

namespace {
std::string Position(const SlateBatch& b, int64_t u, int j, const char* what) {
  return "user " + std::to_string(b.users ? b.users[u] : u) + "'s " + what + " " + std::to_string(j);
}

// the first id in rows x width `ids` that is neither -1 nor an item, as an error placed by
// `where()` (built only then)
template <class Where>
void CheckIds(const int64_t* ids, const SlateBatch& b, int width, int64_t n_items, const Where& where, const char* slot,
              const char* minus_one) {
  for (int64_t u = 0; u < b.n; ++u)
    for (int j = 0; j < width; ++j) {
      const int64_t id = ids[u * width + j];
      if (id < -1 || id >= n_items)
        throw InputError(where(), "wrote item id " + std::to_string(id) + " into " + Position(b, u, j, slot) +
                                      "; an id is -1 (" + minus_one + ") or an item, 0.." +
                                      std::to_string(n_items - 1));
    }
}
}  // namespace

void Recommender::CheckCandidates(const RecContext& ctx, const SlateBatch& b, size_t plugin) const {
  CheckIds(
      b.cand_ids.data(), b, b.k, ctx.catalog.size(), [&] { return PluginWhere(plugin, ctx.step); }, "candidate",
      "dropped");
}

void Recommender::CheckScores(const RecContext& ctx, const SlateBatch& b, size_t plugin) const {
  // one pass without branches first (vectorised); the search for the first NaN only on a hit
  const float* s = b.cand_score.data();
  const int64_t m = b.n * b.k;
  bool any = false;
  for (int64_t i = 0; i < m; ++i) any |= std::isnan(s[i]);
  if (!any) return;
  for (int64_t u = 0; u < b.n; ++u)
    for (int j = 0; j < b.k; ++j)
      if (b.cand_ids[u * b.k + j] >= 0 && std::isnan(s[u * b.k + j]))
        throw InputError(PluginWhere(plugin, ctx.step),
                         "wrote NaN into the score of " + Position(b, u, j, "candidate") + " (item " +
                             std::to_string(b.cand_ids[u * b.k + j]) +
                             "); a score is a number, higher first (-inf drops a candidate)");
}

void Recommender::CheckSlates(const RecContext& ctx, const SlateBatch& b, size_t plugin) const {
  CheckIds(
      b.slate.data(), b, b.slate_size, ctx.catalog.size(), [&] { return PluginWhere(plugin, ctx.step); }, "slate slot",
      "empty");
}

std::vector<size_t> Recommender::AllocationStages() const {
  std::vector<size_t> at;
  for (size_t i = 0; i < interventions_.size(); ++i)
    if (interventions_[i]->AllocatesAcrossRanks()) at.push_back(i);
  return at;
}

void Recommender::FinishSlates(const RecContext& ctx, size_t i) { interventions_[i]->FinishSlates(ctx); }

void Recommender::OnResponse(const RecContext& ctx, const SlateBatch& batch, ChoiceBuffer& choices) {
  for (auto& iv : interventions_) iv->OnResponse(ctx, batch, choices);
}

void Recommender::OnFeedback(const RecContext& ctx, const SlateBatch& batch, const ChoiceBuffer& choices) {
  for (auto& iv : interventions_) iv->OnFeedback(ctx, batch, choices);
  // a ranker that learns from who clicked what gets the batch's teaching clicks
  if (!ranker_->LearnsFromClicks()) return;
  std::vector<UserClick> taught;
  for (int64_t u = 0; u < batch.n; ++u) {
    const int64_t* slate = batch.Slate(u);
    const uint8_t* provenance = batch.SlateProvenance(u);
    for (int c = 0; c < choices.n_clicks[u]; ++c) {
      const int64_t item = choices.Clicks(u)[c];
      const int64_t* slot = std::find(slate, slate + batch.slate_size, item);
      if (slot != slate + batch.slate_size && Teaches(provenance, static_cast<int>(slot - slate)))
        taught.push_back({batch.users[u], item});
    }
  }
  ranker_->ObserveClicks(ctx, taught);
}

void Recommender::EndStep(const RecContext& ctx, ItemActions& actions) {
  for (auto& iv : interventions_) iv->EndStep(ctx, actions);
}

void Recommender::WriteInterventionMetrics(const RecContext& ctx, const Catalog& truth, double* row) {
  for (auto& iv : interventions_) {
    iv->WriteMetrics(ctx, truth, row);
    row += iv->Columns().size();
  }
}

void Recommender::SaveState(StateWriter& out) const {
  out.Tag("retriever");
  CheckpointSection("retriever", [&] { retriever_->SaveState(out); });
  out.Tag("ranker");
  CheckpointSection("ranker", [&] { ranker_->SaveState(out); });
  out.Put<uint64_t>(interventions_.size());
  for (size_t i = 0; i < interventions_.size(); ++i) {
    out.Tag("intervention");
    CheckpointSection("intervention " + std::to_string(i), [&] { interventions_[i]->SaveState(out); });
  }
}

void Recommender::LoadState(StateReader& in) {
  in.Tag("retriever");
  CheckpointSection("retriever", [&] { retriever_->LoadState(in); });
  in.Tag("ranker");
  CheckpointSection("ranker", [&] { ranker_->LoadState(in); });
  if (in.Get<uint64_t>() != interventions_.size()) in.Fail("the arm's number of interventions differs");
  for (size_t i = 0; i < interventions_.size(); ++i) {
    in.Tag("intervention");
    CheckpointSection("intervention " + std::to_string(i), [&] { interventions_[i]->LoadState(in); });
  }
}

void Recommender::Learn(const PlatformView& catalog, const int64_t* slate, const uint8_t* provenance, int slate_size,
                        const int64_t* clicks, int n_clicks, float* estimate) const {
  const int64_t d = catalog.dim();
  const float lr = static_cast<float>(options_.learning_rate);
  if (n_clicks == 0) return;
  const int s = std::min(slate_size, kMaxSlate);
  // a click teaches only if its slot does (organic, or learn_from_injected)
  auto teaching_click = [&](int64_t item) {
    if (!provenance) return true;
    for (int k = 0; k < s; ++k)
      if (slate[k] == item) return Teaches(provenance, k);
    return false;
  };
  if (options_.learner == "click_average") {
    for (int c = 0; c < n_clicks; ++c) {
      if (!teaching_click(clicks[c])) continue;
      const float* x = catalog.Embedding(clicks[c]);
      for (int64_t j = 0; j < d; ++j) estimate[j] = (1.f - lr) * estimate[j] + lr * x[j];
      NormalizeRows(estimate, 1, d);
    }
    return;
  }
  // choice_gradient: one gradient step on the session's log-likelihood under a sequential
  // multinomial logit without replacement (Plackett-Luce): the k-th click c_k was chosen among
  // the shown items not clicked before it, with p_j proportional to exp(T <e, x_j>) at the
  // estimate before the update
  double weight[kMaxSlate], dot[kMaxSlate];
  bool remaining[kMaxSlate];
  const float* rows[kMaxSlate] = {};
  int slot[kMaxSlate], n_rows = 0;
  for (int k = 0; k < s; ++k) {
    remaining[k] = slate[k] >= 0 && (!provenance || Teaches(provenance, k));
    if (remaining[k]) slot[n_rows] = k, rows[n_rows++] = catalog.Embedding(slate[k]);
  }
  DotsInDouble(estimate, rows, n_rows, d, dot);  // <e, x_k>
  double max_logit = -1e300;
  for (int r = 0; r < n_rows; ++r) {
    const int k = slot[r];
    weight[k] = options_.learner_temperature * dot[r];
    max_logit = std::max(max_logit, weight[k]);
  }
  for (int k = 0; k < s; ++k)
    if (remaining[k]) weight[k] = std::exp(weight[k] - max_logit);
  double grad[kMaxDim];
  std::fill_n(grad, d, 0.0);
  bool learned = false;
  for (int c = 0; c < n_clicks; ++c) {
    if (!teaching_click(clicks[c])) continue;
    learned = true;
    // x_c minus the expected item over the items still in the choice set
    double w_sum = 0;
    for (int k = 0; k < s; ++k)
      if (remaining[k]) w_sum += weight[k];
    const float* xc = catalog.Embedding(clicks[c]);
    for (int64_t j = 0; j < d; ++j) grad[j] += xc[j];
    for (int k = 0; k < s; ++k) {
      if (!remaining[k] || w_sum <= 0) continue;
      const double p = weight[k] / w_sum;
      const float* x = catalog.Embedding(slate[k]);
      for (int64_t j = 0; j < d; ++j) grad[j] -= p * x[j];
    }
    // the clicked item leaves the choice set of the next click
    for (int k = 0; k < s; ++k)
      if (remaining[k] && slate[k] == clicks[c]) {
        remaining[k] = false;
        break;
      }
  }
  if (!learned) return;
  for (int64_t j = 0; j < d; ++j) estimate[j] += static_cast<float>(lr * grad[j]);
  NormalizeRows(estimate, 1, d);
}

void CutSlates(SlateBatch& b) {
  const int k = b.k, s = std::min({b.slate_size, b.k, kMaxSlate});
#pragma omp parallel for schedule(static) if (b.n > 1024)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* ids = b.cand_ids.data() + u * k;
    const float* score = b.cand_score.data() + u * k;
    const float* sim = b.cand_sim.data() + u * k;
    // the best s filled candidates by (score desc, sim desc, id asc), kept sorted as the
    // candidates pass: one key per candidate, (score, sim) packed so that one unsigned
    // compare orders them, and most candidates rejected by a single compare with the last
    uint64_t top_key[kMaxSlate];
    int top[kMaxSlate], n = 0;
    auto before = [&](uint64_t key, int j, int t) {  // candidate j (key) ahead of top[t]
      return key != top_key[t] ? key > top_key[t] : ids[j] < ids[top[t]];
    };
    for (int j = 0; j < k && s > 0; ++j) {
      if (ids[j] < 0) continue;
      const uint64_t key = static_cast<uint64_t>(OrderedBits(score[j])) << 32 | OrderedBits(sim[j]);
      if (n == s) {
        if (!before(key, j, n - 1)) continue;
        --n;
      }
      int i = n++;
      for (; i > 0 && before(key, j, i - 1); --i) top_key[i] = top_key[i - 1], top[i] = top[i - 1];
      top_key[i] = key, top[i] = j;
    }
    int64_t* slate = b.slate.data() + u * b.slate_size;
    float* slate_score = b.slate_score.data() + u * b.slate_size;
    std::fill_n(b.SlateProvenance(u), b.slate_size, static_cast<uint8_t>(Provenance::kOrganic));
    for (int j = 0; j < b.slate_size; ++j) {
      slate[j] = j < n ? ids[top[j]] : -1;
      slate_score[j] = j < n ? score[top[j]] : -INFINITY;
    }
  }
}

}  // namespace counterpoint
