// Each platform's transparency report for the incident (docs/crisis.md, "Transparency"),
// recounted from the upload log alone: what was removed and through which channel, how
// fast, the removal orders and trusted flaggers' notices received and answered, and the
// news reports removed by mistake and restored. The figures a regulation's transparency
// obligations name (e.g. the EU's Regulation 2021/784, Art. 7, on terrorist content
// online: removals, orders, appeals and restorations), per platform.
#pragma once

#include <string>
#include <vector>

#include "world/world_log.h"

namespace counterpoint {

/// The report's columns, in order, each with its definition (docs/crisis.md lists them).
struct TransparencyColumn {
  const char* name;
  const char* definition;
};
const std::vector<TransparencyColumn>& TransparencyColumns();

/// One row per platform of `log` (in the log's platform order): TransparencyColumns()'s values.
/// A median of nothing is NaN.
std::vector<std::vector<double>> TransparencyReport(const WorldLog& log);

}  // namespace counterpoint
