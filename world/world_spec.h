// The keys of a scenario's `world` block, block by block, for `counterpoint list` and
// `cp.world_keys()`: each block's name ("world" for the top level, "platforms[i]" for
// each platform, "incident", ...) with its ComponentSpec (keys, types, defaults, docs).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/params.h"

namespace counterpoint {

/// Every block of the `world` block in the order docs/crisis.md describes them.
const std::vector<std::pair<std::string, ComponentSpec>>& WorldBlockSpecs();

}  // namespace counterpoint
