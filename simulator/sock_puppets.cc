// Scripted users (sock puppets) and the user model that runs them beside organic users.
#include "simulator/sock_puppets.h"

#include <algorithm>
#include <stdexcept>

namespace counterpoint {

namespace {
constexpr const char* kChoiceNames[] = {"top", "label", "most_extreme", "least_extreme", "list"};
}  // namespace

std::vector<std::string> PuppetChoiceNames() { return {std::begin(kChoiceNames), std::end(kChoiceNames)}; }

PuppetChoice ParsePuppetChoice(const std::string& name) {
  for (size_t i = 0; i < std::size(kChoiceNames); ++i)
    if (name == kChoiceNames[i]) return static_cast<PuppetChoice>(i);
  throw std::invalid_argument("unknown puppet choice '" + name + "'");
}

ComponentSpec PuppetGroupSpec() {
  return {
      "A block of sock puppets (scripted users) sharing one script (docs/sock_puppets.md).",
      {RequiredString("name", "the group's name: letters, digits and _ (its metric columns are puppets_<name>_...)"),
       IntParam("n", 100, "puppets in the group (users after the organic ones)", 1, 1e7)}};
}

ComponentSpec ScriptSegmentSpec() {
  return {"One part of a puppet group's script, in force from from_step until the next part's.",
          {IntParam("from_step", 0, "the first step of this part (the first part starts at 0)", 0, 1e7),
           StringParam("choose", "top",
                       "top: the first slot; label: the highest-placed slot holding `label`; most_extreme / "
                       "least_extreme: the slot of highest / lowest extremity (the researcher's coding, ground "
                       "truth); list: items[k] at the part's k-th step, watched directly",
                       PuppetChoiceNames()),
           StringParam("label", "", "choose: label: the label sought", LabelNames()),
           StringParam("otherwise", "none",
                       "choose: label, when no slot holds the label: none (consume nothing) or top (the first slot)",
                       {"none", "top"}),
           IntListParam("items", {}, "choose: list: item ids, consumed one per step in order", 0, 1e15)}};
}

int64_t SockPuppets::total() const {
  int64_t t = 0;
  for (const auto& g : groups) t += g.n;
  return t;
}

int SockPuppets::GroupOf(int64_t u) const {
  if (u < organic_users) return -1;
  for (size_t g = 0; g < groups.size(); ++g)
    if (u < groups[g].first_user + groups[g].n) return static_cast<int>(g);
  return -1;
}

const ScriptSegment& SegmentAt(const std::vector<ScriptSegment>& script, int64_t step) {
  size_t s = 0;
  while (s + 1 < script.size() && script[s + 1].from_step <= step) ++s;
  return script[s];
}

int64_t PuppetPick(const ScriptSegment& seg, int64_t step, const Catalog& cat, const int64_t* slate, int slate_size) {
  switch (seg.choose) {
    case PuppetChoice::kTop:
      return slate_size > 0 ? slate[0] : -1;
    case PuppetChoice::kLabel: {
      for (int j = 0; j < slate_size; ++j)
        if (slate[j] >= 0 && cat.label(slate[j]) == seg.label) return slate[j];
      return seg.otherwise_top && slate_size > 0 ? slate[0] : -1;
    }
    case PuppetChoice::kMostExtreme:
    case PuppetChoice::kLeastExtreme: {
      // ties go to the higher-placed slot
      const bool most = seg.choose == PuppetChoice::kMostExtreme;
      int64_t best = -1;
      for (int j = 0; j < slate_size; ++j) {
        if (slate[j] < 0) continue;
        if (best < 0 ||
            (most ? cat.extremity(slate[j]) > cat.extremity(best) : cat.extremity(slate[j]) < cat.extremity(best)))
          best = slate[j];
      }
      return best;
    }
    case PuppetChoice::kList: {
      const int64_t k = step - seg.from_step;
      return k >= 0 && k < static_cast<int64_t>(seg.items.size()) ? seg.items[k] : -1;
    }
  }
  return -1;
}

void MakePuppetsActive(const SockPuppets& puppets, Population& pop) {
  for (const auto& g : puppets.groups)
    for (int64_t u = std::max(g.first_user, pop.first); u < std::min(g.first_user + g.n, pop.first + pop.rows); ++u)
      pop.session_prob[pop.Row(u)] = 1.f;
}

namespace {

class ScriptedUserModel : public UserModel {
 public:
  ScriptedUserModel(std::unique_ptr<UserModel> organic, SockPuppets puppets)
      : organic_(std::move(organic)), puppets_(std::move(puppets)) {}
  int max_clicks() const override { return organic_->max_clicks(); }
  // the organic model's state is the only state
  void SaveState(StateWriter& out) const override { organic_->SaveState(out); }
  void LoadState(StateReader& in) override { organic_->LoadState(in); }
  // a puppet's utility is its drawn interest's, as any user's (for oracles and observers)
  double Utility(const Catalog& catalog, const Population& pop, int64_t user, int64_t item) const override {
    return organic_->Utility(catalog, pop, user, item);
  }

  void Respond(const UserContext& ctx, const SlateBatch& b, Population& pop, ChoiceBuffer& out) override {
    // every user responds organically first (each user's draws are keyed by the user: the
    // organic users' are the same as without puppets); then each puppet's row is replaced
    // by its script's pick. A puppet's true interest is never read (its drift is moot)
    organic_->Respond(ctx, b, pop, out);
    for (int64_t u = 0; u < b.n; ++u) {
      const int g = puppets_.GroupOf(b.users[u]);
      if (g < 0) continue;
      const ScriptSegment& seg = SegmentAt(puppets_.groups[g].script, ctx.step);
      const int64_t item = PuppetPick(seg, ctx.step, ctx.catalog, b.Slate(u), b.slate_size);
      int64_t* clicks = out.clicks.data() + u * out.max_clicks;
      std::fill_n(clicks, out.max_clicks, int64_t{-1});
      if (out.slate_size > 0) std::fill_n(out.dismissed.data() + u * out.slate_size, out.slate_size, uint8_t{0});
      out.n_clicks[u] = item >= 0 ? 1 : 0;
      if (item >= 0) clicks[0] = item;
    }
  }

 private:
  std::unique_ptr<UserModel> organic_;
  SockPuppets puppets_;
};

}  // namespace

std::unique_ptr<UserModel> MakeScriptedUserModel(std::unique_ptr<UserModel> organic, SockPuppets puppets) {
  return std::make_unique<ScriptedUserModel>(std::move(organic), std::move(puppets));
}

}  // namespace counterpoint
