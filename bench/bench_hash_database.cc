// The shared hash database at scale: matching uploads within Hamming distance r of n
// held 256-bit codes by multi-index hashing (HashDatabase::Within) against the exhaustive
// scan (HashDatabase::Nearest) and FAISS's own multi-index hashing (IndexBinaryMultiHash,
// 16 tables of 16 bits, range search with floor(r/16) flips), with their answers compared.
//
//   bench_hash_database [n_codes=1000000] [queries=20000] [radius=31] [scan_queries=1000]
//
// Half the queries are copies of held codes with 0..2r bits flipped (uniform), half fresh
// random codes (the common case at upload: no match). Prints build time, microseconds per
// query for both methods, the peak RSS, and whether both found the same matches.
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/bench_util.h"
#include "core/rng.h"
#include "embeddings/hash_database.h"

using counterpoint::bench::PeakMiB;
using counterpoint::bench::Seconds;

int main(int argc, char** argv) {
  using namespace counterpoint;
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int64_t m = argc > 2 ? std::atoll(argv[2]) : 20000;
  const int radius = argc > 3 ? std::atoi(argv[3]) : 31;
  const int64_t scan_m = std::min<int64_t>(m, argc > 4 ? std::atoll(argv[4]) : 1000);
  std::vector<uint8_t> held(n * kHashBytes);
  for (int64_t i = 0; i < n; ++i) RandomHash(1, i, held.data() + i * kHashBytes);
  std::vector<uint8_t> queries(m * kHashBytes);
  const CounterRng rng(2, 0, 0, Purpose::kChoice);
  for (int64_t q = 0; q < m; ++q) {
    uint8_t* code = queries.data() + q * kHashBytes;
    if (q % 2) {
      RandomHash(3, q, code);
      continue;
    }
    const auto source = static_cast<int64_t>(rng.Uniform(2 * q) * static_cast<double>(n));
    std::copy_n(held.begin() + source * kHashBytes, kHashBytes, code);
    FlipBits(4, q, static_cast<int>(rng.Uniform(2 * q + 1) * (2 * radius + 1)), code);
  }
  auto t0 = std::chrono::steady_clock::now();
  HashDatabase db(n);
  for (int64_t i = 0; i < n; ++i) db.Add(i, held.data() + i * kHashBytes);
  std::vector<int32_t> dist(m), scan_dist(scan_m);
  std::vector<int64_t> label(m), scan_label(scan_m);
  // the first query builds the tables (counted in build), then the timed queries
  db.Within(queries.data(), 1, radius, dist.data(), label.data());
  const double build = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  db.Within(queries.data(), m, radius, dist.data(), label.data());
  const double mih = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  db.Nearest(queries.data(), scan_m, scan_dist.data(), scan_label.data());
  const double scan = Seconds(t0);
  // FAISS's multi-index hashing on the same codes and the scan's queries
  faiss::IndexBinaryMultiHash faiss_mih(kHashBits, HashDatabase::kSubstrings, HashDatabase::kSubstringBits);
  faiss_mih.add(n, held.data());
  faiss_mih.nflip = radius / HashDatabase::kSubstringBits;
  faiss::RangeSearchResult found(scan_m);
  t0 = std::chrono::steady_clock::now();
  faiss_mih.range_search(scan_m, queries.data(), radius + 1, &found);  // FAISS counts d < radius
  const double faiss_time = Seconds(t0);
  int64_t matches = 0, disagree = 0;
  for (int64_t q = 0; q < m; ++q) matches += label[q] >= 0;
  for (int64_t q = 0; q < scan_m; ++q) {
    disagree += (scan_dist[q] <= radius) != (label[q] >= 0);
    disagree += (found.lims[q + 1] > found.lims[q]) != (label[q] >= 0);
  }
  std::printf(
      "codes %lld, radius %d: build %.2f s; multi-index %.2f us/query (%lld queries, %lld matched); scan %.1f "
      "us/query, FAISS IndexBinaryMultiHash %.1f us/query (%lld queries); answers differ on %lld; peak RSS %.0f "
      "MiB\n",
      static_cast<long long>(n), radius, build, 1e6 * mih / static_cast<double>(m), static_cast<long long>(m),
      static_cast<long long>(matches), 1e6 * scan / static_cast<double>(scan_m),
      1e6 * faiss_time / static_cast<double>(scan_m), static_cast<long long>(scan_m), static_cast<long long>(disagree),
      PeakMiB());
  return disagree == 0 ? 0 : 1;
}
