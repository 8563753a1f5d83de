// Results are never lost by mistake: a run or a write into a directory that holds an
// earlier run's result is refused, naming that run and the ways forward (docs/cli.md,
// "Output directories").
#pragma once

#include <optional>
#include <string>

namespace counterpoint {

/// What an earlier run left in a directory, read from its manifest.json.
struct ExistingResult {
  std::string scenario;  ///< the scenario's name (or its file when the manifest has no name)
  std::string finished;  ///< finished_utc
  std::string status;    ///< complete or partial
};

/// The result `dir` holds (its manifest.json), or nullopt when it holds none. A manifest
/// that cannot be parsed still counts as a result, described as unreadable.
std::optional<ExistingResult> FindExistingResult(const std::string& dir);

/// Throws InputError, naming `what` (the option or key that chose `dir`), when `dir` holds
/// an earlier run's result: its scenario, date and status, and the ways forward, among
/// them `overwrite_hint` (how to say "overwrite it" where the caller is: "--overwrite",
/// "overwrite=True").
void RefuseToOverwrite(const std::string& dir, const std::string& what, const std::string& overwrite_hint);

/// `dir` when it holds no result; otherwise a fresh sibling stamped with the time `utc`
/// (seconds since the epoch): `dir-YYYYMMDD-HHMMSS`, then `-2`, `-3`... while taken.
std::string FreshOutputDir(const std::string& dir, long long utc);

}  // namespace counterpoint
