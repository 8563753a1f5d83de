// The watch-next graph a recommender induced during a run.
//
// From each item a user clicked, an edge to every item shown to that same user in
// their next session, weighted by how often: edge c -> i has weight = the number of
// times i was shown in a session that followed a session in which c was clicked
// (docs/graph.md, "The graph a run induced"). The result is what `counterpoint
// audit` reads: written by `counterpoint run` with `output.graph: true`.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/collective.h"
#include "core/state_io.h"
#include "recommender/batch.h"
#include "simulator/user_model.h"

namespace counterpoint {

/// A directed edge between catalog rows with its count.
struct InducedEdge {
  int64_t src = 0;
  int64_t dst = 0;
  int64_t count = 0;

  bool operator==(const InducedEdge& o) const { return src == o.src && dst == o.dst && count == o.count; }
};

/// One arm's induced graph in one replicate, with the catalog attributes its nodes
/// need (kept after the replicate's catalog is gone).
struct InducedGraphTable {
  std::vector<InducedEdge> edges;    ///< sorted by (src, dst); no self-loops
  std::vector<int64_t> nodes;        ///< sorted catalog rows that are an endpoint of some edge
  std::vector<std::string> ids;      ///< per node: catalog id
  std::vector<Label> labels;         ///< per node: catalog label
  std::vector<float> extremity;      ///< per node: ground-truth extremity
  std::vector<float> harm_score;     ///< per node: classifier harm score
  std::vector<int64_t> impressions;  ///< per node: impressions in this arm over the run
  std::vector<int64_t> clicks;       ///< per node: clicks in this arm over the run
};

/// Accumulates the induced graph of one arm, step by step. Per-user state (the
/// items clicked in the user's last session) is sized once in the constructor.
/// Counts are integers, so the graph does not depend on the order in which users
/// are observed: it is identical for any thread count, batch size and number of MPI
/// ranks holding blocks of users (Edges and Table sum every rank's counts).
class InducedGraph {
 public:
  /// Users [first_user, first_user + n_users) are observed (all of them, or a rank's
  /// block); n_items bounds item ids (< 2^32); max_clicks bounds clicks per session.
  InducedGraph(int64_t n_users, int64_t n_items, int max_clicks, int64_t first_user = 0);

  /// Records a batch after users responded: for each user of the batch, edges from
  /// the items clicked in their previous session to this session's slate (self-loops
  /// skipped), then this session's clicks become the user's last clicks (none if the
  /// user did not click). Each user appears at most once per step.
  void Observe(const SlateBatch& batch, const ChoiceBuffer& choices);

  /// Distinct edges so far.
  int64_t num_edges() const { return static_cast<int64_t>(counts_.size()); }
  /// Every edge with its count, sorted by (src, dst); with ranks holding blocks of users
  /// (`users`, every rank calling), the counts summed over the ranks.
  std::vector<InducedEdge> Edges(const Collective& users = Serial()) const;
  /// Edges plus the nodes' catalog attributes and per-item counts of `items`.
  InducedGraphTable Table(const Catalog& catalog, const ItemState& items, const Collective& users = Serial()) const;
  /// Checkpoints: the edge counts and every user's last clicks; LoadState restores them
  /// into a graph constructed with the same sizes.
  void SaveState(StateWriter& out) const;
  void LoadState(StateReader& in);

 private:
  int64_t n_items_;
  int max_clicks_;
  int64_t first_ = 0;                             ///< the first user observed; per-user arrays have a row per user
  std::vector<int64_t> last_clicks_;              ///< n_users x max_clicks
  std::vector<int32_t> n_last_;                   ///< clicks in each user's last session
  std::unordered_map<uint64_t, int64_t> counts_;  ///< (src << 32 | dst) -> count
};

/// nodes.csv of the disjoint union of several replicates' graphs (pairs of replicate
/// index and table): id `r<replicate>:<item id>`, label, then the numeric attributes
/// replicate, extremity, harm_score, impressions, clicks. The format LoadGraphCsv reads.
std::string InducedNodesCsv(const std::vector<std::pair<int, const InducedGraphTable*>>& graphs);
/// edges.csv of the same union: src, dst, weight (the count).
std::string InducedEdgesCsv(const std::vector<std::pair<int, const InducedGraphTable*>>& graphs);

}  // namespace counterpoint
