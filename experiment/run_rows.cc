#include "experiment/run_rows.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace counterpoint {

void WidenRows(ArmRun& run, int64_t steps, size_t old_cols, double absent) {
  std::vector<double> wide(steps * (old_cols + 1), std::nan(""));
  for (int64_t t = 0; t < steps; ++t) {
    std::copy_n(run.rows.begin() + t * old_cols, old_cols, wide.begin() + t * (old_cols + 1));
    if (t < run.Steps(steps)) wide[t * (old_cols + 1) + old_cols] = absent;
  }
  run.rows = std::move(wide);
}

}  // namespace counterpoint
