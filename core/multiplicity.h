// Multiplicity: when one arm is compared with its control on m metrics, some differences
// look significant by chance. Holm's step-down adjustment controls the family-wise error
// rate (Holm, "A simple sequentially rejective multiple test procedure", Scandinavian
// Journal of Statistics 1979); Bonferroni's intervals at level 1 − α/m are simultaneous
// (docs/interventions.md, "Reading an A/B comparison").
#pragma once

#include <span>
#include <vector>

namespace counterpoint {

/// Holm-adjusted p-values, in the input's order: with the m defined p-values sorted
/// ascending, p_(i) becomes max_{j<=i} min(1, (m − j + 1) p_(j)). NaN entries stay NaN
/// and do not count in m.
std::vector<double> HolmAdjust(std::span<const double> p);

/// The number of defined (not NaN) p-values: the m of a Bonferroni interval's level 1 − α/m.
int DefinedCount(std::span<const double> p);

}  // namespace counterpoint
