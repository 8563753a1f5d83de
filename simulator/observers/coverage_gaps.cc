#include "simulator/observers/coverage_gaps.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

namespace counterpoint {

namespace {

double Dot(const float* a, const float* b, int64_t d) {
  double s = 0;
  for (int64_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * b[j];
  return s;
}

}  // namespace

std::vector<int> SphericalKMeans(const Catalog& catalog, const std::vector<int64_t>& rows, int k, int iterations,
                                 std::vector<float>& centres) {
  const int64_t d = catalog.dim(), n = static_cast<int64_t>(rows.size());
  k = static_cast<int>(std::min<int64_t>(k, n));
  centres.assign(k * d, 0.f);
  std::vector<int> assign(n, 0);
  if (k == 0) return assign;
  // farthest-point initialisation: each next centre is the row least similar to its nearest centre
  std::vector<double> best(n, -std::numeric_limits<double>::infinity());
  int64_t pick = 0;
  for (int c = 0; c < k; ++c) {
    std::copy_n(catalog.Embedding(rows[pick]), d, centres.data() + c * d);
    int64_t next = 0;
    double lowest = std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) {
      best[i] = std::max(best[i], Dot(catalog.Embedding(rows[i]), centres.data() + c * d, d));
      if (best[i] < lowest) lowest = best[i], next = i;
    }
    pick = next;
  }
  // Lloyd rounds: assign to the most similar centre, then centre = normalised mean
  std::vector<double> sum(k * d);
  std::vector<int64_t> count(k);
  for (int it = 0; it <= iterations; ++it) {
    for (int64_t i = 0; i < n; ++i) {
      const float* x = catalog.Embedding(rows[i]);
      double top = -std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c) {
        const double s = Dot(x, centres.data() + c * d, d);
        if (s > top) top = s, assign[i] = c;
      }
    }
    if (it == iterations) break;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0);
    for (int64_t i = 0; i < n; ++i) {
      const float* x = catalog.Embedding(rows[i]);
      ++count[assign[i]];
      for (int64_t j = 0; j < d; ++j) sum[assign[i] * d + j] += x[j];
    }
    // an empty cluster keeps its centre
    for (int c = 0; c < k; ++c) {
      if (count[c] == 0) continue;
      double norm = 0;
      for (int64_t j = 0; j < d; ++j) norm += sum[c * d + j] * sum[c * d + j];
      norm = std::sqrt(norm);
      if (norm <= 0) continue;
      for (int64_t j = 0; j < d; ++j) centres[c * d + j] = static_cast<float>(sum[c * d + j] / norm);
    }
  }
  return assign;
}

std::vector<CoverageRegion> CoverageGaps(const Catalog& catalog, const std::vector<int64_t>& at_risk_impressions,
                                         const CoverageOptions& options) {
  // harmful items (ground truth: this is a measurement, not a platform decision) and counter-narratives
  std::vector<int64_t> harmful, cn;
  for (int64_t i = 0; i < catalog.size(); ++i) {
    if (IsHarmful(catalog.label(i))) harmful.push_back(i);
    if (catalog.label(i) == Label::kCounterNarrative &&
        (options.organisations.empty() ||
         std::binary_search(options.organisations.begin(), options.organisations.end(), catalog.creator(i))))
      cn.push_back(i);
  }
  std::vector<float> centres;
  const std::vector<int> assign = SphericalKMeans(catalog, harmful, options.regions, options.iterations, centres);
  const int k = static_cast<int>(centres.size() / std::max<int64_t>(1, catalog.dim()));
  const int64_t d = catalog.dim();
  std::vector<CoverageRegion> regions(k);
  std::vector<std::map<int32_t, int64_t>> topics(k);
  for (int c = 0; c < k; ++c) regions[c].region = c;
  for (size_t i = 0; i < harmful.size(); ++i) {
    CoverageRegion& r = regions[assign[i]];
    ++r.n_items;
    if (!at_risk_impressions.empty()) r.at_risk_impressions += at_risk_impressions[harmful[i]];
    ++topics[assign[i]][catalog.topic(harmful[i])];
  }
  for (int c = 0; c < k; ++c) {
    CoverageRegion& r = regions[c];
    // most common topic, lowest id on ties (the map iterates ascending)
    int64_t most = -1;
    for (const auto& [t, m] : topics[c])
      if (m > most) most = m, r.centroid_topic = t;
    // cosine distance 1 - <centre, x> to the nearest counter-narrative
    double top = -std::numeric_limits<double>::infinity();
    for (int64_t i : cn) top = std::max(top, Dot(centres.data() + c * d, catalog.Embedding(i), d));
    r.nearest_cn_distance = cn.empty() ? std::numeric_limits<double>::infinity() : 1.0 - top;
    r.covered = r.nearest_cn_distance <= options.radius;
  }
  // rank: uncovered first, then by at-risk traffic, then region id
  std::vector<CoverageRegion> ranked = regions;
  std::sort(ranked.begin(), ranked.end(), [](const CoverageRegion& a, const CoverageRegion& b) {
    if (a.covered != b.covered) return !a.covered;
    if (a.at_risk_impressions != b.at_risk_impressions) return a.at_risk_impressions > b.at_risk_impressions;
    return a.region < b.region;
  });
  for (size_t i = 0; i < ranked.size(); ++i) ranked[i].rank = static_cast<int>(i) + 1;
  return ranked;
}

std::string CoverageGapsCsv(const std::vector<std::pair<std::string, int>>& runs,
                            const std::vector<const std::vector<CoverageRegion>*>& maps) {
  std::ostringstream out;
  out.precision(9);
  out << "arm,replicate,region,n_items,centroid_topic,nearest_cn_distance,at_risk_impressions,covered,rank\n";
  for (size_t r = 0; r < runs.size(); ++r)
    for (const CoverageRegion& g : *maps[r]) {
      out << runs[r].first << ',' << runs[r].second << ',' << g.region << ',' << g.n_items << ',' << g.centroid_topic
          << ',';
      if (std::isfinite(g.nearest_cn_distance)) out << g.nearest_cn_distance;
      out << ',' << g.at_risk_impressions << ',' << (g.covered ? "yes" : "no") << ',' << g.rank << '\n';
    }
  return out.str();
}

}  // namespace counterpoint
