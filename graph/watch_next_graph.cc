#include "graph/watch_next_graph.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>
#include <utility>

#include "embeddings/catalog.h"
#include "embeddings/vector_index.h"

namespace counterpoint {

const char* SinkPolicyName(SinkPolicy policy) {
  switch (policy) {
    case SinkPolicy::kPrune:
      return "prune";
    case SinkPolicy::kAbsorb:
      return "absorb";
    case SinkPolicy::kSelfLoop:
      return "self_loop";
  }
  return "?";
}

std::optional<SinkPolicy> ParseSinkPolicy(std::string_view name) {
  if (name == "prune") return SinkPolicy::kPrune;
  if (name == "absorb") return SinkPolicy::kAbsorb;
  if (name == "self_loop") return SinkPolicy::kSelfLoop;
  return std::nullopt;
}

std::string SinkPolicyDescription(SinkPolicy policy) {
  switch (policy) {
    case SinkPolicy::kPrune:
      return "prune: nodes without out-edges are removed, repeatedly, with the edges into them";
    case SinkPolicy::kAbsorb:
      return "absorb: nodes without out-edges are kept and a walk that reaches one ends there";
    case SinkPolicy::kSelfLoop:
      return "self_loop: nodes without out-edges get a self-loop, so a walk that reaches one stays there";
  }
  return "?";
}

std::string FormatWarning(const Diagnostic& d) {
  std::string out = d.file.empty() ? std::string("<input>") : d.file;
  if (d.line > 0) {
    out += ':' + std::to_string(d.line);
    if (d.column > 0) out += ':' + std::to_string(d.column);
  }
  return out + ": warning: " + d.message;
}

WatchNextGraph::WatchNextGraph(GraphInput input, SinkPolicy policy, std::string source,
                               std::vector<Diagnostic> warnings)
    : source_(std::move(source)) {
  const int64_t n = static_cast<int64_t>(input.ids.size());
  report_.sink_policy = policy;
  report_.input_nodes = n;
  report_.input_edges = static_cast<int64_t>(input.edges.size());
  report_.warnings = std::move(warnings);
  // validate sizes and edges
  if (n == 0) throw InputError(source_, "the graph has no nodes");
  if (n >= static_cast<int64_t>(UINT32_MAX)) throw InputError(source_, "more than 2^32-1 nodes are not supported");
  if (static_cast<int64_t>(input.labels.size()) != n)
    throw InputError(source_, "expected a label per node: " + std::to_string(input.labels.size()) + " labels for " +
                                  std::to_string(n) + " nodes");
  if (!input.names.empty() && static_cast<int64_t>(input.names.size()) != n)
    throw InputError(source_, "expected a name per node: " + std::to_string(input.names.size()) + " names for " +
                                  std::to_string(n) + " nodes");
  for (const auto& [name, values] : input.attributes)
    if (static_cast<int64_t>(values.size()) != n)
      throw InputError(source_, "attribute '" + name + "' has " + std::to_string(values.size()) + " values for " +
                                    std::to_string(n) + " nodes");
  {
    std::unordered_set<std::string_view> seen(input.ids.size());
    for (const std::string& id : input.ids)
      if (!seen.insert(id).second) throw InputError(source_, "duplicate node id '" + id + "'");
  }
  for (const GraphEdge& e : input.edges) {
    if (e.src < 0 || e.src >= n || e.dst < 0 || e.dst >= n)
      throw InputError(source_, "edge " + std::to_string(e.src) + " -> " + std::to_string(e.dst) +
                                    " names a node index outside [0, " + std::to_string(n) + ")");
    if (!(e.weight > 0) || !std::isfinite(e.weight))
      throw InputError(source_, "edge " + input.ids[e.src] + " -> " + input.ids[e.dst] + " has weight " +
                                    std::to_string(e.weight) + "; weights must be finite and > 0");
  }
  // sort edges and merge duplicates by summing their weights
  std::vector<GraphEdge>& edges = input.edges;
  std::sort(edges.begin(), edges.end(),
            [](const GraphEdge& a, const GraphEdge& b) { return std::tie(a.src, a.dst) < std::tie(b.src, b.dst); });
  size_t kept = 0;
  for (size_t i = 0; i < edges.size(); ++i) {
    if (kept > 0 && edges[kept - 1].src == edges[i].src && edges[kept - 1].dst == edges[i].dst) {
      edges[kept - 1].weight += edges[i].weight;
      ++report_.merged_duplicates;
    } else {
      edges[kept++] = edges[i];
    }
  }
  edges.resize(kept);
  // sinks: prune repeatedly, or keep (absorbing / self-loop)
  std::vector<int64_t> out_degree(n, 0);
  for (const GraphEdge& e : edges) ++out_degree[e.src];
  std::vector<uint8_t> alive(n, 1);
  if (policy == SinkPolicy::kPrune) {
    std::vector<std::vector<int64_t>> in_sources(n);
    for (const GraphEdge& e : edges) in_sources[e.dst].push_back(e.src);
    std::vector<int64_t> queue;
    for (int64_t i = 0; i < n; ++i)
      if (out_degree[i] == 0) queue.push_back(i), alive[i] = 0;
    for (size_t q = 0; q < queue.size(); ++q) {
      report_.pruned.push_back(input.ids[queue[q]]);
      for (int64_t s : in_sources[queue[q]])
        if (alive[s] && --out_degree[s] == 0) alive[s] = 0, queue.push_back(s);
    }
    if (static_cast<int64_t>(queue.size()) == n)
      throw InputError(source_,
                       "pruning nodes without out-edges removed every node; the graph has no cycle "
                       "(use sinks: absorb to keep them)");
  } else {
    for (int64_t i = 0; i < n; ++i)
      if (out_degree[i] == 0) {
        report_.sinks.push_back(input.ids[i]);
        if (policy == SinkPolicy::kSelfLoop) edges.push_back({i, i, 1.0});
      }
    std::sort(edges.begin(), edges.end(),
              [](const GraphEdge& a, const GraphEdge& b) { return std::tie(a.src, a.dst) < std::tie(b.src, b.dst); });
  }
  // renumber the surviving nodes
  std::vector<int64_t> new_index(n, -1);
  for (int64_t i = 0; i < n; ++i)
    if (alive[i]) {
      new_index[i] = static_cast<int64_t>(ids_.size());
      ids_.push_back(std::move(input.ids[i]));
      if (!input.names.empty()) names_.push_back(std::move(input.names[i]));
    }
  const int64_t m = static_cast<int64_t>(ids_.size());
  index_of_.reserve(m);
  for (int64_t i = 0; i < m; ++i) index_of_.emplace(ids_[i], i);
  // labels as indexes into the sorted distinct names
  std::vector<std::string> kept_labels;
  kept_labels.reserve(m);
  for (int64_t i = 0; i < n; ++i)
    if (alive[i]) kept_labels.push_back(std::move(input.labels[i]));
  label_names_ = kept_labels;
  std::sort(label_names_.begin(), label_names_.end());
  label_names_.erase(std::unique(label_names_.begin(), label_names_.end()), label_names_.end());
  label_index_.resize(m);
  for (int64_t i = 0; i < m; ++i)
    label_index_[i] = static_cast<int32_t>(std::lower_bound(label_names_.begin(), label_names_.end(), kept_labels[i]) -
                                           label_names_.begin());
  for (auto& [name, values] : input.attributes) {
    std::vector<double>& out = attributes_[name];
    out.reserve(m);
    for (int64_t i = 0; i < n; ++i)
      if (alive[i]) out.push_back(values[i]);
  }
  // normalised transition probabilities on the CSR graph
  std::vector<double> total(n, 0.0);
  for (const GraphEdge& e : edges)
    if (alive[e.src] && alive[e.dst]) total[e.src] += e.weight;
  std::vector<std::pair<Vertex, Vertex>> pairs;
  std::vector<EdgeData> props;
  pairs.reserve(edges.size());
  props.reserve(edges.size());
  for (const GraphEdge& e : edges)
    if (alive[e.src] && alive[e.dst]) {
      pairs.emplace_back(static_cast<Vertex>(new_index[e.src]), static_cast<Vertex>(new_index[e.dst]));
      props.push_back({e.weight / total[e.src]});
    }
  csr_ = Csr(boost::edges_are_sorted, pairs.begin(), pairs.end(), props.begin(), static_cast<Vertex>(m));
}

int64_t WatchNextGraph::Find(const std::string& id) const {
  auto it = index_of_.find(id);
  return it == index_of_.end() ? -1 : it->second;
}

const std::vector<double>& WatchNextGraph::Attribute(const std::string& name) const {
  auto it = attributes_.find(name);
  if (it == attributes_.end()) {
    // a column the loader set aside (not numeric everywhere) says why
    std::string why;
    for (const Diagnostic& w : report_.warnings)
      if (w.message.find("column '" + name + "'") != std::string::npos) why = " (" + FormatWarning(w) + ")";
    throw InputError(source_, "no node attribute '" + name + "'; available: " +
                                  (attributes_.empty() ? std::string("none") : JoinNames(AttributeNames())) + why);
  }
  return it->second;
}

std::vector<std::string> WatchNextGraph::AttributeNames() const {
  std::vector<std::string> out;
  for (const auto& [name, values] : attributes_) out.push_back(name);
  return out;
}

std::vector<uint8_t> WatchNextGraph::LabelMask(const std::vector<std::string>& labels) const {
  std::vector<uint8_t> wanted(label_names_.size(), 0);
  std::vector<std::string> unknown;
  for (const std::string& l : labels) {
    auto it = std::lower_bound(label_names_.begin(), label_names_.end(), l);
    if (it == label_names_.end() || *it != l)
      unknown.push_back(l);
    else
      wanted[it - label_names_.begin()] = 1;
  }
  if (!unknown.empty())
    throw InputError(source_,
                     "unknown label(s) " + JoinNames(unknown) + "; the graph's labels are: " + JoinNames(label_names_));
  std::vector<uint8_t> mask(size());
  for (int64_t i = 0; i < size(); ++i) mask[i] = wanted[label_index_[i]];
  return mask;
}

double WatchNextGraph::Probability(int64_t u, int64_t v) const {
  double p = 0;
  ForEachOut(u, [&](int64_t dst, double prob) {
    if (dst == v) p = prob;
  });
  return p;
}

GraphInput WatchNextGraph::ToInput() const {
  GraphInput in;
  in.ids = ids_;
  in.labels.reserve(ids_.size());
  for (int64_t i = 0; i < size(); ++i) in.labels.push_back(label(i));
  in.attributes = attributes_;
  in.names = names_;
  in.edges.reserve(num_edges());
  for (int64_t u = 0; u < size(); ++u) ForEachOut(u, [&](int64_t v, double p) { in.edges.push_back({u, v, p}); });
  return in;
}

WatchNextGraph BuildKnnGraph(const Catalog& catalog, const VectorIndex& index, const KnnGraphOptions& options) {
  const int64_t n = catalog.size();
  if (options.out_degree < 1 || options.out_degree >= n)
    throw InputError(catalog.source(), "kNN graph: out_degree must lie in [1, " + std::to_string(n - 1) + "], got " +
                                           std::to_string(options.out_degree));
  if (!(options.temperature > 0)) throw InputError(catalog.source(), "kNN graph: temperature must be > 0");
  // one batched search over the catalog's own embeddings; k = d + 1 for the self match
  const int k = options.out_degree + 1;
  std::vector<float> scores(static_cast<size_t>(n) * k);
  std::vector<int64_t> ids(static_cast<size_t>(n) * k);
  index.Search(catalog.embeddings(), n, k, scores.data(), ids.data());
  GraphInput in;
  in.ids.reserve(n);
  in.labels.reserve(n);
  std::vector<double>& extremity = in.attributes["extremity"];
  std::vector<double>& harm = in.attributes["harm_score"];
  for (int64_t i = 0; i < n; ++i) {
    in.ids.push_back(catalog.id(i));
    in.labels.push_back(LabelName(catalog.label(i)));
    extremity.push_back(catalog.extremity(i));
    harm.push_back(catalog.harm_score(i));
  }
  in.edges.reserve(static_cast<size_t>(n) * options.out_degree);
  for (int64_t i = 0; i < n; ++i) {
    const float* s = scores.data() + i * k;
    const int64_t* nb = ids.data() + i * k;
    // drop the self match (or the last hit when duplicates push it out of the top k)
    int taken = 0;
    double best = -INFINITY;
    for (int j = 0; j < k; ++j)
      if (nb[j] >= 0 && nb[j] != i) best = std::max(best, static_cast<double>(s[j]));
    for (int j = 0; j < k && taken < options.out_degree; ++j) {
      if (nb[j] < 0 || nb[j] == i) continue;
      in.edges.push_back({i, nb[j], std::exp((s[j] - best) / options.temperature)});
      ++taken;
    }
  }
  return WatchNextGraph(std::move(in), SinkPolicy::kPrune, catalog.source() + " (kNN graph)");
}

}  // namespace counterpoint
