#include "privacy/policy.h"

#include <filesystem>

#include "core/hash.h"
#include "core/io.h"
#include "core/text.h"

namespace counterpoint::privacy {

namespace {
const std::vector<std::pair<Tier, std::string>> kTiers = {{Tier::kPlatform, "platform"},
                                                          {Tier::kVettedResearcher, "vetted_researcher"},
                                                          {Tier::kNgo, "ngo"},
                                                          {Tier::kPublic, "public"}};

ComponentSpec TopSpec() {
  return {"a data-protection policy",
          {RequiredString("name", "name of the policy (written into every release manifest)"),
           StringParam("ledger", "ledger.sqlite", "budget ledger (SQLite), relative to the policy file")}};
}

// the settings every DP tier shares; `threshold_min` > 0 makes the threshold mandatory
ComponentSpec DpTierSpec(Tier tier) {
  if (tier == Tier::kPlatform) return {"the platform tier: in-house, pseudonymised per-user trajectories", {}};
  ComponentSpec s{"a DP tier",
                  {StringParam("mechanism", "laplace",
                               "noise: laplace (discrete Laplace, pure epsilon-DP; --epsilon) or gaussian "
                               "(discrete Gaussian, rho-zCDP; --rho)",
                               {"laplace", "gaussian"}),
                   DoubleParam("epsilon_budget", 1.0, "total epsilon per dataset and requester", 1e-6, 100),
                   DoubleParam("delta", 1e-9, "delta at which zCDP costs are converted to epsilon", 1e-30, 1e-3),
                   IntParam("max_partitions_per_user", 4, "k: cells one user may contribute to", 1, 100000),
                   IntParam("max_contribution_per_partition", 10,
                            "c: cap on one user's impressions (and clicks) in one cell", 1, 1000000)}};
  switch (tier) {
    case Tier::kVettedResearcher:
      s.params.push_back(IntParam("threshold", 0, "suppress cells whose noisy user count is below it", 0, 1e9));
      break;
    case Tier::kNgo: {
      ParamSpec p =
          IntParam("min_cohort", 0, "minimum cohort: suppress cells whose noisy user count is below it", 1, 1e9);
      p.required = true;
      s.params.push_back(p);
      break;
    }
    case Tier::kPublic: {
      ParamSpec p = IntParam("threshold", 0, "suppress cells whose noisy user count is below it", 1, 1e9);
      p.required = true;
      s.params.push_back(p);
      break;
    }
    case Tier::kPlatform:
      break;  // handled above
  }
  return s;
}
}  // namespace

const char* TierName(Tier tier) {
  for (const auto& [t, name] : kTiers)
    if (t == tier) return name.c_str();
  return "?";
}

std::vector<std::string> TierNames() {
  std::vector<std::string> out;
  for (const auto& t : kTiers) out.push_back(t.second);
  return out;
}

Tier ParseTier(const std::string& name, const std::string& where) {
  for (const auto& [t, n] : kTiers)
    if (n == name) return t;
  throw InputError(where, "unknown tier '" + name + "'; valid tiers: " + JoinNames(TierNames()));
}

const TierPolicy& Policy::Get(Tier tier) const {
  auto it = tiers.find(tier);
  if (it == tiers.end())
    throw InputError(file, std::string("the policy '") + name + "' does not grant the tier '" + TierName(tier) +
                               "' (add it under tiers:)");
  return it->second;
}

Policy ParsePolicy(const std::string& text, const std::string& file, const std::string& base_dir) {
  const YAML::Node root = ParseYamlMap(text, file, "a data-protection policy");
  DiagnosticList diags;
  Policy policy;
  policy.file = file;
  policy.sha256 = Sha256Hex(text);
  const Params top = ValidateBlock(root, TopSpec(), file, "policy", diags, {"tiers"});
  policy.name = top.String("name");
  const std::filesystem::path ledger(top.String("ledger"));
  policy.ledger = ledger.is_absolute() ? ledger.string() : (std::filesystem::path(base_dir) / ledger).string();

  const YAML::Node tiers = root["tiers"];
  if (!tiers || !tiers.IsMap() || tiers.size() == 0) {
    const SourceLocation loc = tiers ? LocationOf(tiers, file) : SourceLocation{file, 0, 0};
    diags.Add(loc.file, loc.line, loc.column,
              "policy: 'tiers' must be a map granting at least one of: " + JoinNames(TierNames()));
    diags.ThrowIfAny();
  }
  for (auto it = tiers.begin(); it != tiers.end(); ++it) {
    const SourceLocation kloc = LocationOf(it->first, file);
    if (!it->first.IsScalar()) {  // e.g. a complex key `? {...}`
      diags.Add(kloc.file, kloc.line, kloc.column,
                "tiers: a tier's name must be a plain word, one of: " + JoinNames(TierNames()));
      continue;
    }
    const std::string name = it->first.as<std::string>();
    Tier tier;
    try {
      tier = ParseTier(name, file);
    } catch (const InputError&) {
      diags.Add(kloc.file, kloc.line, kloc.column,
                "tiers: unknown tier '" + name + "'; valid tiers: " + JoinNames(TierNames()));
      continue;
    }
    TierPolicy tp;
    tp.tier = tier;
    tp.where = kloc;
    const YAML::Node block = it->second;
    const std::string where = "tiers." + name;
    const std::set<std::string> reserved =
        tier == Tier::kNgo ? std::set<std::string>{"organisations"} : std::set<std::string>{};
    const Params p = ValidateBlock(block, DpTierSpec(tier), file, where, diags, reserved);
    if (tier != Tier::kPlatform) {
      tp.mechanism = p.String("mechanism") == "gaussian" ? Mechanism::kGaussian : Mechanism::kLaplace;
      tp.budget = {p.Double("epsilon_budget"), p.Double("delta")};
      tp.bounds = {p.Int("max_partitions_per_user"), p.Int("max_contribution_per_partition")};
      tp.threshold = tier == Tier::kNgo ? p.Int("min_cohort") : p.Int("threshold");
    }
    // ngo: which organisation each requester speaks for
    const YAML::Node orgs = block && block.IsMap() ? block["organisations"] : YAML::Node();
    if (tier == Tier::kNgo) {
      if (!orgs || !orgs.IsMap() || orgs.size() == 0) {
        const SourceLocation loc = orgs ? LocationOf(orgs, file) : kloc;
        diags.Add(loc.file, loc.line, loc.column,
                  where + ".organisations: a map from requester id to the organisation id it speaks for is required");
      } else {
        for (auto o = orgs.begin(); o != orgs.end(); ++o) {
          const SourceLocation vloc = LocationOf(o->second, file);
          if (!o->first.IsScalar()) {
            const SourceLocation oloc = LocationOf(o->first, file);
            diags.Add(oloc.file, oloc.line, oloc.column,
                      where + ".organisations: a requester id must be a plain word or number");
            continue;
          }
          if (const std::string bad = NotUtf8Message(o->first.Scalar()); !bad.empty()) {
            const SourceLocation oloc = LocationOf(o->first, file);
            diags.Add(oloc.file, oloc.line, oloc.column, where + ".organisations: a requester id: " + bad);
            continue;
          }
          try {
            const int64_t id = o->second.as<int64_t>();
            if (id < 0) throw YAML::Exception(o->second.Mark(), "negative");
            tp.organisations[o->first.as<std::string>()] = id;
          } catch (const YAML::Exception&) {
            diags.Add(vloc.file, vloc.line, vloc.column,
                      where + ".organisations." + o->first.as<std::string>() +
                          ": expected an organisation id (a non-negative integer)");
          }
        }
      }
    }
    policy.tiers[tier] = tp;
  }
  diags.ThrowIfAny();
  return policy;
}

Policy LoadPolicy(const std::string& path) {
  const std::string text = ReadFile(path);
  return ParsePolicy(text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace counterpoint::privacy
