// The catalog a configuration builds and the index over it: the `catalog` and `index`
// blocks of a run scenario (experiment/) or of a kNN graph audit (graph/), with the
// base seed replicates derive theirs from. One reader for both, so an audit of a run
// scenario's catalog builds exactly the catalog the run does.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/component_choice.h"
#include "core/params.h"
#include "embeddings/catalog.h"
#include "embeddings/vector_index.h"

namespace counterpoint {

/// Immutable per replicate, shared by all arms: the catalog and its index.
struct IndexedCatalog {
  std::shared_ptr<const Catalog> catalog;
  std::shared_ptr<const VectorIndex> index;
};

/// A validated `catalog` block (a registered catalog source) and `index` block.
struct CatalogConfig {
  std::string file;      ///< the file the blocks were read from (errors, provenance)
  std::string base_dir;  ///< relative input paths resolve against this
  uint64_t seed = 1;     ///< the base seed; replicate r is built with DeriveSeed(seed, r)
  ComponentChoice catalog;
  IndexOptions index;
  Params index_params;  ///< the validated index block (its keys' locations, for FAISS errors)
};

/// The `seed` key of a run scenario (the base seed of CatalogConfig).
ParamSpec BaseSeedParam();

/// Spec of the `index` block.
ComponentSpec IndexSpec();

/// Validates root["catalog"] (required) and root["index"] into `out` (file, base_dir and
/// seed are the caller's); errors go to `diags` with file:line:col.
void ValidateCatalogBlocks(const YAML::Node& root, const std::string& file, CatalogConfig& out, DiagnosticList& diags);

/// The index block as resolved: factory, nprobe, ef_search.
nlohmann::json IndexJson(const IndexOptions& index);

/// Builds replicate `replicate_seed`'s catalog (deterministic: the same catalog the run
/// used, for the event tables). Errors name the block's key (file:line:col or --set).
std::shared_ptr<const Catalog> BuildCatalog(const CatalogConfig& config, uint64_t replicate_seed);

/// Builds replicate `replicate_seed`'s catalog and its index. Errors name the block's key
/// (file:line:col or --set).
IndexedCatalog BuildIndexedCatalog(const CatalogConfig& config, uint64_t replicate_seed);

}  // namespace counterpoint
