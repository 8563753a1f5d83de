// Perceptual-hash codes of items (PDQ-like, 256 bits): how a copy's code derives from
// its source's (docs/interventions.md, "Uploads, re-uploads and hash_sharing"). The
// database that matches uploads against shared codes: embeddings/hash_database.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embeddings/catalog.h"

namespace counterpoint {

inline constexpr int kHashBits = 256;
inline constexpr int kHashBytes = kHashBits / 8;

/// Hamming distance between two 256-bit codes.
int HammingDistance(const uint8_t* a, const uint8_t* b);

/// Writes item's random code: 256 Philox bits keyed by (seed, item).
void RandomHash(uint64_t seed, int64_t item, uint8_t* code);

/// Flips exactly `n_flips` distinct bits of `code`, chosen uniformly (a partial
/// Fisher-Yates shuffle keyed by (seed, item)).
void FlipBits(uint64_t seed, int64_t item, int n_flips, uint8_t* code);

/// How a code is derived from another's. A copy of an item (Catalog::parent) is one of
/// four kinds of transformation, each flipping every bit independently with its own
/// rate (so its distance to the parent is Binomial(256, rate)): a re-encode (format,
/// quality, size), a crop, an overlay (logo, caption, watermark) or a re-cut (the rest
/// of the shares). A share of the news reports excerpt an extremist item of their topic
/// (footage shown in a report): their code is that item's with news_excerpt_flip_rate.
/// The rates are assumptions (docs/interventions.md, "Perceptual hashes").
struct HashPerturbation {
  double reencode_share = 0.5, reencode_flip_rate = 0.03;  ///< about 8 bits
  double crop_share = 0.2, crop_flip_rate = 0.10;          ///< about 26 bits
  double overlay_share = 0.15, overlay_flip_rate = 0.14;   ///< about 36 bits
  double recut_flip_rate = 0.30;                           ///< about 77 bits; share 1 - the others
  double news_excerpt_share = 0.2;                         ///< of the news reports
  double news_excerpt_flip_rate = 0.10;
};

enum class CopyKind : uint8_t { kOriginal, kReencode, kCrop, kOverlay, kRecut, kNewsExcerpt };
const char* CopyKindName(CopyKind k);

/// How each item's code came about: its kind and the item it derives from (-1 for an original).
struct HashOrigin {
  CopyKind kind = CopyKind::kOriginal;
  int64_t source = -1;
};

/// Each item's origin: a copy's kind drawn by the shares (keyed by (seed, item)); a news
/// report excerpts, with probability news_excerpt_share, an extremist original of its
/// topic (any topic if its own has none) drawn uniformly.
std::vector<HashOrigin> HashOrigins(const Catalog& catalog, uint64_t seed, const HashPerturbation& p);

/// The per-bit flip rate of a kind (0 for an original).
double FlipRate(CopyKind kind, const HashPerturbation& p);

/// Flips each bit of `code` independently with probability `rate` (keyed by (seed, item)).
/// Returns the number of bits flipped.
int FlipBitsAtRate(uint64_t seed, int64_t item, double rate, uint8_t* code);

/// Codes of every item, n x kHashBytes row-major: an original gets a random code; an
/// item with a source gets the source's code with FlipBitsAtRate. Unrelated items are
/// independent, so two of them match within d bits with probability
/// P(Binomial(256, 1/2) <= d).
std::vector<uint8_t> CatalogHashes(const Catalog& catalog, uint64_t seed, const HashPerturbation& p);

/// Throws InputError naming `where` if the copy kinds' shares exceed 1.
void ValidatePerturbation(const HashPerturbation& p, const std::string& where);

}  // namespace counterpoint
