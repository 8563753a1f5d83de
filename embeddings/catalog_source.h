// Catalog sources (synthetic generator, file loaders) as registered plug-ins.
#pragma once

#include <memory>
#include <string>

#include "core/registry.h"
#include "embeddings/catalog.h"

namespace counterpoint {

/// What a catalog source needs besides its parameters.
struct CatalogContext {
  uint64_t seed = 0;     ///< replicate seed (synthetic sources)
  std::string base_dir;  ///< directory relative paths are resolved against
  std::string file;      ///< scenario file, for error messages
};

/// The path a source reads for a file parameter: relative paths resolve against the
/// scenario's directory (`base_dir`), absolute ones are kept.
std::string ResolveInputPath(const std::string& base_dir, const std::string& path);

using CatalogRegistry = Registry<std::shared_ptr<const Catalog>, const CatalogContext&>;

/// Parameters of the synthetic generator (see docs/model.md, "Synthetic catalog").
struct SyntheticCatalogParams {
  int64_t n_items = 20000;
  int64_t dim = 32;
  int32_t n_topics = 20;
  double share_borderline = 0.05;
  double share_extremist = 0.015;
  double share_counter_narrative = 0.03;
  double share_news_reporting = 0.04;
  double topic_spread = 0.45;      ///< norm of within-topic noise, relative to the unit topic centre
  double extremity_shift = 1.2;    ///< displacement along the extremity direction per unit of position
  double classifier_noise = 0.15;  ///< std of the harm classifier's Gaussian error
  double news_confusion = 0.35;    ///< harm-score bias on news reporting (a crude classifier's error)
  int32_t items_per_creator = 10;
  int32_t n_organisations = 3;  ///< counter-narratives belong to this many NGOs (creator ids 0..n-1 in their block)
  double new_item_share = 0.2;  ///< share of items uploaded during the run
  int32_t upload_horizon = 50;  ///< new items arrive uniformly over steps 1..horizon
  double reupload_pool = 0;     ///< share of extremist items that get pending near-duplicate copies
  int32_t reupload_copies = 3;  ///< copies per such item, appended after the n_items originals
  double reupload_noise = 0.1;  ///< norm of a copy's embedding perturbation, relative to its parent's (both pools)
  double news_pool = 0;         ///< share of news-reporting items that get pending near-duplicate copies
  int32_t news_copies = 3;      ///< copies per such item, appended after the re-upload pool
};

/// Generates a catalog: topic clusters, an extremity direction orthogonal to the
/// topic centres, harmful items shifted along it inside their topic, and
/// counter-narratives / news reporting placed near the harmful region with low
/// ground-truth extremity. With reupload_pool > 0, a share of the extremist items get
/// reupload_copies near-duplicates each, appended after the n_items originals, pending
/// until uploaded on demand (docs/model.md §1); with news_pool > 0, news_copies of a share of
/// the news reports follow them, pending too (the seats of a world's news reports:
/// docs/crisis.md, "Audiences"). Deterministic in `seed` for any thread count.
std::shared_ptr<const Catalog> GenerateSyntheticCatalog(const SyntheticCatalogParams& p, uint64_t seed);

SyntheticCatalogParams SyntheticParamsFrom(const Params& params);
ComponentSpec SyntheticCatalogSpec();

/// Loads embeddings from .npy (float32/float64, C order) and attributes from an
/// items CSV (columns: id, label, and optionally extremity, harm_score, creator,
/// topic, upload_step). Row i of the CSV describes row i of the array.
std::shared_ptr<const Catalog> LoadCatalogFiles(const std::string& npy_path, const std::string& csv_path,
                                                int64_t expected_dim = 0);

}  // namespace counterpoint
