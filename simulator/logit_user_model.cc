// Position-based examination + sequential multinomial logit with an outside option,
// and interest drift toward consumed items.
#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "recommender/recommender.h"
#include "simulator/user_model.h"

namespace counterpoint {

double LogitUtility(const LogitUserParams& p, const Catalog& catalog, const float* interest, float appetite,
                    int64_t item) {
  const float* x = catalog.Embedding(item);
  double sim;
  DotsInDouble(interest, &x, 1, catalog.dim(), &sim);
  return LogitUtilityOf(p, catalog, appetite, item, sim);
}

double LogitUtilityOf(const LogitUserParams& p, const Catalog& catalog, float appetite, int64_t item, double sim) {
  // extremity appeals only within content the user finds relevant (cosine > 0); news
  // reporting carries a value of its own (users read the news)
  return p.relevance_weight * sim + p.extremity_appeal * appetite * catalog.extremity(item) * std::max(sim, 0.0) +
         (catalog.label(item) == Label::kNewsReporting ? p.news_value : 0.0);
}

bool Reactant(const LogitUserParams& p, uint64_t seed, int64_t user) {
  return p.reactance_share > 0 &&
         CounterRng(seed, static_cast<uint64_t>(user), 0, Purpose::kReactance).Uniform(0) < p.reactance_share;
}

namespace {

/// Rounds of the sequential choice at most (max_clicks' upper bound): spaces the items'
/// Gumbel draw indexes
constexpr uint64_t kMaxRounds = 64;

class LogitUserModel : public UserModel {
 public:
  bool Shardable() const override { return true; }  // each user responds alone
  explicit LogitUserModel(const LogitUserParams& p) : p_(p) {
    for (int i = 0; i < kMaxSlate; ++i) examine_prob_[i] = std::pow(1.0 + i, -p_.position_decay);
  }
  int max_clicks() const override { return p_.max_clicks; }
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  // LogitUtility from the user's current true interest and appetite
  double Utility(const Catalog& catalog, const Population& pop, int64_t user, int64_t item) const override {
    return LogitUtility(p_, catalog, pop.Interest(user), pop.appetite[pop.Row(user)], item);
  }

  void Respond(const UserContext& ctx, const SlateBatch& b, Population& pop, ChoiceBuffer& out) override {
    const Catalog& cat = ctx.catalog;
    const int64_t d = cat.dim();
    const int s = std::min(b.slate_size, kMaxSlate);
    const std::vector<float>& dir = cat.extremity_direction();
#pragma omp parallel for schedule(static) if (b.n > 256)
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t user = b.users[u];
      const CounterRng exam(ctx.seed, user, ctx.step, Purpose::kExamination);
      const CounterRng choice(ctx.seed, user, ctx.step, Purpose::kChoice);
      const int64_t* slate = b.Slate(u);
      // examination: position p is looked at with probability (p+1)^-eta. Every draw is
      // keyed by the item, not its slot: an item keeps its random numbers wherever it lands,
      // so an intervention that inserts or moves items leaves the other items' draws alone
      // (common random numbers across arms)
      double utility[kMaxSlate];
      bool open[kMaxSlate];
      float* interest = pop.Interest(user);
      // LogitUtility of each examined item, the inner products of all of them at once
      const float* rows[kMaxSlate];
      double sim[kMaxSlate];
      int slot[kMaxSlate], n_open = 0;
      for (int j = 0; j < s; ++j) {
        open[j] = slate[j] >= 0 && exam.Uniform(static_cast<uint64_t>(slate[j])) < examine_prob_[j];
        if (open[j]) slot[n_open] = j, rows[n_open++] = cat.Embedding(slate[j]);
      }
      DotsInDouble(interest, rows, n_open, d, sim);
      for (int r = 0; r < n_open; ++r)
        utility[slot[r]] = LogitUtilityOf(p_, cat, pop.appetite[pop.Row(user)], slate[slot[r]], sim[r]);
      // sequential choice: each round picks argmax(u + Gumbel) among the outside
      // option and the examined, unclicked items (a multinomial-logit draw); stop on outside.
      // Draw index: the outside option's is the round, an item's (item + 1) * kMaxRounds + round
      int64_t* clicked = out.clicks.data() + u * out.max_clicks;
      int n = 0;
      for (int round = 0; round < p_.max_clicks; ++round) {
        double best = p_.outside_utility + choice.Gumbel(static_cast<uint64_t>(round));
        int pick = -1;
        for (int j = 0; j < s; ++j) {
          if (!open[j]) continue;
          const double v = utility[j] + choice.Gumbel((static_cast<uint64_t>(slate[j]) + 1) * kMaxRounds + round);
          if (v > best) best = v, pick = j;
        }
        if (pick < 0) break;
        open[pick] = false;
        clicked[n++] = slate[pick];
      }
      for (int j = n; j < out.max_clicks; ++j) clicked[j] = -1;
      out.n_clicks[u] = n;
      // "not interested": an examined item the user passed over and found unwanted, if the
      // platform offers the control; one draw per item (not per slot: what else the slate
      // holds does not change it)
      if (b.dismiss_probability > 0) {
        const CounterRng dismissal(ctx.seed, user, ctx.step, Purpose::kDismissal);
        uint8_t* dismissed = out.Dismissed(u);
        for (int r = 0; r < n_open; ++r) {
          const int j = slot[r];
          if (utility[j] >= p_.dismiss_utility || std::find(clicked, clicked + n, slate[j]) != clicked + n) continue;
          if (dismissal.Uniform(static_cast<uint64_t>(slate[j])) < b.dismiss_probability) dismissed[j] = 1;
        }
      }
      // drift: interest moves toward each consumed item at rate drift_rate * susceptibility;
      // a counter-narrative also pulls it away from the extremity direction
      const float rate = static_cast<float>(p_.drift_rate * pop.susceptibility[pop.Row(user)]);
      // reactance turns the pull around
      const float pull = static_cast<float>(p_.counter_pull * pop.receptivity[pop.Row(user)]) *
                         (Reactant(p_, ctx.seed, user) ? -1.f : 1.f);
      for (int c = 0; c < n; ++c) {
        const float* x = cat.Embedding(clicked[c]);
        for (int64_t j = 0; j < d; ++j) interest[j] += rate * (x[j] - interest[j]);
        if (cat.label(clicked[c]) == Label::kCounterNarrative)
          for (int64_t j = 0; j < d; ++j) interest[j] -= pull * dir[j];
        NormalizeRows(interest, 1, d);
      }
    }
  }

 private:
  LogitUserParams p_;
  double examine_prob_[kMaxSlate];
};

}  // namespace

std::unique_ptr<UserModel> MakeLogitUserModel(const LogitUserParams& p) { return std::make_unique<LogitUserModel>(p); }

LogitUserParams LogitUserParamsFrom(const Params& p) {
  LogitUserParams s;
  s.relevance_weight = p.Double("relevance_weight");
  s.extremity_appeal = p.Double("extremity_appeal");
  s.outside_utility = p.Double("outside_utility");
  s.position_decay = p.Double("position_decay");
  s.max_clicks = static_cast<int>(p.Int("max_clicks"));
  s.drift_rate = p.Double("drift_rate");
  s.counter_pull = p.Double("counter_pull");
  s.dismiss_utility = p.Double("dismiss_utility");
  s.reactance_share = p.Double("reactance_share");
  s.news_value = p.Double("news_value");
  return s;
}

namespace {
const bool kLogitRegistered = UserModelRegistry::Get().Add(
    "logit",
    {"Position-based examination, multinomial logit with an outside option, interest drift (docs/model.md).",
     {DoubleParam("relevance_weight", LogitUserParams{}.relevance_weight, "utility per unit cosine(interest, item)", 0,
                  1e3),
      DoubleParam("extremity_appeal", LogitUserParams{}.extremity_appeal, "utility per unit extremity, times appetite",
                  -1e3, 1e3),
      DoubleParam("outside_utility", LogitUserParams{}.outside_utility, "utility of the outside option (leaving)", -1e3,
                  1e3),
      DoubleParam("position_decay", LogitUserParams{}.position_decay, "eta in P(examine p) = (p+1)^-eta", 0, 10),
      IntParam("max_clicks", LogitUserParams{}.max_clicks, "clicks per session at most", 1,
               static_cast<int64_t>(kMaxRounds)),
      DoubleParam("drift_rate", LogitUserParams{}.drift_rate, "drift toward consumed items, times susceptibility", 0,
                  1),
      DoubleParam("counter_pull", LogitUserParams{}.counter_pull, "pull away from extremity per counter-narrative", 0,
                  10),
      DoubleParam("dismiss_utility", LogitUserParams{}.dismiss_utility,
                  "an examined item the user did not click with utility below this is unwanted (dismissed where the "
                  "platform offers 'not interested')",
                  -1e3, 1e3),
      DoubleParam("reactance_share", LogitUserParams{}.reactance_share,
                  "share of users a counter-narrative pushes toward extremity instead (reactance, backfire)", 0, 1),
      DoubleParam("news_value", LogitUserParams{}.news_value,
                  "utility of a news_reporting item on top of its relevance (users read the news)", -1e3, 1e3)}},
    [](const Params& p) { return MakeLogitUserModel(LogitUserParamsFrom(p)); });
}  // namespace

}  // namespace counterpoint
