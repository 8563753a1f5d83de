// Metric rows of an arm run as the result's columns grow: arms may write different columns
// (an intervention, a platform), so the result's columns are their union.
#pragma once

#include <cstddef>
#include <cstdint>

#include "experiment/run_result.h"

namespace counterpoint {

/// steps x old_cols rows -> steps x (old_cols + 1): the new last column, which the run's arm
/// lacks, is `absent` for the steps it ran and NaN after.
void WidenRows(ArmRun& run, int64_t steps, size_t old_cols, double absent);

}  // namespace counterpoint
