// The scenario's sock_puppets block (docs/sock_puppets.md): groups of scripted users,
// validated against their specs, with errors at file:line:col naming the key and the fix.
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "embeddings/catalog.h"
#include "simulator/sock_puppets.h"

namespace counterpoint {

/// Reads `node` (absent or null: no puppets). The puppets are the users after the
/// `organic_users` organic ones; a script's switch must fall within `steps`.
SockPuppets ValidateSockPuppets(const YAML::Node& node, const std::string& file, int64_t organic_users, int64_t steps,
                                DiagnosticList& diags);

/// Throws InputError at the item's key if a list item is not in `catalog`.
void CheckPuppetItems(const SockPuppets& puppets, const Catalog& catalog);

/// The block as it was resolved, for manifests.
nlohmann::json SockPuppetsJson(const SockPuppets& puppets);

}  // namespace counterpoint
