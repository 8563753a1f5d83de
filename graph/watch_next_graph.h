// WatchNextGraph: the item-item "watch next" graph a recommender induces, on
// Boost.Graph's compressed sparse row graph, with transition probabilities.
//
// Built from a catalog by FAISS kNN (top-d neighbours of each item) or loaded from
// a nodes CSV + edges CSV. Nodes without out-edges (sinks) are handled by an
// explicit SinkPolicy that is reported with every result, never silently.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace counterpoint {

class Catalog;
class VectorIndex;

/// What happens at nodes that have no out-edge.
enum class SinkPolicy {
  kPrune,     ///< remove them (and edges into them), repeatedly, until none is left
  kAbsorb,    ///< keep them; a walk that reaches one ends there
  kSelfLoop,  ///< keep them with a self-loop of probability 1; a walk stays there
};

const char* SinkPolicyName(SinkPolicy policy);
std::optional<SinkPolicy> ParseSinkPolicy(std::string_view name);
/// One sentence for reports, e.g. "sinks: prune (13 nodes without out-edges removed ...)".
std::string SinkPolicyDescription(SinkPolicy policy);

/// A directed, weighted edge between node indexes.
struct GraphEdge {
  int64_t src = 0;
  int64_t dst = 0;
  double weight = 1.0;  ///< > 0; probabilities are weights normalised per source
};

/// Plain data from which a WatchNextGraph is built (by a loader or a generator).
struct GraphInput {
  std::vector<std::string> ids;                           ///< unique node ids
  std::vector<std::string> labels;                        ///< a group label per node (e.g. "Alt-right", "mainstream")
  std::map<std::string, std::vector<double>> attributes;  ///< numeric per-node columns
  std::vector<std::string> names;                         ///< optional display names (e.g. channel titles); empty = ids
  std::vector<GraphEdge> edges;                           ///< duplicates are summed; weights must be > 0
};

/// Warnings and structural changes made while building a graph, for reports.
struct GraphReport {
  SinkPolicy sink_policy = SinkPolicy::kPrune;
  int64_t input_nodes = 0;
  int64_t input_edges = 0;
  std::vector<std::string> pruned;   ///< ids removed by kPrune, in removal order
  std::vector<std::string> sinks;    ///< ids kept as absorbing or self-looped sinks
  std::vector<Diagnostic> warnings;  ///< e.g. duplicate edges, self-loops (file:line)
  int64_t merged_duplicates = 0;     ///< duplicate edges whose weights were summed
};

/// "file:line: warning: message".
std::string FormatWarning(const Diagnostic& d);

/// Immutable watch-next graph: node ids, labels, attributes, transition probabilities.
class WatchNextGraph {
 public:
  struct EdgeData {
    double prob = 0;  ///< transition probability; the out-edges of a node sum to 1
  };
  using Csr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, EdgeData, boost::no_property,
                                                 uint64_t, uint64_t>;

  /// Validates `input` (sizes, finite positive weights, edge endpoints), merges
  /// duplicate edges, applies `policy` to sinks and normalises weights per source.
  /// Throws InputError naming `source` on bad data; warnings go to report().
  WatchNextGraph(GraphInput input, SinkPolicy policy, std::string source = "<graph>",
                 std::vector<Diagnostic> warnings = {});

  int64_t size() const { return static_cast<int64_t>(ids_.size()); }
  int64_t num_edges() const { return static_cast<int64_t>(boost::num_edges(csr_)); }
  const Csr& csr() const { return csr_; }
  const std::string& source() const { return source_; }
  const GraphReport& report() const { return report_; }

  const std::string& id(int64_t i) const { return ids_[i]; }
  const std::string& label(int64_t i) const { return label_names_[label_index_[i]]; }
  /// Display name (e.g. a channel title), or the id when none was given.
  const std::string& name(int64_t i) const { return names_.empty() ? ids_[i] : names_[i]; }
  /// Index of the node's label in label_names().
  int32_t label_index(int64_t i) const { return label_index_[i]; }
  /// Distinct labels, sorted.
  const std::vector<std::string>& label_names() const { return label_names_; }
  /// Node index of `id`, or -1.
  int64_t Find(const std::string& id) const;

  bool HasAttribute(const std::string& name) const { return attributes_.count(name) > 0; }
  /// Per-node attribute; throws InputError listing the available ones if absent.
  const std::vector<double>& Attribute(const std::string& name) const;
  std::vector<std::string> AttributeNames() const;

  /// 1 for nodes whose label is in `labels`; throws InputError naming unknown labels
  /// and the valid ones.
  std::vector<uint8_t> LabelMask(const std::vector<std::string>& labels) const;

  int64_t OutDegree(int64_t u) const { return static_cast<int64_t>(boost::out_degree(Vertex(u), csr_)); }
  /// Probability that a walk at u ends (1 for absorbing sinks, else 0).
  double EndProbability(int64_t u) const { return OutDegree(u) == 0 ? 1.0 : 0.0; }
  /// Calls f(dst, prob) for each out-edge of u, in increasing dst order.
  template <class F>
  void ForEachOut(int64_t u, F&& f) const {
    auto range = boost::out_edges(Vertex(u), csr_);
    for (auto it = range.first; it != range.second; ++it)
      f(static_cast<int64_t>(boost::target(*it, csr_)), csr_[*it].prob);
  }
  /// Probability of the edge u -> v (0 if absent).
  double Probability(int64_t u, int64_t v) const;

  /// All edges with their probabilities as weights (a GraphInput for a modified copy).
  GraphInput ToInput() const;

 private:
  using Vertex = uint64_t;  // node ids are 64-bit: graphs may exceed 2^31 nodes

  std::string source_;
  std::vector<std::string> ids_;
  std::vector<std::string> names_;
  std::vector<int32_t> label_index_;
  std::vector<std::string> label_names_;
  std::map<std::string, std::vector<double>> attributes_;
  std::unordered_map<std::string, int64_t> index_of_;
  Csr csr_;
  GraphReport report_;
};

/// Options of the kNN watch-next graph built from a catalog.
struct KnnGraphOptions {
  int out_degree = 10;       ///< recommendations per item (the self match is dropped)
  double temperature = 0.1;  ///< edge weight exp((score - best score) / temperature)
};

/// The watch-next graph of "more like this": for every item, its top-d neighbours by
/// inner product in one batched VectorIndex search over the catalog's own embeddings.
/// Labels are the catalog labels; attributes are extremity and harm_score. No node is a
/// sink (d >= 1 and the catalog has more than one item), so the policy is only recorded.
WatchNextGraph BuildKnnGraph(const Catalog& catalog, const VectorIndex& index, const KnnGraphOptions& options);

}  // namespace counterpoint
