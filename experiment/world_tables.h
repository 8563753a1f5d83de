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

/// Every world run's preserved items (docs/crisis.md, "Preservation"): arm, replicate,
/// record, platform, upload, kind, minute (taken down and kept), until_minute (its retention
/// ends), released_minute (restored on appeal, -1: not), requests and granted.
std::string PreservationCsv(const RunResult& result);

/// Every world run's access log: arm, replicate, minute, authority, platform, upload, kind,
/// record (in the preservation table) and result (granted, released, expired).
std::string AccessLogCsv(const RunResult& result);

/// Every world run's transparency report: arm, replicate, platform, then TransparencyColumns()
/// (world/transparency.h; docs/crisis.md, "Transparency"); a median of nothing is empty.
std::string TransparencyCsv(const RunResult& result);

}  // namespace counterpoint
