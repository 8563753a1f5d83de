#include "graph/recfluence.h"

#include <map>
#include <sstream>

#include "graph/graph_loader.h"

namespace counterpoint {

namespace {

// the Ribeiro et al. label of a Tag cell ("A|B|..."), or Other
std::string RibeiroLabel(const std::string& tags) {
  std::stringstream ss(tags);
  std::string tag;
  std::string label = kOther;
  while (std::getline(ss, tag, '|')) {
    // the most extreme group wins if a channel carries several
    if (tag == "ManoelAltRight") return kAltRight;
    if (tag == "ManoelAltLite")
      label = kAltLite;
    else if (tag == "ManoelIDW" && label == kOther)
      label = kIdw;
  }
  return label;
}

}  // namespace

WatchNextGraph LoadRecfluence(const std::string& dir, SinkPolicy sinks) {
  const std::string channels_path = dir + "/Channels.csv";
  const std::string relations_path = dir + "/ChannelRelations.csv";
  const std::string seeds_path = dir + "/SeedChannels.csv";
  const CsvTable channels = ReadCsv(channels_path);
  const CsvTable relations = ReadCsv(relations_path);
  const CsvTable seeds = ReadCsv(seeds_path, '#');
  // labels by channel id (September 2019)
  std::map<std::string, std::string> label_of;
  const int seed_id = seeds.RequireColumn("Id"), seed_tag = seeds.RequireColumn("Tag");
  for (const auto& row : seeds.rows) label_of[row[seed_id]] = RibeiroLabel(row[seed_tag]);
  // channels: id, label, subscribers, views (November 2018)
  const int id_col = channels.RequireColumn("Id");
  const int subs_col = channels.RequireColumn("SubCount");
  const int views_col = channels.RequireColumn("ChannelVideoViews");
  const int title_col = channels.RequireColumn("Title");
  GraphInput in;
  std::map<std::string, int64_t> index;
  DiagnosticList errors;
  std::vector<double>& subscribers = in.attributes["subscribers"];
  std::vector<double>& views = in.attributes["views"];
  for (size_t r = 0; r < channels.rows.size(); ++r) {
    const std::string& id = channels.rows[r][id_col];
    if (!index.emplace(id, static_cast<int64_t>(in.ids.size())).second) {
      errors.Add(channels_path, channels.lines[r], id_col + 1, "duplicate channel id '" + id + "'");
      continue;
    }
    in.ids.push_back(id);
    in.names.push_back(channels.rows[r][title_col]);
    auto it = label_of.find(id);
    in.labels.push_back(it == label_of.end() ? kOther : it->second);
    subscribers.push_back(static_cast<double>(CsvDouble(channels, r, subs_col)));
    views.push_back(static_cast<double>(CsvDouble(channels, r, views_col)));
  }
  // edges weighted by Recommends
  std::vector<Diagnostic> warnings;
  AppendCsvEdges(relations, relations.RequireColumn("FromChannelId"), relations.RequireColumn("ChannelId"),
                 relations.RequireColumn("Recommends"), index, in, errors, warnings);
  errors.ThrowIfAny();
  return WatchNextGraph(std::move(in), sinks, dir + " (Recfluence 2018)", std::move(warnings));
}

}  // namespace counterpoint
