// The NGO coverage map: regions of the embedding space holding harmful content with no
// counter-narrative nearby, ranked by the harmful traffic they sent to at-risk users
// (docs/metrics.md, "Coverage gaps").
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "embeddings/catalog.h"
#include "simulator/observers/counter_narrative_reach.h"

namespace counterpoint {

/// One region of harmful (borderline or extremist) items.
struct CoverageRegion {
  int region = 0;                   ///< k-means cluster id
  int64_t n_items = 0;              ///< harmful items in the region
  int32_t centroid_topic = -1;      ///< most common topic among its items (lowest id on ties)
  double nearest_cn_distance = 0;   ///< cosine distance from the centroid to the nearest counter-narrative (inf: none)
  int64_t at_risk_impressions = 0;  ///< impressions of its items to at-risk users during the run
  bool covered = false;             ///< nearest_cn_distance <= radius
  int rank = 0;                     ///< 1 = the uncovered region with the most at-risk traffic
};

/// Spherical k-means (Lloyd, `iterations` rounds) over the unit embeddings of `rows`:
/// farthest-point initialisation from the first row, assignment to the largest inner
/// product (lowest centre id on ties). Deterministic, sequential. Returns each row's
/// centre; `centres` receives k x dim unit vectors (k = min(k, rows)).
std::vector<int> SphericalKMeans(const Catalog& catalog, const std::vector<int64_t>& rows, int k, int iterations,
                                 std::vector<float>& centres);

/// The coverage map of one arm's run: harmful items clustered into regions; each region's
/// distance to the nearest counter-narrative (every counter_narrative item of the catalog,
/// or of options.organisations only)
/// and its at-risk traffic (per-item impressions to at-risk users). Ranked uncovered first,
/// then by at-risk traffic (descending), then region id.
std::vector<CoverageRegion> CoverageGaps(const Catalog& catalog, const std::vector<int64_t>& at_risk_impressions,
                                         const CoverageOptions& options);

/// coverage_gaps.csv: arm, replicate, region, n_items, centroid_topic, nearest_cn_distance,
/// at_risk_impressions, covered (yes/no), rank; rows in rank order per arm and replicate.
std::string CoverageGapsCsv(const std::vector<std::pair<std::string, int>>& runs,
                            const std::vector<const std::vector<CoverageRegion>*>& maps);

}  // namespace counterpoint
