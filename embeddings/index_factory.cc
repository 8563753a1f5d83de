#include "embeddings/index_factory.h"

#include <algorithm>
#include <vector>

namespace counterpoint {

namespace {

constexpr int64_t kMaxNumber = 100000000;  // no structural number of an index is larger
constexpr int64_t kMaxHnswDegree = 512;
constexpr int64_t kMaxPqBits = 16;

// reads the digits at s[pos...] into `out` (saturating past kMaxNumber); false if none
bool Number(const std::string& s, size_t& pos, int64_t& out) {
  const size_t start = pos;
  out = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    out = std::min<int64_t>(out * 10 + (s[pos] - '0'), kMaxNumber + 1);
    ++pos;
  }
  return pos > start;
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

struct Checker {
  const std::string& factory;
  int64_t dim, n_items;
  std::string problem;

  bool Fail(const std::string& why) { return FailWhole("'" + factory + "': " + why); }
  bool FailWhole(const std::string& message) {
    if (problem.empty()) problem = message;
    return false;
  }

  // "PREFIX<number>" from part[pos]: the number in [lo, hi], named `what`
  bool NumberAt(const std::string& part, size_t& pos, int64_t lo, int64_t hi, const std::string& what, int64_t& out) {
    if (!Number(part, pos, out)) return Fail("'" + part + "' needs its " + what + " as a number");
    if (out < lo) return Fail("the " + what + " in '" + part + "' must be at least " + std::to_string(lo));
    if (out > hi) return Fail("the " + what + " in '" + part + "' must be at most " + std::to_string(hi));
    return true;
  }

  // PQm[xb][np] over vectors of dimension d (0: unknown)
  bool Pq(const std::string& part, int64_t d) {
    size_t pos = 2;
    int64_t m = 0, bits = 8;
    if (!NumberAt(part, pos, 1, kMaxNumber, "number of sub-quantizers", m)) return false;
    if (pos < part.size() && part[pos] == 'x') {
      ++pos;
      if (!NumberAt(part, pos, 1, kMaxPqBits, "bits per sub-quantizer code", bits)) return false;
    }
    if (part.compare(pos, std::string::npos, "np") == 0) pos += 2;
    if (pos != part.size()) return Fail("'" + part + "' is not of the form PQm, PQmxb or PQmxbnp (e.g. PQ8, PQ8x4np)");
    if (d > 0 && (m > d || d % m != 0))
      return Fail("'" + part + "' splits vectors of dimension " + std::to_string(d) + " into " + std::to_string(m) +
                  " sub-vectors; the number of sub-quantizers must divide the dimension");
    return true;
  }

  bool Encoding(const std::string& part, int64_t d) {
    if (part == "Flat" || part == "SQ4" || part == "SQ6" || part == "SQ8" || part == "SQfp16") return true;
    if (StartsWith(part, "PQ")) return Pq(part, d);
    return Fail("'" + part + "' is not an encoding counterpoint accepts (Flat, PQm[xb][np], SQ4, SQ6, SQ8, SQfp16)");
  }

  bool Hnsw(const std::string& part, size_t& pos) {
    int64_t m = 0;
    return NumberAt(part, pos, 2, kMaxHnswDegree, "graph degree M", m);
  }

  bool Check() {
    if (factory.empty()) return Fail("empty; give one of " + std::string(IndexFactoryForms()));
    if (factory.size() > 200) return Fail("longer than any index description (200 characters)");
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t comma = factory.find(',', start);
      parts.push_back(factory.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    const size_t i = 0;
    const int64_t d = dim;
    const std::string& main = parts[i];
    const size_t rest = parts.size() - i - 1;  // parts after the main one
    if (StartsWith(main, "IVF")) {
      size_t pos = 3;
      int64_t lists = 0;
      if (!NumberAt(main, pos, 1, kMaxNumber, "number of lists", lists)) return false;
      if (main.compare(pos, 5, "_HNSW") == 0) {
        pos += 5;
        if (!Hnsw(main, pos)) return false;
      }
      if (pos != main.size()) return Fail("'" + main + "' is not of the form IVFn or IVFn_HNSWm (e.g. IVF256)");
      if (n_items > 0 && lists > n_items)
        return FailWhole("'" + factory + "' has " + std::to_string(lists) + " lists but the catalog has only " +
                         std::to_string(n_items) + " items; use fewer lists (about sqrt(n_items)) or Flat");
      if (rest != 1) return Fail("an IVF index needs one encoding after it (e.g. IVF256,Flat or IVF256,SQ8)");
      return Encoding(parts[i + 1], d);
    }
    const bool known = main == "Flat" || StartsWith(main, "HNSW") || StartsWith(main, "PQ") || StartsWith(main, "SQ");
    if (!known) return Fail("'" + main + "' is not an index counterpoint accepts; accepted: " + IndexFactoryForms());
    if (rest != 0) return Fail("'" + parts[i + 1] + "' cannot follow '" + main + "'; accepted: " + IndexFactoryForms());
    if (StartsWith(main, "HNSW")) {
      size_t pos = 4;
      if (!Hnsw(main, pos)) return false;
      if (pos != main.size()) return Fail("'" + main + "' is not of the form HNSWm (e.g. HNSW32)");
      return true;
    }
    return Encoding(main, d);
  }
};

}  // namespace

const char* IndexFactoryForms() {
  return "Flat, HNSWm, PQm[xb][np], SQ4/SQ6/SQ8/SQfp16, or IVFn[_HNSWm] followed by "
         "one of Flat, PQm[xb][np], SQ4/SQ6/SQ8/SQfp16 (e.g. Flat, IVF256,Flat, IVF1024,SQ8, HNSW32)";
}

std::string IndexFactoryProblem(const std::string& factory, int64_t dim, int64_t n_items) {
  Checker c{factory, dim, n_items, ""};
  c.Check();
  return c.problem;
}

}  // namespace counterpoint
