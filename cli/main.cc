// The `counterpoint` command line.
#include <algorithm>
#include <iostream>
#include <map>
#include <new>

#include "cli/commands.h"
#include "cli/mpi_session.h"
#include "core/error.h"
#include "core/version.h"

namespace counterpoint::cli {

namespace {
std::vector<std::pair<std::string, CommandFactory>>& CommandList() {
  static std::vector<std::pair<std::string, CommandFactory>> list;
  return list;
}
}  // namespace

bool RegisterCommand(const std::string& name, CommandFactory factory) {
  auto& list = CommandList();
  list.emplace_back(name, factory);
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return true;
}

const std::vector<std::pair<std::string, CommandFactory>>& Commands() { return CommandList(); }

}  // namespace counterpoint::cli

namespace {

// set when a command failed with an exception: under MPI that rank ends the whole run
bool g_failed = false;

int RunCommandLine(int argc, char** argv) {
  using namespace counterpoint;
  constexpr int kBadInput = 2;
  CLI::App app{"counterpoint: simulate recommender rabbit holes and test interventions against them.", "counterpoint"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  std::map<std::string, cli::Action> actions;
  for (const auto& [name, factory] : cli::Commands()) actions[name] = factory(app);
  // exit codes (docs/cli.md): 0 success, 1 internal error, 2 bad input of any kind
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // CLI11's message and "Run with --help"
    return kBadInput;
  }
  g_failed = true;
  try {
    for (auto* sub : app.get_subcommands()) {
      const int code = actions.at(sub->get_name())();
      g_failed = false;
      return code;
    }
  } catch (const InputError& e) {
    std::cerr << cli::RankPrefix() << e.what() << "\n";
    return kBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << cli::RankPrefix()
              << "counterpoint: error: out of memory; the input asks for more memory than this machine has "
                 "(reduce n_items, n_users, walkers or the graph's size)\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << cli::RankPrefix() << "counterpoint: internal error: " << e.what() << "\n";
    return 1;
  }
  g_failed = false;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace counterpoint;
  try {
    cli::StartMpi(&argc, &argv);
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  const int code = RunCommandLine(argc, argv);
  // a rank that failed ends every rank (the others may be waiting for it in a collective)
  if (g_failed && cli::MpiWorld()) cli::MpiWorld()->Abort(code);
  cli::FinishMpi();
  return code;
}
