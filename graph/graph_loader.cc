#include "graph/graph_loader.h"

#include <cmath>
#include <unordered_map>

namespace counterpoint {

namespace {

// parses a whole cell as a finite number
bool ParseNumber(const std::string& s, double& out) {
  try {
    size_t used = 0;
    out = std::stod(s, &used);
    return used == s.size() && std::isfinite(out);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

void AppendCsvEdges(const CsvTable& t, int src_col, int dst_col, int weight_col,
                    const std::map<std::string, int64_t>& index, GraphInput& in, DiagnosticList& errors,
                    std::vector<Diagnostic>& warnings) {
  std::unordered_map<std::string, int> first_line;  // "src\tdst" -> line of its first row
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string& src = t.rows[r][src_col];
    const std::string& dst = t.rows[r][dst_col];
    const int line = t.lines[r];
    bool ok = true;
    // both endpoints must be nodes
    for (const auto& [name, col] : {std::pair{src, src_col}, std::pair{dst, dst_col}}) {
      if (!index.count(name)) {
        errors.Add(t.path, line, col + 1,
                   "dangling edge: node '" + name + "' (column '" + t.header[col] +
                       "') is not in the nodes file; add it there or remove this edge");
        ok = false;
      }
    }
    // weights are finite and > 0
    double w = 0;
    const std::string& cell = t.rows[r][weight_col];
    if (!ParseNumber(cell, w)) {
      errors.Add(t.path, line, weight_col + 1,
                 "column '" + t.header[weight_col] + "': expected a finite number, got '" + cell + "'");
      ok = false;
    } else if (w <= 0) {
      errors.Add(t.path, line, weight_col + 1,
                 "edge " + src + " -> " + dst + " has weight " + cell +
                     "; weights must be > 0 (remove the edge instead of giving it weight 0)");
      ok = false;
    }
    if (!ok) continue;
    // self-loops are dropped, duplicates summed, both with a warning
    if (src == dst) {
      warnings.push_back({t.path, line, 0,
                          "self-loop on '" + src +
                              "' dropped (a watch-next graph recommends other items; "
                              "remove the row to silence this)"});
      continue;
    }
    auto [it, inserted] = first_line.emplace(src + '\t' + dst, line);
    if (!inserted)
      warnings.push_back({t.path, line, 0,
                          "duplicate edge " + src + " -> " + dst + " (first at line " + std::to_string(it->second) +
                              "); the weights are summed (merge the rows to silence this)"});
    in.edges.push_back({index.at(src), index.at(dst), w});
  }
}

WatchNextGraph LoadGraphCsv(const std::string& nodes_path, const std::string& edges_path,
                            const GraphCsvOptions& options) {
  const CsvTable nodes = ReadCsv(nodes_path, '#');
  const CsvTable edges = ReadCsv(edges_path, '#');
  const int id_col = nodes.RequireColumn(options.id_column);
  const int label_col = nodes.RequireColumn(options.label_column);
  const int name_col = nodes.Column("name");  // optional display names
  const int src_col = edges.RequireColumn(options.src_column);
  const int dst_col = edges.RequireColumn(options.dst_column);
  const int weight_col = edges.RequireColumn(options.weight_column);
  DiagnosticList errors;
  std::vector<Diagnostic> warnings;
  GraphInput in;
  std::map<std::string, int64_t> index;
  std::map<std::string, int> line_of;
  // nodes: unique non-empty ids, non-empty labels
  for (size_t r = 0; r < nodes.rows.size(); ++r) {
    const std::string& id = nodes.rows[r][id_col];
    const std::string& label = nodes.rows[r][label_col];
    const int line = nodes.lines[r];
    if (id.empty()) {
      errors.Add(nodes_path, line, id_col + 1, "empty node id; give every node a unique id");
      continue;
    }
    if (label.empty())
      errors.Add(nodes_path, line, label_col + 1,
                 "node '" + id + "' has an empty label; give it one (e.g. Other for unlabelled nodes)");
    if (!line_of.emplace(id, line).second) {
      errors.Add(
          nodes_path, line, id_col + 1,
          "duplicate node id '" + id + "' (first at line " + std::to_string(line_of[id]) + "); ids must be unique");
      continue;
    }
    index[id] = static_cast<int64_t>(in.ids.size());
    in.ids.push_back(id);
    in.labels.push_back(label);
    if (name_col >= 0) in.names.push_back(nodes.rows[r][name_col]);
  }
  // every other column is a numeric attribute, or ignored with a warning
  for (int c = 0; c < static_cast<int>(nodes.header.size()); ++c) {
    if (c == id_col || c == label_col || c == name_col) continue;
    std::vector<double> values;
    bool numeric = true;
    size_t bad_row = 0;
    for (size_t r = 0; r < nodes.rows.size() && numeric; ++r) {
      const std::string& id = nodes.rows[r][id_col];
      if (id.empty() || index.at(id) != static_cast<int64_t>(values.size())) continue;  // skipped rows
      double v = 0;
      numeric = ParseNumber(nodes.rows[r][c], v);
      bad_row = r;
      values.push_back(v);
    }
    if (numeric)
      in.attributes[nodes.header[c]] = std::move(values);
    else
      warnings.push_back({nodes_path, 1, c + 1,
                          "column '" + nodes.header[c] + "' is not numeric in every row (line " +
                              std::to_string(nodes.lines[bad_row]) + ": '" + nodes.rows[bad_row][c] +
                              "' is not a finite number); it is not an attribute"});
  }
  AppendCsvEdges(edges, src_col, dst_col, weight_col, index, in, errors, warnings);
  errors.ThrowIfAny();
  return WatchNextGraph(std::move(in), options.sinks, nodes_path + " + " + edges_path, std::move(warnings));
}

}  // namespace counterpoint
