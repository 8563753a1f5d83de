#include "experiment/world_tables.h"

#include <sstream>
#include <vector>

#include "core/io.h"
#include "embeddings/perceptual_hash.h"
#include "world/transparency.h"

namespace counterpoint {

std::string UploadsCsv(const RunResult& result) {
  std::ostringstream out;
  out << "arm,replicate,upload,platform,minute,kind,copy_kind,verified,parent,distance_to_parent,"
         "distance_to_original,hash_usable,outcome,channel,outcome_minute,minutes_to_outcome,restored_minute,news_hit,"
         "order_minute,views,match_platform,match_usable_minute,notice_minute,feedback_minute,notice_upheld,"
         "audio_usable,audio_distance_to_original,retry_of\n";
  for (const ArmRun& run : result.runs) {
    if (!run.world) continue;
    const WorldLog& log = *run.world;
    for (size_t i = 0; i < log.uploads.size(); ++i) {
      const UploadRecord& u = log.uploads[i];
      out << run.arm << ',' << run.replicate << ',' << i << ',' << log.platforms[u.platform] << ',' << u.minute << ','
          << UploadKindName(u.kind) << ',' << CopyKindName(static_cast<CopyKind>(u.copy_kind)) << ','
          << (u.verified ? 1 : 0) << ',' << u.parent << ',' << u.distance_to_parent << ',' << u.distance_to_original
          << ',' << (u.hash_usable ? 1 : 0) << ',' << UploadOutcomeName(u.outcome) << ','
          << RemovalChannelName(u.channel) << ',' << u.outcome_minute << ','
          << (u.outcome_minute >= 0 ? u.outcome_minute - u.minute : -1) << ',' << u.restored_minute << ','
          << (u.hit == UploadOutcome::kLive ? "" : UploadOutcomeName(u.hit)) << ',' << u.order_minute << ','
          << static_cast<int64_t>(u.views) << ',' << (u.match_platform >= 0 ? log.platforms[u.match_platform] : "")
          << ',' << u.match_usable_minute << ',' << u.notice_minute << ',' << u.feedback_minute << ','
          << (u.notice_upheld ? 1 : 0) << ',' << (u.audio_usable ? 1 : 0) << ',' << u.audio_distance_to_original << ','
          << u.retry_of << '\n';
    }
  }
  return out.str();
}

std::string OrdersCsv(const RunResult& result) {
  std::ostringstream out;
  out << "arm,replicate,order,authority,platform,upload,minute,deadline_minute,outcome_minute,met\n";
  for (const ArmRun& run : result.runs) {
    if (!run.world) continue;
    const WorldLog& log = *run.world;
    for (size_t k = 0; k < log.orders.size(); ++k) {
      const OrderRecord& o = log.orders[k];
      const UploadRecord& u = log.uploads[o.upload];
      out << run.arm << ',' << run.replicate << ',' << k << ',' << log.authorities[o.authority] << ','
          << log.platforms[u.platform] << ',' << o.upload << ',' << o.minute << ',' << o.deadline_minute << ','
          << u.outcome_minute << ',' << (OrderMet(o, u) ? 1 : 0) << '\n';
    }
  }
  return out.str();
}

std::string PreservationCsv(const RunResult& result) {
  std::ostringstream out;
  out << "arm,replicate,record,platform,upload,kind,minute,until_minute,released_minute,requests,granted,extended_"
         "minute\n";
  for (const ArmRun& run : result.runs) {
    if (!run.world) continue;
    const WorldLog& log = *run.world;
    std::vector<int64_t> requests(log.preserved.size(), 0), granted(log.preserved.size(), 0);
    for (const AccessRecord& a : log.accesses) {
      requests[a.record] += 1;
      if (a.result == AccessResult::kGranted) granted[a.record] += 1;
    }
    for (size_t k = 0; k < log.preserved.size(); ++k) {
      const PreservedRecord& r = log.preserved[k];
      const UploadRecord& u = log.uploads[r.upload];
      out << run.arm << ',' << run.replicate << ',' << k << ',' << log.platforms[u.platform] << ',' << r.upload << ','
          << UploadKindName(u.kind) << ',' << r.minute << ',' << r.until_minute << ',' << r.released_minute << ','
          << requests[k] << ',' << granted[k] << ',' << r.extended_minute << '\n';
    }
  }
  return out.str();
}

std::string AccessLogCsv(const RunResult& result) {
  std::ostringstream out;
  out << "arm,replicate,minute,authority,platform,upload,kind,record,result\n";
  for (const ArmRun& run : result.runs) {
    if (!run.world) continue;
    const WorldLog& log = *run.world;
    for (const AccessRecord& a : log.accesses) {
      const PreservedRecord& r = log.preserved[a.record];
      const UploadRecord& u = log.uploads[r.upload];
      out << run.arm << ',' << run.replicate << ',' << a.minute << ',' << log.authorities[a.authority] << ','
          << log.platforms[u.platform] << ',' << r.upload << ',' << UploadKindName(u.kind) << ',' << a.record << ','
          << AccessResultName(a.result) << '\n';
    }
  }
  return out.str();
}

std::string TransparencyCsv(const RunResult& result) {
  std::ostringstream out;
  out << "arm,replicate,platform";
  for (const TransparencyColumn& c : TransparencyColumns()) out << ',' << c.name;
  out << '\n';
  for (const ArmRun& run : result.runs) {
    if (!run.world) continue;
    const auto rows = TransparencyReport(*run.world);
    for (size_t p = 0; p < rows.size(); ++p) {
      out << run.arm << ',' << run.replicate << ',' << run.world->platforms[p];
      for (const double v : rows[p]) out << ',' << CsvNumber(v);
      out << '\n';
    }
  }
  return out.str();
}

}  // namespace counterpoint
