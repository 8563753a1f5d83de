#include "tests/fuzz/fuzz_targets.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "core/error.h"
#include "core/io.h"
#include "embeddings/catalog.h"
#include "embeddings/catalog_source.h"
#include "embeddings/index_factory.h"
#include "embeddings/vector_index.h"
#include "experiment/scenario.h"
#include "graph/graph_loader.h"
#include "privacy/policy.h"

namespace counterpoint::fuzz {

namespace {

// a scratch file of this process, rewritten for every input and removed at exit
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name)
      : path_(
            (std::filesystem::temp_directory_path() / ("counterpoint-fuzz-" + std::to_string(::getpid()) + "-" + name))
                .string()) {}
  ~ScratchFile() { std::remove(path_.c_str()); }
  const std::string& Write(std::string_view bytes) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) throw std::runtime_error("fuzz harness: cannot write " + path_);
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (std::fclose(f) != 0 || !ok) throw std::runtime_error("fuzz harness: cannot write " + path_);
    return path_;
  }

 private:
  std::string path_;
};

std::string_view View(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// runs a loader; InputError is the expected refusal of a bad input
template <class F>
void Expect(F&& load) {
  try {
    load();
  } catch (const InputError&) {
  }
}

// the rows of a valid .npy (float32, rows x 4, finite values)
std::string ValidNpy(int64_t rows) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", 4), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  for (int64_t i = 0; i < rows * 4; ++i) {
    const float v = static_cast<float>((i * 37) % 11) / 11.0f - 0.5f;
    out.append(reinterpret_cast<const char*>(&v), 4);
  }
  return out;
}

}  // namespace

void FuzzScenario(const uint8_t* data, size_t size) {
  const std::string_view in = View(data, size);
  const size_t nul = in.find('\0');
  const std::string text(in.substr(0, nul));
  std::vector<std::string> overrides;
  if (nul != std::string_view::npos) {
    std::string_view rest = in.substr(nul + 1);
    while (!rest.empty()) {
      const size_t eol = rest.find('\n');
      overrides.emplace_back(rest.substr(0, eol));
      if (eol == std::string_view::npos) break;
      rest.remove_prefix(eol + 1);
    }
  }
  // no base directory: a catalog's input files are only named, never read, by validation
  Expect([&] { ParseScenario(text, "<fuzz>", overrides); });
}

void FuzzNpy(const uint8_t* data, size_t size) {
  static ScratchFile file("embeddings.npy");
  const std::string& path = file.Write(View(data, size));
  Expect([&] { ReadNpy(path); });
}

void FuzzItemsCsv(const uint8_t* data, size_t size) {
  static ScratchFile csv("items.csv");
  static ScratchFile npy("embeddings.npy");
  const std::string& csv_path = csv.Write(View(data, size));
  Expect([&] {
    // an .npy with one row per CSV row, so that the CSV's own checks are reached
    const int64_t rows = static_cast<int64_t>(std::min<size_t>(ReadCsv(csv_path).rows.size(), 1 << 16));
    const std::string& npy_path = npy.Write(ValidNpy(rows));
    LoadCatalogFiles(npy_path, csv_path, 0);
  });
}

void FuzzGraphCsv(const uint8_t* data, size_t size) {
  static ScratchFile nodes("nodes.csv");
  static ScratchFile edges("edges.csv");
  const std::string_view in = View(data, size);
  const size_t nul = in.find('\0');
  const std::string& nodes_path = nodes.Write(in.substr(0, nul));
  const std::string& edges_path = edges.Write(nul == std::string_view::npos ? "src,dst,weight\n" : in.substr(nul + 1));
  for (SinkPolicy sinks : {SinkPolicy::kPrune, SinkPolicy::kAbsorb, SinkPolicy::kSelfLoop}) {
    GraphCsvOptions options;
    options.sinks = sinks;
    Expect([&] { LoadGraphCsv(nodes_path, edges_path, options); });
  }
}

void FuzzIndexFactory(const uint8_t* data, size_t size) {
  // a fixed catalog of 64 items in 16 dimensions; an accepted string builds and searches
  static const std::shared_ptr<const Catalog> catalog = [] {
    CatalogData d;
    d.dim = 16;
    for (int64_t i = 0; i < 64; ++i) {
      for (int64_t k = 0; k < 16; ++k) d.embeddings.push_back(static_cast<float>(((i * 7 + k * 13) % 17) - 8));
      d.labels.push_back(Label::kMainstream);
      d.extremity.push_back(0.f);
    }
    return std::make_shared<const Catalog>(std::move(d), "fuzz catalog");
  }();
  const std::string factory(View(data, size));
  if (!IndexFactoryProblem(factory, catalog->dim(), catalog->size()).empty()) return;
  IndexOptions options;
  options.factory = factory;
  Expect([&] {
    const VectorIndex index(*catalog, options);
    float scores[4];
    int64_t ids[4];
    index.Search(catalog->Embedding(0), 1, 4, scores, ids);
  });
}

void FuzzPolicy(const uint8_t* data, size_t size) {
  // validation only: the ledger path is resolved, never opened
  Expect([&] { privacy::ParsePolicy(std::string(View(data, size)), "<fuzz>", ""); });
}

const std::vector<NamedTarget>& Targets() {
  static const std::vector<NamedTarget> targets = {{"scenario", FuzzScenario},  {"npy", FuzzNpy},
                                                   {"items_csv", FuzzItemsCsv}, {"graph_csv", FuzzGraphCsv},
                                                   {"policy", FuzzPolicy},      {"index_factory", FuzzIndexFactory}};
  return targets;
}

}  // namespace counterpoint::fuzz
