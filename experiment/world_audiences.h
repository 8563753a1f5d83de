// A world's simulated audiences (docs/crisis.md, "Audiences"): a platform whose
// `audience_scenario` names a single-platform scenario runs that scenario's population and
// recommender in lockstep with the world (world/simulated_audience.h), so the views of
// the attack copies live there come from its users' clicks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "embeddings/catalog_config.h"
#include "world/audience.h"

namespace counterpoint {

struct Scenario;
struct ArmSpec;
struct WorldConfig;

/// Loads the audience scenarios of every arm of sc (which has a world) into arm.audiences,
/// with their steps set to sc's. A missing file, a scenario with a world of its own, an
/// unknown audience_arm, an arm that moderates or uploads items (moderation, hash_sharing,
/// reuploads: the world does both) or a catalog without a re-upload pool to seat the copies
/// is reported at the platform's key.
void LoadWorldAudiences(Scenario& sc, DiagnosticList& diags);

/// The platform whose name keys platform p's audience catalog (with the audience scenario's
/// file): its own, or its people_from's, since people shared by two audiences live in one
/// catalog (docs/crisis.md, "People on several platforms").
const std::string& AudienceCatalogPlatform(const WorldConfig& w, size_t p);

/// The audience catalogs of one replicate, built on first use and shared by its arms.
using AudienceCatalogs = std::map<std::string, IndexedCatalog>;

/// The audiences of `arm` in the replicate of seed `seed` (one per platform, null where
/// views stay parametric). Arms draw the same audience (its catalog, users and random
/// numbers are keyed by the replicate's seed and the platform's name).
std::vector<std::unique_ptr<Audience>> BuildAudiences(const ArmSpec& arm, uint64_t seed, AudienceCatalogs& catalogs);

}  // namespace counterpoint
