// The `counterpoint` command line.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/mpi_session.h"
#include "core/error.h"
#include "core/version.h"
#include "core/wait_policy.h"

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

namespace {

// edit distance between two command names (Levenshtein; both are short)
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// a word as printed in a message: bytes outside printable ASCII as \xNN (never mojibake)
std::string Printable(const std::string& word) {
  std::string out;
  for (unsigned char c : word) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

int RunCommandLine(int argc, char** argv) {
  using namespace counterpoint;
  constexpr int kBadInput = 2;
  CLI::App app{"counterpoint: simulate recommender rabbit holes and test interventions against them.", "counterpoint"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  std::map<std::string, cli::Action> actions;
  for (const auto& [name, factory] : cli::Commands()) actions[name] = factory(app);
  // a first word that is no command: name it and the closest command (CLI11 would only
  // say that a subcommand is required)
  if (argc > 1 && argv[1][0] != '-' && !actions.count(argv[1])) {
    const std::string word = argv[1];
    std::string closest, names;
    size_t best = SIZE_MAX;
    for (const auto& [name, action] : actions) {
      names += (names.empty() ? "" : ", ") + name;
      if (const size_t d = EditDistance(word, name); d < best) best = d, closest = name;
    }
    std::cerr << "counterpoint: unknown command '" << Printable(word) << "'"
              << (best <= std::max<size_t>(2, closest.size() / 2) ? "; did you mean '" + closest + "'?" : "")
              << "\ncommands: " << names << " (counterpoint --help)\n";
    return kBadInput;
  }
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
  // before any thread starts: how idle OpenMP threads wait (docs/cluster.md, "Shared machines")
  EnsureWaitPolicy(argv);
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
