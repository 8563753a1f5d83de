#include "embeddings/catalog_config.h"

#include "embeddings/catalog_source.h"
#include "embeddings/index_factory.h"

namespace counterpoint {

ParamSpec BaseSeedParam() { return IntParam("seed", 1, "base random seed", 0, 9.2e18); }

ComponentSpec IndexSpec() {
  const IndexOptions d;
  return {"FAISS index over the catalog (inner product).",
          {StringParam("factory", d.factory, "FAISS index_factory string: Flat, IVF256,Flat, HNSW32, ..."),
           IntParam("nprobe", d.nprobe, "IVF lists visited per query", 1, 1e6),
           IntParam("ef_search", d.ef_search, "HNSW search beam width", 1, 1e6),
           IntParam("train_per_list", d.train_per_list,
                    "IVF: k-means trains on at most this many items per list (a fixed-seed sample beyond)", 1, 1e6)}};
}

void ValidateCatalogBlocks(const YAML::Node& root, const std::string& file, CatalogConfig& out, DiagnosticList& diags) {
  if (!root["catalog"])
    diags.Add(file, 0, 0, "scenario: missing required block 'catalog' (e.g. catalog: {type: synthetic})");
  else
    out.catalog = ValidateChoice<CatalogRegistry>(root["catalog"], file, "catalog", "catalog source", "", diags);
  const Params index = out.index_params = ValidateBlock(root["index"], IndexSpec(), file, "index", diags);
  out.index.factory = index.String("factory");
  out.index.nprobe = static_cast<int>(index.Int("nprobe"));
  out.index.ef_search = static_cast<int>(index.Int("ef_search"));
  out.index.train_per_list = static_cast<int>(index.Int("train_per_list"));
  // checked before FAISS sees it; what depends on the catalog's size waits for the catalog
  if (const std::string why = IndexFactoryProblem(out.index.factory, 0, 0); !why.empty()) {
    const SourceLocation at = index.Where("factory");
    diags.Add(at.file, at.line, at.column, "index.factory: " + why);
  }
}

nlohmann::json IndexJson(const IndexOptions& index) {
  return {{"factory", index.factory},
          {"nprobe", index.nprobe},
          {"ef_search", index.ef_search},
          {"train_per_list", index.train_per_list}};
}

std::shared_ptr<const Catalog> BuildCatalog(const CatalogConfig& config, uint64_t replicate_seed) {
  const auto* source = CatalogRegistry::Get().Find(config.catalog.type);
  if (!source) throw InputError(config.file, "unknown catalog source '" + config.catalog.type + "'");
  // errors found here name the scenario key they concern (file:line:col or --set)
  try {
    return source->factory(config.catalog.params, CatalogContext{replicate_seed, config.base_dir, config.file});
  } catch (const FileNotFound&) {
    throw;  // already at its key; stays FileNotFound (FileNotFoundError in Python)
  } catch (const InputError& e) {
    throw RelocateDiagnostics(e, "catalog", config.catalog.params.BlockLocation());
  }
}

IndexedCatalog BuildIndexedCatalog(const CatalogConfig& config, uint64_t replicate_seed) {
  IndexedCatalog w;
  w.catalog = BuildCatalog(config, replicate_seed);
  try {
    w.index = std::make_shared<const VectorIndex>(*w.catalog, config.index);
  } catch (const InputError& e) {
    throw RelocateDiagnostics(e, "index", config.index_params.Where("factory"));
  }
  return w;
}

}  // namespace counterpoint
