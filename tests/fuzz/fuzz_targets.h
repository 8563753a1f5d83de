// The fuzz targets' bodies: each feeds one input to a real loader. A loader may
// refuse the input with InputError (the expected outcome, swallowed here); any
// other exception, crash, leak or hang is a bug. The libFuzzer entry points
// (fuzz_*.cc, built with COUNTERPOINT_FUZZ=ON) and the replay of the kept crashing
// inputs (tests/cpp/cli/fuzz_regression_test.cc) call the same functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace counterpoint::fuzz {

/// A scenario: the YAML text, then optionally a NUL byte and `--set` assignments, one a line.
void FuzzScenario(const uint8_t* data, size_t size);
/// An embeddings .npy file, read by ReadNpy.
void FuzzNpy(const uint8_t* data, size_t size);
/// An items CSV, loaded with LoadCatalogFiles next to a valid .npy with as many rows as the CSV has.
void FuzzItemsCsv(const uint8_t* data, size_t size);
/// A graph: the nodes CSV, a NUL byte, the edges CSV; loaded with LoadGraphCsv (every sink policy).
void FuzzGraphCsv(const uint8_t* data, size_t size);

/// A data-protection policy YAML, validated by privacy::ParsePolicy.
void FuzzPolicy(const uint8_t* data, size_t size);
/// A FAISS index factory string: refused by IndexFactoryProblem, or built over a fixed
/// 64-item catalog and searched.
void FuzzIndexFactory(const uint8_t* data, size_t size);
/// A fuzz target by its name ("scenario", "npy", "items_csv", "graph_csv", "policy", "index_factory").
using Target = void (*)(const uint8_t*, size_t);
struct NamedTarget {
  std::string name;
  Target run;
};
/// Every target, for the regression replay.
const std::vector<NamedTarget>& Targets();

}  // namespace counterpoint::fuzz
