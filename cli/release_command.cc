// counterpoint release RUN_DIR --policy P --tier T --requester ID (--epsilon E | --rho R) --out FILE [--key K]
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "privacy/release.h"

namespace counterpoint::cli {

namespace {
struct ReleaseArgs {
  std::string run_dir, policy, tier, requester, out, key;
  std::string epsilon, rho;  // as typed: "1e-400" reads as 0, and must say so
};

// --epsilon / --rho: absent is 0 (the gate then names the knob the tier needs); given, it
// must be a positive finite number, and one that underflows to 0 is named as such
double PositiveOption(const std::string& text, const std::string& option, const std::string& what) {
  if (text.empty()) return 0;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') throw InputError(option, "expected a number, got '" + text + "'");
  if (v == 0 && errno == ERANGE)
    throw InputError(option, what + " must be positive: '" + text +
                                 "' is below the smallest positive double (about 4.9e-324) and reads as 0; give a "
                                 "larger value");
  if (!(v > 0) || !std::isfinite(v))
    throw InputError(option, what + " must be positive and finite, got '" + text + "'");
  return v;
}
}  // namespace

Action AddReleaseCommand(CLI::App& app) {
  auto args = std::make_shared<ReleaseArgs>();
  CLI::App* cmd = app.add_subcommand("release", "Release a run's results through the data-protection gate.");
  cmd->footer(
      "The DP tiers (vetted_researcher, ngo, public) get per arm x source the noisy number of\n"
      "users reached, impressions and clicks, after bounding each user's contribution; cells\n"
      "under the tier's threshold are suppressed. The platform tier gets the trajectories\n"
      "with pseudonymised user ids (--key). Every release is charged to the policy's budget\n"
      "ledger and audited, per requester and the policy's project (not per run: a re-run or an\n"
      "edited manifest shares the budget); one that would overspend is refused (exit code 2).\n"
      "Writes FILE and FILE.manifest.json. The run must have been made with\n"
      "--set output.events=true.\n"
      "The requester must be listed under the policy's requesters: and hold the tier; names\n"
      "are normalised (case, white space, 'Name <addr>' -> addr), so every spelling of one\n"
      "person shares one budget. Example policies: policies/ (copy one and edit it).\n"
      "Example: counterpoint release runs/ngo --policy my/public.yaml --tier public\n"
      "           --requester press-office@platform.example --epsilon 0.5 --out reach.csv\n"
      "See docs/data-protection.md.");
  cmd->add_option("run_dir", args->run_dir, "run directory (impressions.csv, manifest.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--policy", args->policy, "data-protection policy YAML")->required()->check(CLI::ExistingFile);
  cmd->add_option("--tier", args->tier, "platform, vetted_researcher, ngo or public")->required();
  cmd->add_option("--requester", args->requester,
                  "who asks: a name or address the policy lists under requesters: (charged and audited per project)")
      ->required();
  cmd->add_option("--epsilon", args->epsilon, "privacy cost for a discrete-Laplace tier (pure DP)");
  cmd->add_option("--rho", args->rho, "privacy cost for a discrete-Gaussian tier (zCDP)");
  cmd->add_option("--out", args->out, "release file (CSV)")->required();
  cmd->add_option("--key", args->key, "platform tier: the pseudonymisation key file (mode 0600)");
  return [args]() {
    const privacy::Policy policy = privacy::LoadPolicy(args->policy);
    privacy::ReleaseRequest req;
    req.run_dir = args->run_dir;
    req.tier = privacy::ParseTier(args->tier, "--tier");
    req.requester = args->requester;
    req.epsilon = PositiveOption(args->epsilon, "--epsilon", "epsilon");
    req.rho = PositiveOption(args->rho, "--rho", "rho");
    req.out = args->out;
    req.key_file = args->key;
    privacy::CsprngNoiseSource noise;
    const privacy::ReleaseResult res = privacy::Release(policy, req, noise);
    std::cout << "Released " << res.out << " and " << res.manifest_path << " (tier " << args->tier << ", ";
    if (req.tier == privacy::Tier::kPlatform)
      std::cout << res.rows << " pseudonymised rows)\n";
    else
      std::cout << res.cells << " cells, " << res.suppressed << " suppressed; epsilon spent by '"
                << res.manifest["requester"].get<std::string>() << "' on " << res.manifest["dataset"].get<std::string>()
                << ": " << res.manifest["budget"]["spent_epsilon_after"].get<double>() << " (delta "
                << res.manifest["budget"]["spent_delta_after"].get<double>() << ") of "
                << res.manifest["budget"]["epsilon_budget"].get<double>() << ")\n";
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("release", AddReleaseCommand);
}  // namespace

}  // namespace counterpoint::cli
