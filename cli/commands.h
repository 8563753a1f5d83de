// Subcommands of the `counterpoint` CLI. Each file adds one with Add*Command.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace counterpoint::cli {

/// Each command adds its CLI11 subcommand and returns the action to run when chosen.
using Action = std::function<int()>;
using CommandFactory = Action (*)(CLI::App& app);

/// Registers a subcommand from its own .cc, e.g.
///   static const bool kRegistered = RegisterCommand("run", AddRunCommand);
bool RegisterCommand(const std::string& name, CommandFactory factory);
/// Registered commands in name order.
const std::vector<std::pair<std::string, CommandFactory>>& Commands();

/// Progress reporter on stderr: a bar on a terminal, a line every ~10% otherwise.
class Progress {
 public:
  explicit Progress(std::string label);
  void Update(int64_t done, int64_t total);
  void Finish();

 private:
  std::string label_;
  bool tty_;
  int last_shown_ = -1;
};

}  // namespace counterpoint::cli
