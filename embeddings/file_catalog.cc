#include <climits>
#include <cmath>
#include <filesystem>
#include <unordered_map>

#include "core/io.h"
#include "embeddings/catalog_source.h"

namespace counterpoint {

std::shared_ptr<const Catalog> LoadCatalogFiles(const std::string& npy_path, const std::string& csv_path,
                                                int64_t expected_dim) {
  NpyMatrix m = ReadNpy(npy_path);
  if (expected_dim > 0 && m.cols != expected_dim)
    throw InputError(npy_path, "embeddings have dimension " + std::to_string(m.cols) +
                                   " but the scenario says dim: " + std::to_string(expected_dim) + "; fix one of them");
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.cols; ++j)
      if (!std::isfinite(m.data[i * m.cols + j]))
        throw InputError(npy_path, "row " + std::to_string(i) + " column " + std::to_string(j) +
                                       " is NaN or infinite; clean or drop that item");
  const CsvTable t = ReadCsv(csv_path);
  if (static_cast<int64_t>(t.rows.size()) != m.rows)
    throw InputError(csv_path, "has " + std::to_string(t.rows.size()) + " item rows but " + npy_path + " has " +
                                   std::to_string(m.rows) + " embeddings; row i of the CSV must describe row i");
  const int c_id = t.RequireColumn("id"), c_label = t.RequireColumn("label");
  const int c_ext = t.Column("extremity"), c_harm = t.Column("harm_score"), c_creator = t.Column("creator"),
            c_topic = t.Column("topic"), c_upload = t.Column("upload_step");
  CatalogData data;
  data.dim = m.cols;
  data.embeddings = std::move(m.data);
  std::unordered_map<std::string, size_t> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string& id = row[c_id];
    if (id.empty()) throw InputError(csv_path, t.lines[r], c_id + 1, "missing item id");
    auto [it, fresh] = seen.emplace(id, r);
    if (!fresh)
      throw InputError(csv_path, t.lines[r], c_id + 1,
                       "duplicate item id '" + id + "' (first on line " + std::to_string(t.lines[it->second]) + ")");
    const auto label = ParseLabel(row[c_label]);
    if (!label)
      throw InputError(csv_path, t.lines[r], c_label + 1,
                       "unknown label '" + row[c_label] + "'; valid labels: " + JoinNames(LabelNames()));
    data.ids.push_back(id);
    data.labels.push_back(*label);
    // extremity defaults by label when absent: 0 mainstream, 0.5 borderline, 1 extremist
    double e = *label == Label::kExtremist ? 1.0 : *label == Label::kBorderline ? 0.5 : 0.0;
    if (c_ext >= 0) e = CsvDouble(t, r, c_ext);
    const double h = c_harm >= 0 ? CsvDouble(t, r, c_harm) : e;
    for (double v : {e, h})
      if (!(v >= 0 && v <= 1)) throw InputError(csv_path, t.lines[r], 0, "extremity and harm_score must lie in [0, 1]");
    data.extremity.push_back(static_cast<float>(e));
    data.harm_score.push_back(static_cast<float>(h));
    auto int32_cell = [&](int col) {
      const int64_t v = CsvInt(t, r, col);
      if (v < INT32_MIN || v > INT32_MAX)
        throw InputError(csv_path, t.lines[r], col + 1, "column '" + t.header[col] + "': value out of 32-bit range");
      return static_cast<int32_t>(v);
    };
    data.creator.push_back(c_creator >= 0 ? CsvInt(t, r, c_creator) : 0);
    const int64_t topic = c_topic >= 0 ? int32_cell(c_topic) : 0;
    if (topic < 0) throw InputError(csv_path, t.lines[r], c_topic + 1, "topic must be >= 0");
    // per-topic arrays are sized by the largest topic: bounded by the data, not by an id
    if (topic >= MaxTopicId(static_cast<int64_t>(t.rows.size())))
      throw InputError(csv_path, t.lines[r], c_topic + 1,
                       "topic " + std::to_string(topic) + " is too large (" + TopicIdRule() + ")");
    data.topic.push_back(static_cast<int32_t>(topic));
    data.upload_step.push_back(c_upload >= 0 ? int32_cell(c_upload) : 0);
  }
  return std::make_shared<const Catalog>(std::move(data), npy_path);
}

std::string ResolveInputPath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

namespace {

const bool kFilesRegistered = CatalogRegistry::Get().Add(
    "files",
    {"Embeddings from .npy plus an items CSV (docs/scenarios.md, 'Loading your own catalog').",
     {InputFileParam("embeddings", ".npy file, float32 or float64, C order, n x dim"),
      InputFileParam("items", "CSV with id,label[,extremity,harm_score,creator,topic,upload_step]"),
      IntParam("dim", 0, "expected embedding dimension (0: take it from the file)", 0, 1e6)}},
    [](const Params& p, const CatalogContext& ctx) {
      // a path that cannot be read is reported at its key in the scenario
      for (const char* key : {"embeddings", "items"}) {
        const std::string path = ResolveInputPath(ctx.base_dir, p.String(key));
        if (const std::string why = UnreadableFileReason(path); !why.empty()) {
          const SourceLocation at = p.Where(key);
          const std::string message = std::string("catalog.") + key + ": '" + path + "' " + why;
          // a missing file is FileNotFound (FileNotFoundError in Python)
          std::error_code ec;
          if (!std::filesystem::exists(path, ec)) throw FileNotFound(at.file, at.line, at.column, message);
          throw InputError(at.file, at.line, at.column, message);
        }
      }
      return LoadCatalogFiles(ResolveInputPath(ctx.base_dir, p.String("embeddings")),
                              ResolveInputPath(ctx.base_dir, p.String("items")), p.Int("dim"));
    });

}  // namespace
}  // namespace counterpoint
