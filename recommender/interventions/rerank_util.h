// Helpers shared by the greedy re-rankers (diversify_mmr, calibrate): the ranker's
// score normalised per user, and synthetic scores that make CutSlates reproduce a
// greedily chosen order.
#pragma once

#include <cmath>
#include <cstdint>

namespace counterpoint::rerank {

/// Normalises one user's k scores to relevance in [0, 1]: rel_j = (s_j - min) / (max - min)
/// over the eligible candidates (filled, finite score); rel_j = 1 for all when max = min.
/// Candidates that are empty (id < 0) or scored -inf / NaN (e.g. suppressed) are not
/// eligible. Returns the number of eligible candidates.
inline int NormalizedRelevance(const int64_t* ids, const float* score, int k, float* rel, bool* eligible) {
  float lo = INFINITY, hi = -INFINITY;
  int n = 0;
  for (int j = 0; j < k; ++j) {
    eligible[j] = ids[j] >= 0 && std::isfinite(score[j]);
    if (!eligible[j]) continue;
    ++n;
    lo = score[j] < lo ? score[j] : lo;
    hi = score[j] > hi ? score[j] : hi;
  }
  const float span = hi - lo;
  for (int j = 0; j < k; ++j) rel[j] = !eligible[j] ? 0.f : span > 0 ? (score[j] - lo) / span : 1.f;
  return n;
}

/// Whether candidate a beats candidate c at equal objective: higher similarity to the
/// estimate, then lower id (CutSlates' tie rule).
inline bool TieBreak(const int64_t* ids, const float* sim, int a, int c) {
  if (sim[a] != sim[c]) return sim[a] > sim[c];
  return ids[a] < ids[c];
}

/// Whether candidate j with objective v beats the best so far (index best, -1 for none,
/// objective best_v): a larger objective, or an equal one and the tie rule.
inline bool Beats(double v, int j, double best_v, int best, const int64_t* ids, const float* sim) {
  return best < 0 || v > best_v || (v == best_v && TieBreak(ids, sim, j, best));
}

/// Writes scores that make CutSlates reproduce `order` (n_sel positions chosen in turn):
/// the r-th chosen gets 1 + (n_sel - r) >= 2; every other eligible candidate keeps its
/// relevance in [0, 1] (so the order below the cut stays the ranker's); ineligible
/// candidates are left as they are (empty or -inf, last).
inline void WriteOrder(const int* order, int n_sel, const float* rel, const bool* eligible, int k, float* score) {
  for (int j = 0; j < k; ++j)
    if (eligible[j]) score[j] = rel[j];
  for (int r = 0; r < n_sel; ++r) score[order[r]] = static_cast<float>(1 + n_sel - r);
}

}  // namespace counterpoint::rerank
