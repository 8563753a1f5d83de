// Loader for the Recfluence 2018 YouTube channel recommendation graph
// (datasets/recfluence-2018, see its PROVENANCE.md).
#pragma once

#include <string>

#include "graph/watch_next_graph.h"

namespace counterpoint {

/// The dates that must accompany every result computed on this data.
inline constexpr const char* kRecfluenceDates =
    "graph: November 2018 (Recfluence a17fa63, 2018-11-09); labels: September 2019 "
    "(SeedChannels.csv, Recfluence 83ce6d9, 2019-09-15)";

/// The label groups of Ribeiro et al. (FAT* 2020) as they appear in the graph.
inline constexpr const char* kAltRight = "Alt-right";
inline constexpr const char* kAltLite = "Alt-lite";
inline constexpr const char* kIdw = "IDW";
inline constexpr const char* kOther = "Other";

/// Reads Channels.csv, ChannelRelations.csv and SeedChannels.csv from `dir`.
/// Nodes: channels (attributes subscribers, views); labels from the Manoel* tags
/// (Alt-right, Alt-lite, IDW, else Other); edges weighted by Recommends. Errors
/// name file:line (missing columns, dangling edges, bad weights).
WatchNextGraph LoadRecfluence(const std::string& dir, SinkPolicy sinks = SinkPolicy::kPrune);

}  // namespace counterpoint
