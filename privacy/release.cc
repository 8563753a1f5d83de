#include "privacy/release.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include "core/hash.h"
#include "core/io.h"
#include "core/version.h"
#include "privacy/contribution_bounding.h"
#include "privacy/discrete_gaussian.h"
#include "privacy/discrete_laplace.h"
#include "privacy/ledger_binding.h"
#include "privacy/pseudonymize.h"
#include "privacy/run_events.h"

namespace counterpoint::privacy {

namespace {
struct RunInfo {
  std::string scenario_sha256;
  std::string scenario_name;
  std::vector<std::string> arms;
  int64_t n_users = 0;  ///< the population's size (public: a scenario parameter), the n of delta < 1/n
};

RunInfo ReadRunManifest(const std::string& run_dir) {
  const std::string path = (std::filesystem::path(run_dir) / "manifest.json").string();
  if (!std::filesystem::exists(path))
    throw InputError(path, "no manifest.json: not a finished run directory (counterpoint run ... --out DIR)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("not valid JSON: ") + e.what());
  }
  RunInfo info;
  if (!j.contains("scenario_sha256") || !j["scenario_sha256"].is_string())
    throw InputError(path, "the manifest has no scenario_sha256");
  info.scenario_sha256 = j["scenario_sha256"];
  const nlohmann::json& sc = j.value("resolved_scenario", nlohmann::json::object());
  info.scenario_name = sc.value("name", "");
  if (sc.contains("arms"))
    for (const auto& a : sc["arms"]) info.arms.push_back(a.value("name", ""));
  if (info.arms.empty()) throw InputError(path, "the manifest lists no arms (resolved_scenario.arms)");
  const nlohmann::json& pop = sc.value("population", nlohmann::json::object());
  if (!pop.contains("n_users") || !pop["n_users"].is_number_integer() || pop["n_users"].get<int64_t>() < 1)
    throw InputError(path,
                     "the manifest has no resolved_scenario.population.n_users: the gate needs the number of "
                     "users n to keep delta below 1/n; release from the run directory counterpoint run wrote");
  info.n_users = pop["n_users"].get<int64_t>();
  return info;
}

std::string NowUtc() {
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

// whom a DP release's guarantee covers, in every DP manifest (docs/data-protection.md,
// "Whom the guarantee covers"): the noise is sized for one user's own rows, and in a
// simulation one user's behaviour also changes other users' rows
const char* kDpCovers =
    "each user's own rows of the table's input, the run's event log: adding or removing all the rows of one user "
    "(every arm and replicate), all other rows unchanged, changes the distribution of what this requester has "
    "received about this project by at most the composed (epsilon, delta). It does not cover the influence of one "
    "user on other users' rows: in a simulation one user's clicks change other users' slates (popularity and "
    "click-rate terms, shared injection budgets), so removing a user from the population that was simulated "
    "would also change others' rows, and that difference is not bounded. For synthetic users this is the whole "
    "guarantee. For a run calibrated from real people (interests from their histories) it protects each person's "
    "own simulated rows as they are in the log; it is not a differential-privacy guarantee for the real people's "
    "data the run was calibrated from, since changing one person's history changes the whole simulation";
const char* kPlatformCovers =
    "nobody: the platform tier receives per-user trajectories under keyed pseudonyms, with no "
    "differential-privacy guarantee; pseudonymised data are personal data (GDPR Recital 26), for the controller's "
    "own team only";

nlohmann::json BaseManifest(const Policy& policy, const ReleaseRequest& req, const RequesterPolicy& who,
                            const RunInfo& run) {
  nlohmann::json m;
  m["tool"] = "counterpoint release";
  m["version"] = kVersion;
  m["git_revision"] = kGitRevision;
  m["created_utc"] = NowUtc();
  m["policy"] = {{"name", policy.name}, {"file", policy.file}, {"sha256", policy.sha256}};
  m["tier"] = TierName(req.tier);
  m["requester"] = who.id;  // the identity the ledger charges, whatever spelling was given
  m["requester_as_given"] = req.requester;
  m["dataset"] = ChargedDataset(policy);       // the budget is the project's, whatever run this is
  m["scenario_sha256"] = run.scenario_sha256;  // as the run's manifest states it: provenance, not charged
  m["scenario_name"] = run.scenario_name;
  m["unit_of_privacy"] = "user (all rows of one user, across arms and replicates)";
  return m;
}

// platform tier: the trajectories, user ids replaced by keyed pseudonyms
ReleaseResult ReleaseTrajectories(const Policy& policy, const ReleaseRequest& req, const RequesterPolicy& who,
                                  const RunInfo& run) {
  if (req.key_file.empty())
    throw InputError("--key", "the platform tier releases pseudonymised trajectories: give the key file with --key");
  const PseudonymKey key = PseudonymKey::LoadOrCreate(req.key_file, false);
  std::ostringstream out;
  out << kImpressionsHeader << '\n';
  int64_t rows = 0;
  std::map<int64_t, std::string> pseudonyms;
  const std::string events = ImpressionsPath(req.run_dir);
  const std::string events_sha256 = ForEachImpression(events, [&](const ImpressionRow& r) {
    auto it = pseudonyms.find(r.user);
    if (it == pseudonyms.end()) it = pseudonyms.emplace(r.user, key.Pseudonym("user:" + std::to_string(r.user))).first;
    out << r.step << ',' << r.arm << ',' << r.replicate << ',' << it->second << ',' << r.item << ',' << r.position
        << ',' << (r.injected ? "injected" : "organic") << ',';
    if (r.organisation >= 0) out << r.organisation;
    out << ',' << (r.clicked ? 1 : 0) << ',' << (r.dismissed ? 1 : 0) << '\n';
    ++rows;
  });
  ReleaseResult res;
  res.rows = rows;
  res.manifest = BaseManifest(policy, req, who, run);
  res.manifest["mechanism"] = "none (pseudonymisation: HMAC-SHA256 of the user id under the project key)";
  res.manifest["guarantee"] = {{"covers", kPlatformCovers}};
  res.manifest["columns"] = kImpressionsHeader;
  res.manifest["rows"] = rows;
  res.manifest["users"] = pseudonyms.size();
  res.manifest["events"] = {{"file", std::filesystem::path(events).filename().string()},
                            {"sha256_as_read", events_sha256}};
  // the in-house release is free but audited like every other
  const auto ledger = OpenPolicyLedger(policy);
  res.manifest["ledger_entry"] =
      ledger->Charge(res.manifest["dataset"], who.id, TierName(req.tier),
                     "trajectories of " + events + " (sha256 as read " + events_sha256 + ") -> " + req.out,
                     PrivacyCost{}, PrivacyBudget{std::numeric_limits<double>::max(), 1e-9});
  res.manifest["ledger_id"] = ledger->id();
  WriteFileAtomic(req.out, out.str());
  return res;
}

std::string Num(double x) {
  std::ostringstream o;
  o.precision(6);
  o << x;
  return o.str();
}

// the privacy parameter must match the tier's mechanism and be a positive finite number
void CheckPrivacyParameter(const TierPolicy& tp, const ReleaseRequest& req) {
  const bool gaussian = tp.mechanism == Mechanism::kGaussian;
  const std::string tier = TierName(req.tier);
  const char* underflow = " (a value below about 5e-324, such as 1e-400, reads as 0)";
  if (gaussian) {
    if (req.epsilon != 0)
      throw InputError("--rho", "the tier '" + tier + "' uses the discrete Gaussian (zCDP): give --rho, not --epsilon");
    if (!(req.rho > 0) || !std::isfinite(req.rho))
      throw InputError("--rho", "rho must be positive and finite, got " + Num(req.rho) + underflow + ": the tier '" +
                                    tier + "' uses the discrete Gaussian (zCDP) and charges --rho R with R > 0");
  } else {
    if (req.rho != 0)
      throw InputError("--epsilon",
                       "the tier '" + tier + "' uses the discrete Laplace (pure DP): give --epsilon, not --rho");
    if (!(req.epsilon > 0) || !std::isfinite(req.epsilon))
      throw InputError("--epsilon", "epsilon must be positive and finite, got " + Num(req.epsilon) + underflow +
                                        ": the tier '" + tier +
                                        "' uses the discrete Laplace (pure DP) and charges --epsilon E with E > 0");
  }
}

ReleaseResult ReleaseAggregates(const Policy& policy, const TierPolicy& tp, const ReleaseRequest& req,
                                const RequesterPolicy& who, const RunInfo& run, NoiseSource& noise) {
  CheckPrivacyParameter(tp, req);
  const bool gaussian = tp.mechanism == Mechanism::kGaussian;
  // delta < 1/n: a Gaussian release holds only at the tier's delta (a Laplace release can
  // always be accounted as pure DP; the ledger then does not use the zCDP route)
  const double delta_cap = 1.0 / static_cast<double>(run.n_users);
  if (gaussian && tp.budget.delta >= delta_cap)
    throw InputError(policy.file, tp.where.line, tp.where.column,
                     "tiers." + std::string(TierName(req.tier)) + ".delta: " + Num(tp.budget.delta) +
                         " is not below 1/n = " + Num(delta_cap) + " for this run's " + std::to_string(run.n_users) +
                         " users; at delta >= 1/n a mechanism may publish a user's rows outright (Dwork & Roth 2014, "
                         "Section 2.3): set the tier's delta below " +
                         Num(delta_cap) + " (1.0e-9 is usual)");
  // ngo: only the requester's own organisation
  const int64_t organisation = req.tier == Tier::kNgo ? who.organisation : -1;

  // cells: arm x source, from the manifest (public), never from the data
  std::map<std::string, int64_t, std::less<>> arm_index;
  for (size_t a = 0; a < run.arms.size(); ++a) arm_index[run.arms[a]] = static_cast<int64_t>(a);
  const int64_t n_cells = static_cast<int64_t>(run.arms.size()) * 2;
  ContributionRows rows;
  rows.n_values = 2;  // impressions, clicks
  const std::string path = ImpressionsPath(req.run_dir);
  int64_t max_user = -1;
  const std::string events_sha256 = ForEachImpression(path, [&](const ImpressionRow& r) {
    max_user = std::max(max_user, r.user);
    auto it = arm_index.find(r.arm);
    if (it == arm_index.end())
      throw InputError(path, static_cast<int>(r.line), 2, "arm '" + std::string(r.arm) + "' is not in manifest.json");
    if (organisation >= 0 && r.organisation != organisation) return;
    rows.Add(r.user, it->second * 2 + (r.injected ? 1 : 0), {1, r.clicked ? 1 : 0});
  });
  // n, of the delta cap 1/n, is the manifest's: it may not be smaller than the users in the log
  if (max_user >= run.n_users)
    throw InputError((std::filesystem::path(req.run_dir) / "manifest.json").string(),
                     "resolved_scenario.population.n_users is " + std::to_string(run.n_users) + ", but the event log " +
                         path + " has a user " + std::to_string(max_user) +
                         ": the manifest does not describe these events (an edited manifest would loosen delta's "
                         "cap 1/n); release from the run directory counterpoint run wrote");

  // bound each user's contribution, then add noise to every value of every cell
  const BoundedTable table = BoundContributions(rows, n_cells, tp.bounds, noise);
  nlohmann::json mech;
  nlohmann::json this_release;
  PrivacyCost cost;
  std::function<int64_t()> draw;
  if (gaussian) {
    const int64_t l2sq = L2SensitivitySquared(tp.bounds, rows.n_values);
    const Rational sigma2 = GaussianSigma2For(l2sq, req.rho);
    cost.rho = req.rho;
    mech = {{"name", "discrete_gaussian"},
            {"reference", "Canonne, Kamath & Steinke, NeurIPS 2020, Algorithm 3"},
            {"l2_sensitivity_squared", l2sq},
            {"sigma_squared", sigma2.ToString()},
            {"sigma_squared_value", sigma2.Value()},
            {"rho", req.rho},
            {"rho_realised", GaussianRho(l2sq, sigma2)}};
    const double l = std::log(1 / tp.budget.delta);
    this_release = {{"rho", req.rho},
                    {"epsilon", req.rho + 2 * std::sqrt(req.rho * l)},
                    {"delta", tp.budget.delta},
                    {"how", "rho-zCDP at the tier's delta (Bun & Steinke, TCC 2016, Proposition 1.3)"}};
    draw = [&noise, sigma2] { return SampleDiscreteGaussian(noise, sigma2); };
  } else {
    const int64_t l1 = L1Sensitivity(tp.bounds, rows.n_values);
    const Rational scale = LaplaceScaleFor(l1, req.epsilon);
    cost.epsilon = req.epsilon;
    mech = {{"name", "discrete_laplace"},
            {"reference", "Canonne, Kamath & Steinke, NeurIPS 2020, Algorithm 2"},
            {"l1_sensitivity", l1},
            {"scale", scale.ToString()},
            {"scale_value", scale.Value()},
            {"epsilon", req.epsilon},
            {"epsilon_realised", LaplaceEpsilon(l1, scale)}};
    this_release = {{"epsilon", req.epsilon}, {"delta", 0}, {"how", "pure epsilon-DP (discrete Laplace)"}};
    draw = [&noise, scale] { return SampleDiscreteLaplace(noise, scale); };
  }

  std::ostringstream out;
  out << "arm,source," << (organisation >= 0 ? "organisation," : "") << "users,impressions,clicks,status\n";
  ReleaseResult res;
  for (int64_t c = 0; c < n_cells; ++c) {
    const int64_t users = table.users[c] + draw();
    const int64_t impressions = table.sums[c * 2] + draw();
    const int64_t clicks = table.sums[c * 2 + 1] + draw();
    out << run.arms[c / 2] << ',' << (c % 2 ? "injected" : "organic") << ',';
    if (organisation >= 0) out << organisation << ',';
    // noisy threshold on the user count: post-processing of the noisy table
    if (users < tp.threshold) {
      out << ",,,suppressed\n";
      ++res.suppressed;
    } else {
      out << users << ',' << impressions << ',' << clicks << ",released\n";
    }
    ++res.cells;
  }

  res.manifest = BaseManifest(policy, req, who, run);
  res.manifest["mechanism"] = mech;
  res.manifest["contribution_bounding"] = {
      {"max_partitions_per_user", tp.bounds.max_partitions_per_user},
      {"max_contribution_per_partition", tp.bounds.max_contribution_per_partition}};
  res.manifest["cells"] = {{"by", organisation >= 0 ? "arm x source, own organisation's items" : "arm x source"},
                           {"count", res.cells},
                           {"suppressed", res.suppressed},
                           {"threshold", tp.threshold},
                           {"threshold_on", "noisy users"}};
  if (organisation >= 0) res.manifest["organisation"] = organisation;
  res.manifest["budget"] = {{"epsilon_budget", tp.budget.epsilon}, {"delta", tp.budget.delta}};

  // charge before anything is written: a release that is not paid for never leaves
  const auto ledger = OpenPolicyLedger(policy);
  const std::string dataset = res.manifest["dataset"];
  res.manifest["ledger_entry"] = ledger->Charge(
      dataset, who.id, TierName(req.tier),
      "aggregates of " + path + " (sha256 as read " + events_sha256 + ") -> " + req.out, cost, tp.budget, delta_cap);
  res.manifest["ledger_id"] = ledger->id();
  const Spent spent = ledger->SpentBy(dataset, who.id);
  const Guarantee g = ComposedGuarantee(spent, tp.budget.delta, delta_cap);
  res.manifest["budget"]["spent_epsilon_after"] = g.epsilon;
  res.manifest["budget"]["spent_delta_after"] = g.delta;
  // what the requester holds now about each user of this dataset: (epsilon, delta)-DP for
  // adding or removing all the rows of one user (docs/data-protection.md, "Budget")
  res.manifest["guarantee"] = {
      {"this_release", this_release},
      {"composed", {{"epsilon", g.epsilon}, {"delta", g.delta}, {"route", g.route}, {"releases", spent.releases}}},
      {"users", run.n_users},
      {"delta_cap", delta_cap},
      {"delta_cap_rule", "delta < 1/n, n the population's users (Dwork & Roth 2014, Section 2.3)"},
      {"unit", "add or remove all the rows of one user"},
      {"covers", kDpCovers}};
  WriteFileAtomic(req.out, out.str());
  return res;
}
}  // namespace

std::string ChargedDataset(const Policy& policy) { return "project:" + policy.project; }

namespace {
// the release file and its manifest may not overwrite what the gate reads or keeps: the
// policy, its budget ledger (and SQLite's -wal / -journal files beside it) and its anchor, the key, or
// anything inside the run directory (the release is bound to those files)
void CheckOutputPaths(const Policy& policy, const ReleaseRequest& req) {
  namespace fs = std::filesystem;
  auto canonical = [](const std::string& p) { return fs::weakly_canonical(fs::absolute(p)); };
  std::vector<std::pair<fs::path, std::string>> kept = {{canonical(policy.file), "the policy file"}};
  if (!policy.ledger.empty())
    for (const char* suffix : {"", "-wal", "-journal", "-shm"})
      kept.push_back({canonical(policy.ledger + suffix), "the policy's budget ledger"});
  if (!policy.anchor.empty()) kept.push_back({canonical(policy.anchor), "the budget ledger's anchor"});
  if (!req.key_file.empty()) kept.push_back({canonical(req.key_file), "the pseudonymisation key"});
  const fs::path run = canonical(req.run_dir);
  for (const std::string& out : {req.out, req.out + ".manifest.json"}) {
    const fs::path target = canonical(out);
    for (const auto& [path, what] : kept)
      if (target == path) throw InputError("--out", "'" + out + "' is " + what + ": write the release to another file");
    // inside the run directory: the first components of the target are the run's
    const auto mismatch = std::mismatch(run.begin(), run.end(), target.begin(), target.end());
    if (mismatch.first == run.end())
      throw InputError("--out", "'" + out + "' lies in the run directory '" + req.run_dir +
                                    "', whose files the release reads: write the release outside it");
  }
}
}  // namespace

ReleaseResult Release(const Policy& policy, const ReleaseRequest& req, NoiseSource& noise) {
  if (req.requester.empty()) throw InputError("--requester", "a requester id is required (it is charged and audited)");
  if (req.out.empty()) throw InputError("--out", "an output file is required");
  const TierPolicy& tp = policy.Get(req.tier);
  // who asks, and whether they hold the tier: refused here, whatever the front end
  const RequesterPolicy& who = policy.Requester(req.requester, req.tier);
  CheckOutputPaths(policy, req);
  const RunInfo run = ReadRunManifest(req.run_dir);
  ReleaseResult res = req.tier == Tier::kPlatform ? ReleaseTrajectories(policy, req, who, run)
                                                  : ReleaseAggregates(policy, tp, req, who, run, noise);
  // the manifest last, so a release file without one is visibly incomplete
  res.out = req.out;
  res.manifest_path = req.out + ".manifest.json";
  res.manifest["release_file"] = std::filesystem::path(req.out).filename().string();
  res.manifest["release_sha256"] = Sha256File(req.out).sha256;
  WriteFileAtomic(res.manifest_path, res.manifest.dump(2) + "\n");
  return res;
}

}  // namespace counterpoint::privacy
