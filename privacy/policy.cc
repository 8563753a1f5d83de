#include "privacy/policy.h"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/hash.h"
#include "core/io.h"
#include "core/text.h"
#include "privacy/discrete_gaussian.h"
#include "privacy/discrete_laplace.h"
#include "privacy/requester.h"

namespace counterpoint::privacy {

namespace {
const std::vector<std::pair<Tier, std::string>> kTiers = {{Tier::kPlatform, "platform"},
                                                          {Tier::kVettedResearcher, "vetted_researcher"},
                                                          {Tier::kNgo, "ngo"},
                                                          {Tier::kPublic, "public"}};

ComponentSpec TopSpec() {
  return {"a data-protection policy",
          {RequiredString("name", "name of the policy (written into every release manifest)"),
           StringParam("project", "",
                       "the data every release is about: each requester has one budget per project, whatever run "
                       "is released; default: the policy's name"),
           StringParam("ledger", "ledger.sqlite", "budget ledger (SQLite), relative to the policy file"),
           StringParam("ledger_id", "",
                       "the id of the ledger this policy charges (32 hex digits), written by its first release"),
           StringParam("anchor", "",
                       "the ledger's anchor (row count and head hash), relative to the policy file; default: "
                       "the ledger's path + .anchor")}};
}

ComponentSpec RequesterSpec() {
  return {
      "a requester (one person or organisation)",
      {IntParam("organisation", -1, "ngo: the organisation id (creator id of its items) it speaks for", 0, 9.2e18)}};
}

const char* kRequestersHelp =
    "a map from each requester (one person or organisation) to the tiers it holds, e.g. "
    "requesters: {alice: {tiers: [vetted_researcher], aliases: [\"alice@uni.example\"]}} "
    "(docs/data-protection.md, \"Requesters\"; policies/ has examples)";

std::string Num(double x) {
  std::ostringstream o;
  o.precision(6);
  o << x;
  return o.str();
}

// a DP tier whose sensitivity leaves no release possible within its budget is refused
// when the policy loads, not at the first release
void CheckSensitivity(const TierPolicy& tp, const std::string& where, DiagnosticList& diags) {
  const int64_t k = tp.bounds.max_partitions_per_user, c = tp.bounds.max_contribution_per_partition;
  const std::string knobs =
      "max_partitions_per_user k = " + std::to_string(k) + ", max_contribution_per_partition c = " + std::to_string(c);
  std::string problem;
  if (tp.mechanism == Mechanism::kLaplace) {
    const int64_t l1 = L1Sensitivity(tp.bounds, kReleaseValueColumns);
    try {
      LaplaceScaleFor(l1, std::min(tp.budget.epsilon, 1e3));
    } catch (const InputError& e) {
      problem = "the L1 sensitivity k (2 c + 1) = " + std::to_string(l1) + " (" + knobs +
                ") leaves no discrete-Laplace release possible within epsilon_budget " + Num(tp.budget.epsilon) + " (" +
                e.diagnostics().front().message + ")";
    }
  } else {
    const int64_t l2sq = L2SensitivitySquared(tp.bounds, kReleaseValueColumns);
    // the largest rho one release may cost: rho + 2 sqrt(rho ln(1/delta)) = epsilon_budget
    const double l = std::log(1 / tp.budget.delta);
    const double rho_max = std::pow(std::sqrt(l + tp.budget.epsilon) - std::sqrt(l), 2);
    try {
      GaussianSigma2For(l2sq, std::min(rho_max, 1e3));
    } catch (const InputError& e) {
      problem = "the squared L2 sensitivity k (2 c^2 + 1) = " + std::to_string(l2sq) + " (" + knobs +
                ") leaves no discrete-Gaussian release possible within epsilon_budget " + Num(tp.budget.epsilon) +
                " at delta " + Num(tp.budget.delta) + ", which allows rho up to " + Num(rho_max) + " (" +
                e.diagnostics().front().message + ")";
    }
  }
  if (!problem.empty())
    diags.Add(tp.where.file, tp.where.line, tp.where.column,
              where + ": " + problem +
                  "; lower max_partitions_per_user or max_contribution_per_partition, or raise "
                  "epsilon_budget");
}

// `node` as a list of scalars; a diagnostic at its place otherwise
std::vector<YAML::Node> ScalarList(const YAML::Node& node, const std::string& file, const std::string& where,
                                   const std::string& what, DiagnosticList& diags) {
  std::vector<YAML::Node> out;
  const SourceLocation loc = LocationOf(node, file);
  if (!node.IsSequence()) {
    diags.Add(loc.file, loc.line, loc.column, where + ": expected a list of " + what + ", e.g. [a, b]");
    return out;
  }
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) {
      const SourceLocation iloc = LocationOf(item, file);
      diags.Add(iloc.file, iloc.line, iloc.column, where + ": each entry must be one of " + what + " (plain text)");
      continue;
    }
    out.push_back(item);
  }
  return out;
}

void ParseRequesters(const YAML::Node& root, const std::string& file, Policy& policy, DiagnosticList& diags) {
  const YAML::Node reqs = root["requesters"];
  if (!reqs || !reqs.IsMap() || reqs.size() == 0) {
    SourceLocation loc{file, 0, 0};
    if (reqs) loc = LocationOf(reqs, file);
    diags.Add(loc.file, loc.line, loc.column, std::string("policy: 'requesters' is required: ") + kRequestersHelp);
    return;
  }
  policy.requesters_where = LocationOf(reqs, file);
  for (auto it = root.begin(); it != root.end(); ++it)  // the key itself, where the fix goes
    if (it->first.IsScalar() && it->first.Scalar() == "requesters")
      policy.requesters_where = LocationOf(it->first, file);
  // normalised name -> (the entry's key as written, where the name is)
  std::map<std::string, std::pair<std::string, SourceLocation>> seen;
  for (auto it = reqs.begin(); it != reqs.end(); ++it) {
    const SourceLocation kloc = LocationOf(it->first, file);
    if (!it->first.IsScalar()) {
      diags.Add(kloc.file, kloc.line, kloc.column, "requesters: a requester's key must be a plain name or address");
      continue;
    }
    RequesterPolicy r;
    r.written = it->first.Scalar();
    r.where = kloc;
    const std::string where = "requesters." + r.written;
    const auto normalise = [&](const std::string& name, const SourceLocation& loc, const std::string& in) {
      try {
        return NormaliseRequester(name, file);
      } catch (const InputError& e) {
        diags.Add(loc.file, loc.line, loc.column, in + ": " + e.diagnostics().front().message);
        return std::string();
      }
    };
    r.id = normalise(r.written, kloc, "requesters");
    const YAML::Node block = it->second;
    const Params p = ValidateBlock(block, RequesterSpec(), file, where, diags, {"tiers", "aliases"});
    if (!block || !block.IsMap()) continue;  // ValidateBlock said so
    // the tiers it holds: each granted by the policy
    const YAML::Node tiers = block["tiers"];
    if (!tiers) {
      diags.Add(kloc.file, kloc.line, kloc.column,
                where + ": missing required key 'tiers' (the tiers this requester holds, e.g. tiers: [" +
                    (policy.tiers.empty() ? std::string("public") : TierName(policy.tiers.begin()->first)) + "])");
    } else {
      for (const YAML::Node& t : ScalarList(tiers, file, where + ".tiers", "the tier names", diags)) {
        const SourceLocation tloc = LocationOf(t, file);
        Tier tier;
        try {
          tier = ParseTier(t.Scalar(), file);
        } catch (const InputError&) {
          diags.Add(tloc.file, tloc.line, tloc.column,
                    where + ".tiers: unknown tier '" + t.Scalar() + "'; valid tiers: " + JoinNames(TierNames()));
          continue;
        }
        if (!policy.tiers.count(tier)) {
          diags.Add(tloc.file, tloc.line, tloc.column,
                    where + ".tiers: the policy does not grant the tier '" + t.Scalar() +
                        "': add it under tiers:, or remove it from this list");
          continue;
        }
        r.tiers.insert(tier);
      }
      if (tiers.IsSequence() && tiers.size() == 0) {
        const SourceLocation tloc = LocationOf(tiers, file);
        diags.Add(tloc.file, tloc.line, tloc.column,
                  where + ".tiers: a requester must hold at least one tier (or be removed from the policy)");
      }
    }
    // ngo: the organisation it speaks for
    r.organisation = p.Int("organisation");
    if (r.tiers.count(Tier::kNgo) && r.organisation < 0)
      diags.Add(kloc.file, kloc.line, kloc.column,
                where +
                    ": holds the ngo tier, so 'organisation: ID' (the organisation id it speaks for: the creator "
                    "id of its items) is required");
    if (!r.tiers.count(Tier::kNgo) && block["organisation"]) {
      const SourceLocation oloc = LocationOf(block["organisation"], file);
      diags.Add(oloc.file, oloc.line, oloc.column,
                where +
                    ".organisation: only a requester holding the ngo tier speaks for an organisation: remove "
                    "it, or add ngo to " +
                    where + ".tiers");
    }
    // every name it goes by; two entries may not share one after normalisation
    std::vector<std::pair<std::string, SourceLocation>> names{{r.id, kloc}};
    if (const YAML::Node aliases = block["aliases"]) {
      for (const YAML::Node& a : ScalarList(aliases, file, where + ".aliases", "names or e-mail addresses", diags)) {
        const SourceLocation aloc = LocationOf(a, file);
        const std::string n = normalise(a.Scalar(), aloc, where + ".aliases");
        if (n.empty()) continue;
        r.aliases.push_back(n);
        names.push_back({n, aloc});
      }
    }
    for (const auto& [n, loc] : names) {
      if (n.empty()) continue;
      auto [at, fresh] = seen.emplace(n, std::make_pair(r.written, loc));
      if (fresh || at->second.first == r.written) continue;
      diags.Add(loc.file, loc.line, loc.column,
                where + ": the name '" + n + "' also names requesters." + at->second.first + " (line " +
                    std::to_string(at->second.second.line) +
                    ") once normalised (case, white space and the address in 'Name <addr>' do not tell "
                    "requesters apart): one person or organisation is one entry with one budget; merge the two "
                    "entries or correct the name");
    }
    if (r.id.empty()) continue;
    if (policy.requesters.count(r.id)) continue;  // reported above as a shared name
    for (const auto& [n, loc] : names)
      if (!n.empty()) policy.requester_names.emplace(n, r.id);
    policy.requesters[r.id] = std::move(r);
  }
}

// the settings every DP tier shares; `threshold_min` > 0 makes the threshold mandatory
ComponentSpec DpTierSpec(Tier tier) {
  if (tier == Tier::kPlatform) return {"the platform tier: in-house, pseudonymised per-user trajectories", {}};
  ComponentSpec s{"a DP tier",
                  {StringParam("mechanism", "laplace",
                               "noise: laplace (discrete Laplace, pure epsilon-DP; --epsilon) or gaussian "
                               "(discrete Gaussian, rho-zCDP; --rho)",
                               {"laplace", "gaussian"}),
                   DoubleParam("epsilon_budget", 1.0, "total epsilon per project and requester", 1e-6, 100),
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

const RequesterPolicy& Policy::Requester(const std::string& name, Tier tier) const {
  const std::string n = NormaliseRequester(name, "--requester");
  auto it = requester_names.find(n);
  if (it == requester_names.end())
    throw InputError(file, requesters_where.line, requesters_where.column,
                     "requester '" + name + "' (normalised: '" + n + "') is not listed under requesters: in the " +
                         "policy '" + this->name + "': every release is charged to a person or organisation the " +
                         "policy lists; ask under the name or address the policy lists for you, or have the " +
                         "controller add you under requesters: with the tiers you hold");
  const RequesterPolicy& r = requesters.at(it->second);
  if (!r.tiers.count(tier)) {
    std::vector<std::string> held;
    for (Tier t : r.tiers) held.push_back(TierName(t));
    throw InputError(file, r.where.line, r.where.column,
                     "requester '" + r.written + "' (asked as '" + name + "') does not hold the tier '" +
                         TierName(tier) + "': requesters." + r.written + ".tiers grants " + JoinNames(held) +
                         "; ask for one of those, or have the controller add '" + TierName(tier) + "' to that list");
  }
  return r;
}

Policy ParsePolicy(const std::string& text, const std::string& file, const std::string& base_dir) {
  const YAML::Node root = ParseYamlMap(text, file, "a data-protection policy");
  DiagnosticList diags;
  Policy policy;
  policy.file = file;
  policy.sha256 = Sha256Hex(text);
  const Params top = ValidateBlock(root, TopSpec(), file, "policy", diags, {"tiers", "requesters"});
  policy.name = top.String("name");
  policy.project = top.String("project").empty() ? policy.name : top.String("project");
  const auto resolve = [&](const std::filesystem::path& p) {
    return p.is_absolute() ? p.string() : (std::filesystem::path(base_dir) / p).string();
  };
  policy.ledger = resolve(top.String("ledger"));
  policy.ledger_id = top.String("ledger_id");
  if (const YAML::Node id = root["ledger_id"]) {
    policy.ledger_id_where = LocationOf(id, file);
    const bool hex =
        policy.ledger_id.size() == 32 && policy.ledger_id.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex)
      diags.Add(policy.ledger_id_where.file, policy.ledger_id_where.line, policy.ledger_id_where.column,
                "ledger_id: expected the 32 lowercase hex digits of a ledger's id, got '" + policy.ledger_id +
                    "'; the first release writes it: remove the line for a policy that has never released");
  }
  policy.anchor = top.String("anchor").empty() ? policy.ledger + ".anchor" : resolve(top.String("anchor"));

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
    // the ngo tier's old requester list: moved to requesters:
    if (tier == Tier::kNgo && block && block.IsMap() && block["organisations"]) {
      const YAML::Node orgs = block["organisations"];
      std::string example;
      if (orgs.IsMap())
        for (auto o = orgs.begin(); o != orgs.end(); ++o)
          if (o->first.IsScalar() && o->second.IsScalar())
            example += (example.empty() ? "" : ", ") + o->first.Scalar() +
                       ": {tiers: [ngo], organisation: " + o->second.Scalar() + "}";
      if (example.empty()) example = "ngo_a: {tiers: [ngo], organisation: 6003}";
      const SourceLocation oloc = LocationOf(orgs, file);
      diags.Add(oloc.file, oloc.line, oloc.column,
                where +
                    ".organisations: the requester list moved to the top-level requesters:, one entry per "
                    "person or organisation with the tiers it holds; remove organisations: here and write "
                    "requesters: {" +
                    example + "} (docs/data-protection.md, \"Requesters\")");
    }
    if (tier != Tier::kPlatform) CheckSensitivity(tp, where, diags);
    policy.tiers[tier] = tp;
  }
  ParseRequesters(root, file, policy, diags);
  diags.ThrowIfAny();
  return policy;
}

Policy LoadPolicy(const std::string& path) {
  const std::string text = ReadFile(path);
  return ParsePolicy(text, path, std::filesystem::path(path).parent_path().string());
}

}  // namespace counterpoint::privacy
