// The FAISS index_factory strings counterpoint accepts, checked before FAISS sees them:
// FAISS 1.7.3 divides by, loops on or allocates by some of their numbers unchecked
// (HNSW0 and PQ0 crash it, IVF0 fails at the first search, IVF2000000000 allocates two
// billion lists; OPQ trains for minutes on a small catalog). The accepted forms:
//   Flat | HNSWm | PQm[xb][np] | SQ4 | SQ6 | SQ8 | SQfp16
//   | IVFn[_HNSWm],(Flat | PQm[xb][np] | SQ4 | SQ6 | SQ8 | SQfp16)
#pragma once

#include <cstdint>
#include <string>

namespace counterpoint {

/// What is wrong with `factory` and how to fix it, or "" if it is accepted. `dim` and
/// `n_items` (<= 0 when not known yet, at scenario load) bound the numbers that depend on
/// them: IVF lists at most n_items, PQ sub-quantizers dividing the dimension.
std::string IndexFactoryProblem(const std::string& factory, int64_t dim, int64_t n_items);

/// The accepted forms, for messages and docs.
const char* IndexFactoryForms();

}  // namespace counterpoint
