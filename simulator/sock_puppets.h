// Sock puppets: scripted users, as in the audits of YouTube (Ribeiro et al. 2020, Haroon et
// al. 2023, Hosseinmardi et al. 2024). Each puppet follows a script (watch the top slot, the
// first item of a label, the most or least extreme item, or a fixed list), may switch script
// at given steps, and is otherwise a user like any other: the platform retrieves, ranks and
// learns from its clicks alone. docs/sock_puppets.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/params.h"
#include "embeddings/catalog.h"
#include "simulator/population.h"
#include "simulator/user_model.h"

namespace counterpoint {

/// How a puppet picks what it consumes at a step.
enum class PuppetChoice : uint8_t {
  kTop,           ///< the slate's first slot
  kLabel,         ///< the highest-placed slot holding `label` (else `otherwise`)
  kMostExtreme,   ///< the slot with the highest ground-truth extremity
  kLeastExtreme,  ///< the slot with the lowest ground-truth extremity
  kList,          ///< items[k] at the segment's k-th step, watched directly
};

/// One part of a script: from `from_step` until the next segment's from_step.
struct ScriptSegment {
  int64_t from_step = 0;
  PuppetChoice choose = PuppetChoice::kTop;
  Label label = Label::kMainstream;  ///< kLabel: the label sought
  bool otherwise_top = false;        ///< kLabel: with no such slot, the top slot (else nothing)
  std::vector<int64_t> items;        ///< kList: the items, in order
  Params params;                     ///< the validated block (its keys' locations, for errors)
};

/// A block of puppets sharing one script; they are users [first_user, first_user + n).
struct PuppetGroup {
  std::string name;
  int64_t n = 0;
  int64_t first_user = 0;
  std::vector<ScriptSegment> script;  ///< from_step strictly increasing, the first at 0
};

/// Every puppet of a run: the users after the organic ones, group after group.
struct SockPuppets {
  int64_t organic_users = 0;  ///< users [0, organic_users) are organic
  std::vector<PuppetGroup> groups;
  int64_t total() const;
  bool empty() const { return groups.empty(); }
  /// The group user `u` belongs to, or -1 for an organic user.
  int GroupOf(int64_t u) const;
};

/// Specs of a sock_puppets[i] block and of a script[j] segment (docs/sock_puppets.md).
ComponentSpec PuppetGroupSpec();
ComponentSpec ScriptSegmentSpec();
/// "top", "label", "most_extreme", "least_extreme", "list".
std::vector<std::string> PuppetChoiceNames();
PuppetChoice ParsePuppetChoice(const std::string& name);

/// The segment of `script` in force at `step` (the last with from_step <= step).
const ScriptSegment& SegmentAt(const std::vector<ScriptSegment>& script, int64_t step);

/// What one puppet consumes at `step` given its slate: an item id, or -1 for nothing.
int64_t PuppetPick(const ScriptSegment& segment, int64_t step, const Catalog& catalog, const int64_t* slate,
                   int slate_size);

/// Puppets log in every step (session probability 1), as audit bots do; the rest of their
/// traits are drawn as any user's. Rows outside the population's block are skipped.
void MakePuppetsActive(const SockPuppets& puppets, Population& pop);

/// A user model in which the organic users respond through `organic` and the puppets
/// follow their scripts (one click at most per step, no dismissals). `organic` responds
/// for the whole batch first, with each user's own random numbers, so an organic user's
/// draws are the same with puppets as without.
std::unique_ptr<UserModel> MakeScriptedUserModel(std::unique_ptr<UserModel> organic, SockPuppets puppets);

}  // namespace counterpoint
