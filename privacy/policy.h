// The data-protection policy: which tiers exist, and what each may take out.
//
// A YAML file validated like a scenario (every error at file:line:col, all at once):
//
//   name: my_project
//   project: ngo_reach_2026          # the data releases are about: one budget per requester (default: name)
//   ledger: ledger.sqlite            # the budget ledger, relative to the policy file
//   anchor: /other/disk/l.anchor     # its anchor (default: beside it, ledger.sqlite.anchor)
//   ledger_id: 5f0c...               # written by the first release (privacy/ledger_binding.h)
//   tiers:
//     platform: {}                   # in-house: per-user trajectories, pseudonymised
//     vetted_researcher: {epsilon_budget: 4, max_partitions_per_user: 8, ...}
//     ngo: {min_cohort: 50, ...}
//     public: {threshold: 100, ...}
//   requesters:                      # who may ask, and the tiers each holds
//     alice: {tiers: [vetted_researcher], aliases: ["alice.martin@uni.example"]}
//     ngo_a: {tiers: [ngo], organisation: 6003}
//
// A tier that the file does not list is not granted; a requester it does not list, or
// a tier the requester does not hold, is refused by Release() itself. Requester names
// and aliases are normalised (privacy/requester.h); the budget ledger is keyed on the
// identity (the normalised key under requesters:), so every spelling of one person
// shares one budget. Sensitivity limits are checked when the policy loads.
// docs/data-protection.md maps the tiers to GDPR Art. 89 safeguards and the DSA Art. 40
// vetted-researcher model; policies/ holds commented example policies.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/params.h"
#include "privacy/budget_ledger.h"
#include "privacy/contribution_bounding.h"

namespace counterpoint::privacy {

enum class Tier { kPlatform, kVettedResearcher, kNgo, kPublic };

/// "platform", "vetted_researcher", "ngo", "public".
const char* TierName(Tier tier);
/// The tier called `name`; throws InputError naming `where` and the valid tiers otherwise.
Tier ParseTier(const std::string& name, const std::string& where);
/// All tier names, in order of decreasing access.
std::vector<std::string> TierNames();

enum class Mechanism { kLaplace, kGaussian };

/// Value columns of a DP release (impressions, clicks): the m in the sensitivities.
inline constexpr int kReleaseValueColumns = 2;

/// What one tier may release.
struct TierPolicy {
  Tier tier = Tier::kPublic;
  Mechanism mechanism = Mechanism::kLaplace;
  PrivacyBudget budget;   ///< per project and requester
  BoundingPolicy bounds;  ///< contribution bounding by user
  int64_t threshold = 0;  ///< cells whose noisy user count is below it are suppressed
  SourceLocation where;   ///< the tier's block in the policy file
};

/// One requester: a person or organisation, with the tiers it holds.
struct RequesterPolicy {
  std::string id;                    ///< normalised key under requesters: (the ledger is keyed on it)
  std::string written;               ///< the key as written in the policy
  std::set<Tier> tiers;              ///< the tiers it holds
  int64_t organisation = -1;         ///< ngo: the organisation id it speaks for
  std::vector<std::string> aliases;  ///< other names and addresses, normalised
  SourceLocation where;              ///< its entry in the policy file
};

/// A validated policy.
struct Policy {
  std::string file;  ///< as given
  std::string name;
  std::string project;             ///< what every release is charged to (`project:`, default the name): "project:" + it
  std::string sha256;              ///< of the file's bytes (written into manifests)
  std::string ledger;              ///< resolved path of the budget ledger
  std::string ledger_id;           ///< the ledger this policy is bound to (`ledger_id:`; empty until the first release)
  SourceLocation ledger_id_where;  ///< where ledger_id: is
  std::string anchor;  ///< resolved path of its anchor (privacy/ledger_anchor.h): `anchor:`, or ledger + ".anchor"
  std::map<Tier, TierPolicy> tiers;
  std::map<std::string, RequesterPolicy> requesters;   ///< by id
  std::map<std::string, std::string> requester_names;  ///< every normalised name and alias -> id
  SourceLocation requesters_where;                     ///< the requesters: key

  /// The tier's policy; throws InputError if the policy does not grant the tier.
  const TierPolicy& Get(Tier tier) const;
  /// The requester that `name` (any spelling; see privacy/requester.h) names, if it holds
  /// `tier`; throws InputError naming the requester, the tier and the fix otherwise.
  const RequesterPolicy& Requester(const std::string& name, Tier tier) const;
};

/// Loads and validates a policy file; throws InputError with every problem found.
Policy LoadPolicy(const std::string& path);
/// Same, from text (`file` names it in errors; `base_dir` resolves the ledger path).
Policy ParsePolicy(const std::string& text, const std::string& file, const std::string& base_dir);

}  // namespace counterpoint::privacy
