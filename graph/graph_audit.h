// Graph audits: every confinement metric, journeys and interventions on one
// watch-next graph, configured from a YAML audit scenario or from CLI flags.
//
// Used by `counterpoint audit` and `counterpoint rewire` (docs/graph.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "graph/audit_config.h"
#include "graph/watch_next_graph.h"

namespace counterpoint {

/// Every metric: segregation, truncated radius, reach within k (from the start
/// distribution and by start group), label flow, bot and user journeys with Monte
/// Carlo estimates next to the exact values. `text` receives the printed report.
nlohmann::json RunAudit(const AuditConfig& config, const WatchNextGraph& graph, std::string& text);

/// Greedy rewiring trajectory (max and mean segregation after 0..budget operations)
/// for each harmful set, plus bubble-radius link insertion and, if a budget is set,
/// counter-narrative links.
nlohmann::json RunRewire(const AuditConfig& config, const WatchNextGraph& graph, std::string& text);

/// JSON number, or the string "inf" for infinite values (JSON has no infinity).
nlohmann::json JsonNumber(double x);

}  // namespace counterpoint
