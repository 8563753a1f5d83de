// Loading a WatchNextGraph from a nodes CSV and an edges CSV.
//
// nodes.csv: id, label, an optional name (display name), then any numeric attribute
// columns (e.g. subscribers).
// edges.csv: src, dst, weight. Problems name file:line and the fix: dangling edges,
// weights that are not > 0, bad numbers and duplicate node ids are errors (all are
// collected and reported together); duplicate edges (weights summed) and self-loops
// (dropped) are warnings kept in the graph's report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/io.h"
#include "graph/watch_next_graph.h"

namespace counterpoint {

/// Column names and the sink policy for LoadGraphCsv.
struct GraphCsvOptions {
  std::string id_column = "id";
  std::string label_column = "label";
  std::string src_column = "src";
  std::string dst_column = "dst";
  std::string weight_column = "weight";
  SinkPolicy sinks = SinkPolicy::kPrune;
};

/// Reads and validates both files; throws InputError with every error found.
WatchNextGraph LoadGraphCsv(const std::string& nodes_path, const std::string& edges_path,
                            const GraphCsvOptions& options = {});

/// Appends the edges of table `t` to `in` (node ids resolved through `index`), checking
/// each row: unknown endpoints and weights that are not finite and > 0 go to `errors`,
/// duplicates (summed later) and self-loops (dropped) to `warnings`, with file:line.
void AppendCsvEdges(const CsvTable& t, int src_col, int dst_col, int weight_col,
                    const std::map<std::string, int64_t>& index, GraphInput& in, DiagnosticList& errors,
                    std::vector<Diagnostic>& warnings);

}  // namespace counterpoint
