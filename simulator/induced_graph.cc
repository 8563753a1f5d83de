#include "simulator/induced_graph.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"

namespace counterpoint {

namespace {

constexpr int kShift = 32;

// a CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

// r<replicate>:<item id>
std::string NodeId(int replicate, const std::string& item_id) {
  std::string id(1, 'r');
  id.append(std::to_string(replicate)).append(1, ':').append(item_id);
  return CsvField(id);
}

}  // namespace

InducedGraph::InducedGraph(int64_t n_users, int64_t n_items, int max_clicks, int64_t first_user)
    : n_items_(n_items), max_clicks_(max_clicks), first_(first_user) {
  if (n_items >= (int64_t{1} << kShift))
    throw InputError("output.graph", "the induced graph supports catalogs of fewer than 2^32 items");
  last_clicks_.assign(static_cast<size_t>(n_users) * max_clicks, -1);
  n_last_.assign(n_users, 0);
}

void InducedGraph::Observe(const SlateBatch& batch, const ChoiceBuffer& choices) {
  for (int64_t u = 0; u < batch.n; ++u) {
    const int64_t user = batch.users[u] - first_;  // the user's row
    int64_t* last = last_clicks_.data() + user * max_clicks_;
    // the previous session's clicks -> this session's slate
    const int64_t* slate = batch.Slate(u);
    for (int c = 0; c < n_last_[user]; ++c) {
      for (int j = 0; j < batch.slate_size; ++j) {
        if (slate[j] < 0 || slate[j] == last[c]) continue;
        ++counts_[static_cast<uint64_t>(last[c]) << kShift | static_cast<uint64_t>(slate[j])];
      }
    }
    // this session's clicks replace them (none when the user did not click)
    const int n = std::min(choices.n_clicks[u], max_clicks_);
    std::copy_n(choices.Clicks(u), n, last);
    n_last_[user] = n;
  }
}

std::vector<InducedEdge> InducedGraph::Edges(const Collective& users) const {
  std::vector<InducedEdge> out;
  out.reserve(counts_.size());
  const uint64_t mask = (uint64_t{1} << kShift) - 1;
  for (const auto& [key, count] : counts_)
    out.push_back({static_cast<int64_t>(key >> kShift), static_cast<int64_t>(key & mask), count});
  // every rank's edges; an edge several ranks' users induced is summed below
  if (users.size() > 1) out = GatherInRankOrder(users, out);
  // sorted, so the output does not depend on the hash map's order
  std::sort(out.begin(), out.end(),
            [](const InducedEdge& a, const InducedEdge& b) { return a.src != b.src ? a.src < b.src : a.dst < b.dst; });
  size_t kept = 0;
  for (size_t e = 0; e < out.size(); ++e) {
    if (kept > 0 && out[kept - 1].src == out[e].src && out[kept - 1].dst == out[e].dst)
      out[kept - 1].count += out[e].count;
    else
      out[kept++] = out[e];
  }
  out.resize(kept);
  return out;
}

void InducedGraph::SaveState(StateWriter& out) const {
  out.PutVector(last_clicks_), out.PutVector(n_last_);
  // the counts in key order (Edges() sorts, so the map's order never reaches an output)
  std::vector<uint64_t> keys;
  keys.reserve(counts_.size());
  for (const auto& kv : counts_) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  std::vector<int64_t> counts;
  counts.reserve(keys.size());
  for (uint64_t k : keys) counts.push_back(counts_.at(k));
  out.PutVector(keys), out.PutVector(counts);
}

void InducedGraph::LoadState(StateReader& in) {
  in.GetVector(last_clicks_, last_clicks_.size(), "induced graph last clicks");
  in.GetVector(n_last_, n_last_.size(), "induced graph last clicks");
  std::vector<uint64_t> keys;
  std::vector<int64_t> counts;
  in.GetVector(keys), in.GetVector(counts, keys.size(), "induced graph counts");
  counts_.clear();
  counts_.reserve(keys.size());
  for (size_t e = 0; e < keys.size(); ++e) counts_[keys[e]] = counts[e];
}

InducedGraphTable InducedGraph::Table(const Catalog& catalog, const ItemState& items, const Collective& users) const {
  InducedGraphTable t;
  t.edges = Edges(users);
  // nodes: every endpoint, in catalog order
  std::vector<uint8_t> used(n_items_, 0);
  for (const InducedEdge& e : t.edges) used[e.src] = used[e.dst] = 1;
  for (int64_t i = 0; i < n_items_; ++i) {
    if (!used[i]) continue;
    t.nodes.push_back(i);
    t.ids.push_back(catalog.id(i));
    t.labels.push_back(catalog.label(i));
    t.extremity.push_back(catalog.extremity(i));
    t.harm_score.push_back(catalog.harm_score(i));
    t.impressions.push_back(items.impressions[i]);
    t.clicks.push_back(items.clicks[i]);
  }
  return t;
}

std::string InducedNodesCsv(const std::vector<std::pair<int, const InducedGraphTable*>>& graphs) {
  std::string out = "id,label,replicate,extremity,harm_score,impressions,clicks\n";
  char buf[160];
  for (const auto& [r, t] : graphs) {
    for (size_t k = 0; k < t->nodes.size(); ++k) {
      std::snprintf(buf, sizeof buf, ",%s,%d,%.9g,%.9g,%lld,%lld\n", LabelName(t->labels[k]), r, t->extremity[k],
                    t->harm_score[k], static_cast<long long>(t->impressions[k]), static_cast<long long>(t->clicks[k]));
      out += NodeId(r, t->ids[k]);
      out += buf;
    }
  }
  return out;
}

std::string InducedEdgesCsv(const std::vector<std::pair<int, const InducedGraphTable*>>& graphs) {
  std::string out = "src,dst,weight\n";
  for (const auto& graph : graphs) {
    const int r = graph.first;  // named, not a structured binding: clang 14 cannot capture those
    const InducedGraphTable* t = graph.second;
    // catalog rows -> ids through the sorted node list
    auto id_of = [&](int64_t row) {
      const size_t k = std::lower_bound(t->nodes.begin(), t->nodes.end(), row) - t->nodes.begin();
      return NodeId(r, t->ids[k]);
    };
    for (const InducedEdge& e : t->edges)
      out += id_of(e.src) + ',' + id_of(e.dst) + ',' + std::to_string(e.count) + '\n';
  }
  return out;
}

}  // namespace counterpoint
