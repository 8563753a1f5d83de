// The `counterpoint` command line.
#include <algorithm>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "core/error.h"
#include "simulator/version.h"

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

int main(int argc, char** argv) {
  using namespace counterpoint;
  CLI::App app{"counterpoint: simulate recommender rabbit holes and test interventions against them.", "counterpoint"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  std::map<std::string, cli::Action> actions;
  for (const auto& [name, factory] : cli::Commands()) actions[name] = factory(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto* sub : app.get_subcommands()) return actions.at(sub->get_name())();
  } catch (const InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "counterpoint: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
