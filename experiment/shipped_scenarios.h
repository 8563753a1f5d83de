// The scenarios shipped with counterpoint, found by name from any directory: `counterpoint
// run rabbit_hole` (docs/cli.md, "Scenarios by name"). A path still wins over a name.
#pragma once

#include <string>
#include <vector>

namespace counterpoint {

struct ShippedScenario {
  std::string name;         ///< the file's stem: rabbit_hole
  std::string path;         ///< where it was found
  std::string description;  ///< its top-level `description:` ("" if none)
};

/// Where shipped scenarios are looked for, in order: the checkout this binary was built
/// from (its scenarios/, when it still exists), then the install's share/counterpoint/scenarios.
std::vector<std::string> ShippedScenarioDirs();

/// Every shipped scenario in `dirs`, by name (the first directory that has a name wins).
std::vector<ShippedScenario> ListShippedScenarios(const std::vector<std::string>& dirs = ShippedScenarioDirs());

/// The scenario file `arg` names: `arg` itself when it is an existing file, else the
/// shipped scenario of that name (`rabbit_hole` or `rabbit_hole.yaml`, no directory part).
/// Throws InputError naming `arg`, the path it resolved to, the current directory and the
/// shipped names otherwise. `dirs`: where shipped scenarios are looked for.
std::string ResolveScenarioPath(const std::string& arg, const std::vector<std::string>& dirs = ShippedScenarioDirs());

}  // namespace counterpoint
