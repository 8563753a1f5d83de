// The data-protection policy: which tiers exist, and what each may take out.
//
// A YAML file validated like a scenario (every error at file:line:col, all at once):
//
//   name: my_project
//   ledger: ledger.sqlite            # the budget ledger, relative to the policy file
//   tiers:
//     platform: {}                   # in-house: per-user trajectories, pseudonymised
//     vetted_researcher: {epsilon_budget: 4, max_partitions_per_user: 8, ...}
//     ngo: {min_cohort: 50, organisations: {ngo_a: 6003}, ...}
//     public: {threshold: 100, ...}
//
// A tier that the file does not list is not granted. docs/data-protection.md maps the
// tiers to GDPR Art. 89 safeguards and the DSA Art. 40 vetted-researcher model.
#pragma once

#include <cstdint>
#include <map>
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

/// What one tier may release.
struct TierPolicy {
  Tier tier = Tier::kPublic;
  Mechanism mechanism = Mechanism::kLaplace;
  PrivacyBudget budget;                          ///< per dataset and requester
  BoundingPolicy bounds;                         ///< contribution bounding by user
  int64_t threshold = 0;                         ///< cells whose noisy user count is below it are suppressed
  std::map<std::string, int64_t> organisations;  ///< ngo: requester -> organisation id
  SourceLocation where;                          ///< the tier's block in the policy file
};

/// A validated policy.
struct Policy {
  std::string file;  ///< as given
  std::string name;
  std::string sha256;  ///< of the file's bytes (written into manifests)
  std::string ledger;  ///< resolved path of the budget ledger
  std::map<Tier, TierPolicy> tiers;

  /// The tier's policy; throws InputError if the policy does not grant the tier.
  const TierPolicy& Get(Tier tier) const;
};

/// Loads and validates a policy file; throws InputError with every problem found.
Policy LoadPolicy(const std::string& path);
/// Same, from text (`file` names it in errors; `base_dir` resolves the ledger path).
Policy ParsePolicy(const std::string& text, const std::string& file, const std::string& base_dir);

}  // namespace counterpoint::privacy
