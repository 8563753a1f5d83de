#include "privacy/session.h"

#include "privacy/pseudonymize.h"

namespace counterpoint::privacy {

PermissionDenied::PermissionDenied(const std::string& tier, const std::string& policy, const std::string& what)
    : std::runtime_error(what + " is not permitted in a '" + tier + "' session under the data-protection policy '" +
                         policy + "': only the platform tier reads per-user data; use a DP release instead"),
      tier_(tier),
      policy_(policy) {}

AccessSession::AccessSession(Policy policy, Tier tier, const std::string& requester)
    : policy_(std::move(policy)), tier_(tier) {
  policy_.Get(tier_);                                   // the tier must be granted
  requester_ = policy_.Requester(requester, tier_).id;  // to a listed requester who holds it
}

void AccessSession::RequireRawAccess(const std::string& what) const {
  if (tier_ != Tier::kPlatform) throw PermissionDenied(TierName(tier_), policy_.name + " (" + policy_.file + ")", what);
}

std::vector<TrajectoryRow> AccessSession::ReadTrajectories(const std::string& run_dir,
                                                           const std::string& key_file) const {
  RequireRawAccess("reading raw trajectories");
  const PseudonymKey key = PseudonymKey::LoadOrCreate(key_file, false);
  std::vector<TrajectoryRow> out;
  ForEachImpression(ImpressionsPath(run_dir), [&](const ImpressionRow& r) {
    out.push_back({r.step, std::string(r.arm), r.replicate, key.Pseudonym("user:" + std::to_string(r.user)), r.item,
                   r.position, r.injected, r.organisation, r.clicked, r.dismissed});
  });
  return out;
}

}  // namespace counterpoint::privacy
