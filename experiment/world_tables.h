// The tables a world of platforms writes (docs/crisis.md): every upload and what became of
// it (uploads.csv), every removal order (orders.csv), and each platform's transparency
// report (transparency.csv).
#pragma once

#include <string>

#include "experiment/run_result.h"

namespace counterpoint {

/// Every world run's uploads: arm, replicate, id, platform, kind, ... (docs/crisis.md, "uploads.csv").
std::string UploadsCsv(const RunResult& result);

/// Every world run's removal orders: arm, replicate, order, authority, platform, upload,
/// minute (receipt), deadline_minute, outcome_minute (the upload's removal, -1: none) and
/// met (1: removed by the deadline) (docs/crisis.md, "orders.csv").
std::string OrdersCsv(const RunResult& result);

/// Every world run's transparency report: arm, replicate, platform, then TransparencyColumns()
/// (world/transparency.h; docs/crisis.md, "Transparency"); a median of nothing is empty.
std::string TransparencyCsv(const RunResult& result);

}  // namespace counterpoint
