#include "world/world_config.h"

#include <cmath>
#include <set>

#include "core/component_choice.h"
#include "world/world_spec.h"

namespace counterpoint {

const char* DatabaseAccessName(DatabaseAccess a) {
  switch (a) {
    case DatabaseAccess::kMember:
      return "member";
    case DatabaseAccess::kIntermediary:
      return "intermediary";
    case DatabaseAccess::kNone:
      return "none";
  }
  return "none";
}

namespace {
// people_from names an earlier platform whose audience is the same scenario, seen by people
// who stand for as many (docs/crisis.md, "People on several platforms")
void CheckSharedPeople(const WorldConfig& w, const std::string& where, DiagnosticList& diags) {
  for (size_t i = 0; i < w.platforms.size(); ++i) {
    const PlatformConfig& c = w.platforms[i];
    const Params& p = w.blocks.platforms[i];
    const std::string at = where + ".platforms[" + std::to_string(i) + "]";
    auto fail = [&](const char* key, const std::string& why) {
      const SourceLocation loc = p.Where(key);
      diags.Add(loc.file, loc.line, loc.column, at + "." + key + ": " + why);
    };
    if (c.people_from.empty()) {
      if (p.WasSet("people_overlap") && !c.audience_scenario.empty())
        fail("people_overlap", "says whose users these are also only with people_from; give people_from too");
      continue;
    }
    if (c.audience_scenario.empty()) continue;  // reported above
    const int q = w.Platform(c.people_from);
    if (q < 0 || q >= static_cast<int>(i)) {
      fail("people_from", "'" + c.people_from +
                              "' is not a platform listed before this one; name an earlier platform with a "
                              "simulated audience (its audience steps first, and this one's people follow it)");
      continue;
    }
    const PlatformConfig& from = w.platforms[q];
    if (from.audience_scenario.empty() || !from.people_from.empty()) {
      fail("people_from", "platform '" + from.name +
                              (from.audience_scenario.empty() ? "' has no simulated audience"
                                                              : "' takes its people from another platform") +
                              "; name a platform whose audience is its own");
    } else if (from.audience_scenario != c.audience_scenario) {
      fail("people_from", "platform '" + from.name + "' runs audience_scenario '" + from.audience_scenario +
                              "' and this one '" + c.audience_scenario +
                              "'; people shared between audiences need the same scenario (the same catalog and "
                              "the same kind of users): give both the same audience_scenario");
    } else if (from.viewers_per_user != c.viewers_per_user) {
      fail("people_from", "platform '" + from.name + "' has viewers_per_user " + std::to_string(from.viewers_per_user) +
                              " and this one " + std::to_string(c.viewers_per_user) +
                              "; a shared user stands for the same people on both: give both the same value");
    }
  }
}
}  // namespace

int WorldConfig::Platform(const std::string& name) const {
  for (size_t p = 0; p < platforms.size(); ++p)
    if (platforms[p].name == name) return static_cast<int>(p);
  return -1;
}

namespace {

const std::set<std::string> kWorldBlocks = {"platforms", "incident",       "hash_database",    "emergency_protocol",
                                            "news",      "removal_orders", "trusted_flaggers", "preservation"};

ComponentSpec TopSpec() {
  return {"A world of platforms stepping in lockstep (docs/crisis.md).",
          {IntParam("minutes_per_step", 1, "minutes one step stands for (1 to 5)", 1, 5)}};
}

ComponentSpec PlatformSpec() {
  return {
      "One platform of the world.",
      {RequiredString("name", "the platform's name (letters, digits, _), used in column names: uploads@<name>"),
       DoubleParam("upload_share", 0, "share of the incident's re-uploads that go to this platform", 0, 1),
       DoubleParam("news_share", 0, "share of the news reports uploaded to this platform", 0, 1),
       BoolParam("hash_screening", true,
                 "matches every upload against the hashes it holds: its own removals' and the shared ones "
                 "its access allows"),
       StringParam("database_access", "none", "access to the shared hash database", {"member", "intermediary", "none"}),
       BoolParam("contributes", false, "adds the hashes of its removals to the shared database"),
       DoubleParam("upload_classifier_recall", 0, "attack copies a classifier blocks at upload", 0, 1),
       DoubleParam("upload_classifier_news_fpr", 0, "news reports that classifier blocks at upload", 0, 1),
       DoubleParam("classifier_recall", 0, "live attack copies a classifier flags for review later", 0, 1),
       IntParam("classifier_delay_minutes", 0, "minutes from upload to that flag", 0, 1e7),
       IntParam("review_capacity", 0, "flagged items its reviewers decide per minute", 0, 1e9),
       DoubleParam("reviewer_miss", 0, "an attack copy reviewed and kept (reviewer error)", 0, 1),
       DoubleParam("reviewer_false_removal", 0, "a news report reviewed and removed (reviewer error)", 0, 1),
       DoubleParam("views_per_minute", 0, "mean views of a new live copy per minute", 0, 1e9),
       DoubleParam("view_half_life_minutes", 60, "a copy's views per minute halve every this many minutes", 1e-3, 1e9),
       DoubleParam("report_probability", 0, "a view of an attack copy whose viewer reports it", 0, 1),
       BoolParam("rescan", false,
                 "re-scans its live items against each hash as it becomes usable to it, not only new uploads"),
       BoolParam("audio_matching", false,
                 "also matches each upload's soundtrack hash against the soundtrack hashes of what it holds "
                 "(survives visual edits)"),
       StringParam("audience_scenario", "",
                   "its audience as a full simulation: a single-platform scenario (path relative to this one, or "
                   "a shipped name) whose recommender decides who sees each live copy; empty: views_per_minute"),
       StringParam("audience_arm", "", "the audience scenario's arm to run (empty: its first)"),
       DoubleParam("viewers_per_user", 1, "people each simulated user of the audience stands for", 1e-9, 1e12),
       StringParam("people_from", "",
                   "an earlier platform whose simulated audience shares people with this one's (the same "
                   "audience_scenario): people_overlap of this audience's users hold accounts there too"),
       DoubleParam("people_overlap", 0,
                   "the share of this audience's users who are also users of people_from's audience: one "
                   "person, one interest, drifting with what they click on either platform",
                   0, 1)}};
}

ComponentSpec IncidentSpec() {
  const HashPerturbation d;
  return {"The attack and its copies.",
          {RequiredString("origin", "the platform carrying the live stream"),
           IntParam("live_minutes", 17, "the stream's length in minutes", 1, 1e6),
           DoubleParam("live_views_per_minute", 10, "views of the stream while live", 0, 1e9),
           DoubleParam("replay_views_per_minute", 0,
                       "views of its recording on the origin after the stream, until removed", 0, 1e9),
           IntParam("first_report_minute", 29, "the first user report of the stream, minutes after it began", 0, 1e7),
           IntParam("reuploads_start_minute", 30, "minute re-uploads begin", 0, 1e7),
           DoubleParam("uploads_per_minute", 0, "peak rate of re-upload attempts over all platforms", 0, 1e6),
           DoubleParam("ramp_minutes", 60, "the rate rises linearly to its peak over this many minutes", 0, 1e7),
           DoubleParam("decay_hours", 6, "then falls as exp(-hours / decay_hours)", 1e-3, 1e6),
           DoubleParam("source_weight", 100,
                       "weight of the off-platform recording as a re-upload's source, in views (each copy weighs "
                       "its views so far)",
                       0, 1e12),
           DoubleParam("edit_probability", 0.05, "a re-upload that edits its source (crop, overlay, re-cut)", 0, 1),
           DoubleParam("low_quality_share", 0,
                       "copies whose hash is unusable (too dark, blurred or small: PDQ discards quality <= 49); "
                       "they are never matched or shared",
                       0, 1),
           DoubleParam("reencode_flip_rate", d.reencode_flip_rate, "per-bit flip rate of a re-encode", 0, 0.5),
           DoubleParam("crop_share", 0.4, "share of edits that crop", 0, 1),
           DoubleParam("crop_flip_rate", d.crop_flip_rate, "per-bit flip rate of a crop", 0, 0.5),
           DoubleParam("overlay_share", 0.3, "share of edits that overlay (logo, caption)", 0, 1),
           DoubleParam("overlay_flip_rate", d.overlay_flip_rate, "per-bit flip rate of an overlay", 0, 0.5),
           DoubleParam("recut_flip_rate", d.recut_flip_rate, "per-bit flip rate of a re-cut (the rest of the edits)", 0,
                       0.5),
           DoubleParam("audio_flip_rate", 0.03,
                       "per-bit flip rate of the soundtrack's hash in a re-encode, crop or overlay (the soundtrack is "
                       "carried over)",
                       0, 0.5),
           DoubleParam("recut_audio_flip_rate", 0.30, "per-bit flip rate of the soundtrack's hash in a re-cut", 0, 0.5),
           DoubleParam(
               "muted_share", 0,
               "copies whose soundtrack is removed or replaced (music): no soundtrack hash, nor in their copies", 0, 1),
           IntParam("reencode_fragile_bits", 0,
                    "a re-encode re-draws this many fragile bits of its content's hash and keeps the rest (no drift "
                    "along chains of re-encodes); 0: it flips every bit with reencode_flip_rate",
                    0, 128),
           IntParam("audio_fragile_bits", 0,
                    "a re-encode, crop or overlay re-draws this many fragile bits of its sound's soundtrack hash and "
                    "keeps the rest (no drift); 0: it flips every bit with audio_flip_rate",
                    0, 128),
           DoubleParam("retry_probability", 0,
                       "an uploader whose copy is blocked at upload tries again on another platform where they hold an "
                       "account and have not tried (0: nobody retries)",
                       0, 1),
           IntParam("retry_delay_minutes", 10, "minutes from the block to the retry", 0, 1e7),
           DoubleParam("account_overlap", 0.5, "the chance an uploader holds an account on each other platform", 0, 1),
           IntParam("max_retries", 3, "tries after the first, per uploader and copy", 0, 64)}};
}

ComponentSpec DatabaseSpec() {
  return {
      "The shared hash database.",
      {IntParam("radius", 31, "Hamming distance on 256 bits at most to match (PDQ recommends 31)", 0, 256),
       IntParam("contribution_delay_minutes", 60, "minutes before a contributed hash is usable by members", 0, 1e7),
       IntParam("intermediary_delay_minutes", 1440,
                "further minutes before platforms with intermediary access can use it", 0, 1e7),
       IntParam("background_hashes", 0, "unrelated hashes already held, searched on every query", 0, 1e8),
       IntParam("audio_radius", 31, "Hamming distance on the soundtrack hash's 256 bits at most to match", 0, 256)}};
}

ComponentSpec ProtocolSpec() {
  return {"The emergency protocol.",
          {BoolParam("enabled", false, "whether it can be activated"),
           StringParam("trigger", "first_removal",
                       "first_removal: the first removal of an attack copy by a member; minute: at at_minute",
                       {"first_removal", "minute"}),
           IntParam("at_minute", 0, "activation minute with trigger: minute", 0, 1e7),
           IntParam("radius", 31, "match radius while active", 0, 256),
           DoubleParam("review_capacity_factor", 1, "review capacity multiplied while active", 0, 1e6),
           BoolParam("news_safeguard", true,
                     "while active, uploads from verified news accounts that would be blocked go to human review")}};
}

ComponentSpec NewsSpec() {
  return {
      "News reports about the attack.",
      {DoubleParam("uploads_per_minute", 0, "peak rate of news reports over all platforms", 0, 1e6),
       DoubleParam("decay_hours", 12, "the rate falls as exp(-hours / decay_hours) from the stream's start", 1e-3, 1e6),
       DoubleParam("excerpt_share", 0.3, "reports that show footage of the attack", 0, 1),
       DoubleParam("excerpt_flip_rate", 0.10, "per-bit flip rate from the footage to the report's hash", 0, 0.5),
       DoubleParam("voiceover_share", 0.5,
                   "excerpts whose soundtrack is a reporter's voice (a soundtrack hash unrelated to the footage's)", 0,
                   1),
       DoubleParam("verified_share", 0.5, "reports from verified news accounts", 0, 1),
       DoubleParam("appeal_probability", 0.8, "a wrongly blocked or removed report restored on appeal", 0, 1),
       IntParam("appeal_minutes", 240, "minutes from the block or removal to the restoration", 0, 1e7)}};
}

ComponentSpec OrdersSpec() {
  return {"Removal orders from authorities.",
          {DoubleParam("find_rate_per_minute", 0,
                       "rate at which authorities find a live attack copy and order it removed", 0, 1),
           IntParam("deadline_minutes", 60, "minutes from an order's receipt to its deadline", 1, 1e7)}};
}

ComponentSpec AuthoritySpec() {
  return {
      "One more authority sending removal orders (its orders compete with the others' for review).",
      {RequiredString("name", "the authority's name (letters, digits, _), in orders.csv"),
       DoubleParam("find_rate_per_minute", 0, "rate at which it finds a live attack copy and orders it removed", 0, 1),
       IntParam("deadline_minutes", 60, "minutes from its order's receipt to the deadline", 1, 1e7)}};
}

ComponentSpec FlaggersSpec() {
  return {"Trusted flaggers' notices, assessed before users' reports, each with feedback.",
          {DoubleParam("find_rate_per_minute", 0,
                       "rate at which trusted flaggers notice a live attack copy and notify it", 0, 1),
           DoubleParam("news_rate_per_minute", 0,
                       "rate at which they notify a live news report showing footage (in error)", 0, 1)}};
}

ComponentSpec PreservationSpec() {
  return {"Removed content kept for law enforcement, and authorities' requests for it (the access log).",
          {DoubleParam("retention_days", 180,
                       "days a blocked or removed item is kept, never shown (Regulation 2021/784, Art. 6: six months)",
                       1.0 / 1440, 36500),
           DoubleParam("access_rate_per_day", 0,
                       "rate per day at which each authority that looks at a platform requests a kept item", 0, 1440),
           DoubleParam("extension_probability", 0,
                       "an authority granted an item asks that it be kept longer, for proceedings (Art. 6(2))", 0, 1),
           DoubleParam("extension_days", 180, "days an extension keeps the item after the request that asked it",
                       1.0 / 1440, 36500)}};
}

DatabaseAccess AccessFrom(const std::string& s) {
  if (s == "member") return DatabaseAccess::kMember;
  if (s == "intermediary") return DatabaseAccess::kIntermediary;
  return DatabaseAccess::kNone;
}

bool IsName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// "no platform 'NAME'; name one of a, b" for a name that is not one of w's platforms
std::string NoSuchPlatform(const WorldConfig& w, const std::string& name) {
  std::vector<std::string> valid;
  for (const auto& p : w.platforms) valid.push_back(p.name);
  return "no platform '" + name + "'; name one of " + JoinNames(valid);
}

// the platform names of a list node, by element
std::string ElementName(const YAML::Node& e) {
  return e.IsMap() && e["name"] && e["name"].IsScalar() ? e["name"].Scalar() : "";
}

}  // namespace

const ComponentSpec& WorldSpec() {
  static const ComponentSpec spec = TopSpec();
  return spec;
}

const std::vector<std::pair<std::string, ComponentSpec>>& WorldBlockSpecs() {
  static const std::vector<std::pair<std::string, ComponentSpec>> specs = {
      {"world", TopSpec()},
      {"world.platforms[i]", PlatformSpec()},
      {"world.incident", IncidentSpec()},
      {"world.hash_database", DatabaseSpec()},
      {"world.emergency_protocol", ProtocolSpec()},
      {"world.news", NewsSpec()},
      {"world.removal_orders", OrdersSpec()},
      {"world.removal_orders.authorities[i]", AuthoritySpec()},
      {"world.trusted_flaggers", FlaggersSpec()},
      {"world.preservation", PreservationSpec()}};
  return specs;
}

YAML::Node MergeWorld(const YAML::Node& base, const YAML::Node& arm) {
  if (!arm || arm.IsNull()) return base;
  if (!base || base.IsNull() || !base.IsMap() || !arm.IsMap()) return arm;
  YAML::Node merged(YAML::NodeType::Map);
  for (auto it = base.begin(); it != base.end(); ++it) merged[it->first.Scalar()] = it->second;
  for (auto it = arm.begin(); it != arm.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node b = base[key];
    if (key == "platforms" && b && b.IsSequence() && it->second.IsSequence()) {
      YAML::Node list(YAML::NodeType::Sequence);
      std::set<std::string> overridden;
      const YAML::Node over = it->second;
      for (size_t i = 0; i < b.size(); ++i) {
        // (a YAML::Node assigned to is the node it refers to: never assign over one that
        // refers into `base`; each element is built once)
        const YAML::Node e = b[i];
        size_t match = over.size();
        for (size_t j = 0; j < over.size(); ++j)
          if (!ElementName(over[j]).empty() && ElementName(over[j]) == ElementName(e)) match = j;
        if (match < over.size()) overridden.insert(ElementName(e));
        list.push_back(match < over.size() ? MergeWorld(e, over[match]) : e);
      }
      for (size_t j = 0; j < over.size(); ++j)
        if (!overridden.count(ElementName(over[j]))) list.push_back(over[j]);
      merged[key] = list;
    } else if (b && b.IsMap() && it->second.IsMap()) {
      merged[key] = MergeWorld(b, it->second);
    } else {
      merged[key] = it->second;
    }
  }
  return merged;
}

WorldConfig ValidateWorld(const YAML::Node& node, const std::string& file, const std::string& where,
                          DiagnosticList& diags) {
  WorldConfig w;
  const Params top = ValidateBlock(node, TopSpec(), file, where, diags, kWorldBlocks);
  w.minutes_per_step = top.Int("minutes_per_step");
  w.blocks.world = top;
  const bool is_map = node && node.IsMap();
  const YAML::Node none;
  auto block = [&](const char* key) { return is_map ? node[key] : none; };

  const YAML::Node platforms = block("platforms");
  if (!platforms || !platforms.IsSequence() || platforms.size() == 0) {
    AddDiagnosticAt(diags, platforms ? platforms : node, file,
                    where + ".platforms: expected a non-empty list of platforms, each with a name");
  } else {
    std::set<std::string> names;
    for (size_t i = 0; i < platforms.size(); ++i) {
      const std::string at = where + ".platforms[" + std::to_string(i) + "]";
      const Params p = ValidateBlock(platforms[i], PlatformSpec(), file, at, diags);
      PlatformConfig c;
      c.name = p.String("name");
      const SourceLocation nloc = p.Where("name");
      if (!c.name.empty() && !IsName(c.name))
        diags.Add(nloc.file, nloc.line, nloc.column,
                  at + ".name: '" + c.name + "' is not a name; use letters, digits and _ (it names metric columns)");
      else if (!c.name.empty() && !names.insert(c.name).second)
        diags.Add(nloc.file, nloc.line, nloc.column, at + ": duplicate platform name '" + c.name + "'");
      c.upload_share = p.Double("upload_share");
      c.news_share = p.Double("news_share");
      c.hash_screening = p.Bool("hash_screening");
      c.access = AccessFrom(p.String("database_access"));
      c.contributes = p.Bool("contributes");
      c.upload_classifier_recall = p.Double("upload_classifier_recall");
      c.upload_classifier_news_fpr = p.Double("upload_classifier_news_fpr");
      c.classifier_recall = p.Double("classifier_recall");
      c.classifier_delay_minutes = p.Int("classifier_delay_minutes");
      c.review_capacity = p.Int("review_capacity");
      c.reviewer_miss = p.Double("reviewer_miss");
      c.reviewer_false_removal = p.Double("reviewer_false_removal");
      c.views_per_minute = p.Double("views_per_minute");
      c.view_half_life_minutes = p.Double("view_half_life_minutes");
      c.report_probability = p.Double("report_probability");
      c.rescan = p.Bool("rescan");
      c.audio_matching = p.Bool("audio_matching");
      c.audience_scenario = p.String("audience_scenario");
      c.audience_arm = p.String("audience_arm");
      c.viewers_per_user = p.Double("viewers_per_user");
      c.people_from = p.String("people_from");
      c.people_overlap = p.Double("people_overlap");
      // an audience's keys without an audience would be ignored: say so
      for (const char* key : {"audience_arm", "viewers_per_user", "people_from", "people_overlap"})
        if (c.audience_scenario.empty() && p.WasSet(key)) {
          const SourceLocation kloc = p.Where(key);
          diags.Add(kloc.file, kloc.line, kloc.column,
                    at + "." + key +
                        ": only a platform with a simulated audience uses it; give audience_scenario too "
                        "(docs/crisis.md, \"Audiences\") or remove it");
        }
      if (c.audio_matching && !c.hash_screening) {
        const SourceLocation aloc = p.Where("audio_matching");
        diags.Add(aloc.file, aloc.line, aloc.column,
                  at + ".audio_matching: needs hash_screening: true (a platform that screens no uploads holds no "
                       "hashes to match a soundtrack against); set hash_screening: true or audio_matching: false");
      }
      w.platforms.push_back(std::move(c));
      w.blocks.platforms.push_back(p);
    }
    CheckSharedPeople(w, where, diags);
  }

  const Params inc = ValidateBlock(block("incident"), IncidentSpec(), file, where + ".incident", diags);
  w.blocks.incident = inc;
  IncidentConfig& i = w.incident;
  i.origin = inc.String("origin");
  i.live_minutes = inc.Int("live_minutes");
  i.live_views_per_minute = inc.Double("live_views_per_minute");
  i.replay_views_per_minute = inc.Double("replay_views_per_minute");
  i.first_report_minute = inc.Int("first_report_minute");
  i.reuploads_start_minute = inc.Int("reuploads_start_minute");
  i.uploads_per_minute = inc.Double("uploads_per_minute");
  i.ramp_minutes = inc.Double("ramp_minutes");
  i.decay_hours = inc.Double("decay_hours");
  i.source_weight = inc.Double("source_weight");
  i.edit_probability = inc.Double("edit_probability");
  i.low_quality_share = inc.Double("low_quality_share");
  // the edits' kinds: crop and overlay by their shares, re-cut the rest
  i.perturbation.reencode_flip_rate = inc.Double("reencode_flip_rate");
  i.perturbation.crop_share = inc.Double("crop_share");
  i.perturbation.crop_flip_rate = inc.Double("crop_flip_rate");
  i.perturbation.overlay_share = inc.Double("overlay_share");
  i.perturbation.overlay_flip_rate = inc.Double("overlay_flip_rate");
  i.perturbation.recut_flip_rate = inc.Double("recut_flip_rate");
  i.audio_flip_rate = inc.Double("audio_flip_rate");
  i.recut_audio_flip_rate = inc.Double("recut_audio_flip_rate");
  i.muted_share = inc.Double("muted_share");
  i.reencode_fragile_bits = inc.Int("reencode_fragile_bits");
  i.audio_fragile_bits = inc.Int("audio_fragile_bits");
  i.retry_probability = inc.Double("retry_probability");
  i.retry_delay_minutes = inc.Int("retry_delay_minutes");
  i.account_overlap = inc.Double("account_overlap");
  i.max_retries = inc.Int("max_retries");
  if (i.perturbation.crop_share + i.perturbation.overlay_share > 1 + 1e-12) {
    const SourceLocation at = inc.Where("overlay_share");
    diags.Add(at.file, at.line, at.column,
              where + ".incident: crop_share + overlay_share is " +
                  std::to_string(i.perturbation.crop_share + i.perturbation.overlay_share) +
                  ", above 1; re-cuts take the rest of the edits, so the two shares may sum to 1 at most");
  }
  if (!i.origin.empty() && !w.platforms.empty() && w.Platform(i.origin) < 0) {
    const SourceLocation at = inc.Where("origin");
    diags.Add(at.file, at.line, at.column, where + ".incident.origin: " + NoSuchPlatform(w, i.origin));
  }

  const Params db = ValidateBlock(block("hash_database"), DatabaseSpec(), file, where + ".hash_database", diags);
  w.blocks.hash_database = db;
  w.database.radius = static_cast<int>(db.Int("radius"));
  w.database.contribution_delay_minutes = db.Int("contribution_delay_minutes");
  w.database.intermediary_delay_minutes = db.Int("intermediary_delay_minutes");
  w.database.background_hashes = db.Int("background_hashes");
  w.database.audio_radius = static_cast<int>(db.Int("audio_radius"));

  const Params pr =
      ValidateBlock(block("emergency_protocol"), ProtocolSpec(), file, where + ".emergency_protocol", diags);
  w.blocks.emergency_protocol = pr;
  w.protocol.enabled = pr.Bool("enabled");
  w.protocol.trigger = pr.String("trigger");
  w.protocol.at_minute = pr.Int("at_minute");
  w.protocol.radius = static_cast<int>(pr.Int("radius"));
  w.protocol.review_capacity_factor = pr.Double("review_capacity_factor");
  w.protocol.news_safeguard = pr.Bool("news_safeguard");

  const Params nw = ValidateBlock(block("news"), NewsSpec(), file, where + ".news", diags);
  w.blocks.news = nw;
  w.news.uploads_per_minute = nw.Double("uploads_per_minute");
  w.news.decay_hours = nw.Double("decay_hours");
  w.news.excerpt_share = nw.Double("excerpt_share");
  w.news.excerpt_flip_rate = nw.Double("excerpt_flip_rate");
  w.news.voiceover_share = nw.Double("voiceover_share");
  w.news.verified_share = nw.Double("verified_share");
  w.news.appeal_probability = nw.Double("appeal_probability");
  w.news.appeal_minutes = nw.Int("appeal_minutes");

  const YAML::Node orders = block("removal_orders");
  const Params od = ValidateBlock(orders, OrdersSpec(), file, where + ".removal_orders", diags, {"authorities"});
  w.blocks.removal_orders = od;
  w.orders.find_rate_per_minute = od.Double("find_rate_per_minute");
  w.orders.deadline_minutes = od.Int("deadline_minutes");
  w.orders.authorities.push_back({"authority", w.orders.find_rate_per_minute, w.orders.deadline_minutes, {}});
  const YAML::Node listed = orders && orders.IsMap() ? orders["authorities"] : none;
  if (listed && !listed.IsNull()) {
    if (!listed.IsSequence()) {
      AddDiagnosticAt(diags, listed, file,
                      where +
                          ".removal_orders.authorities: expected a list of authorities, each {name, "
                          "find_rate_per_minute, deadline_minutes, platforms}");
    } else if (listed.size() > 63) {
      AddDiagnosticAt(diags, listed, file,
                      where + ".removal_orders.authorities: " + std::to_string(listed.size()) +
                          " authorities; at most 63 (with the block's own) are supported");
    } else {
      std::set<std::string> names = {"authority"};
      for (size_t i = 0; i < listed.size(); ++i) {
        const std::string at = where + ".removal_orders.authorities[" + std::to_string(i) + "]";
        const Params a = ValidateBlock(listed[i], AuthoritySpec(), file, at, diags, {"platforms"});
        AuthorityConfig c{a.String("name"), a.Double("find_rate_per_minute"), a.Int("deadline_minutes"), {}};
        const SourceLocation nloc = a.Where("name");
        if (!c.name.empty() && !IsName(c.name))
          diags.Add(nloc.file, nloc.line, nloc.column,
                    at + ".name: '" + c.name + "' is not a name; use letters, digits and _");
        else if (!c.name.empty() && !names.insert(c.name).second)
          diags.Add(nloc.file, nloc.line, nloc.column,
                    at + ": duplicate authority name '" + c.name + "' ('authority' is the block's own)");
        const YAML::Node where_looks = listed[i].IsMap() ? listed[i]["platforms"] : none;
        if (where_looks && !where_looks.IsNull()) {
          if (!where_looks.IsSequence()) {
            AddDiagnosticAt(diags, where_looks, file, at + ".platforms: expected a list of platform names");
          } else {
            for (size_t k = 0; k < where_looks.size(); ++k) {
              const std::string name = where_looks[k].IsScalar() ? where_looks[k].Scalar() : "";
              const int p = w.Platform(name);
              if (p < 0) {
                AddDiagnosticAt(diags, where_looks[k], file, at + ".platforms: " + NoSuchPlatform(w, name));
              } else {
                c.platforms.push_back(p);
              }
            }
          }
        }
        w.orders.authorities.push_back(std::move(c));
        w.blocks.authorities.push_back(a);
      }
    }
  }

  const Params fl = ValidateBlock(block("trusted_flaggers"), FlaggersSpec(), file, where + ".trusted_flaggers", diags);
  w.blocks.trusted_flaggers = fl;
  w.flaggers.find_rate_per_minute = fl.Double("find_rate_per_minute");
  w.flaggers.news_rate_per_minute = fl.Double("news_rate_per_minute");

  const Params kept = ValidateBlock(block("preservation"), PreservationSpec(), file, where + ".preservation", diags);
  w.blocks.preservation = kept;
  w.preservation.retention_days = kept.Double("retention_days");
  w.preservation.access_rate_per_day = kept.Double("access_rate_per_day");
  w.preservation.extension_probability = kept.Double("extension_probability");
  w.preservation.extension_days = kept.Double("extension_days");

  // where uploads go: the shares are a distribution over the platforms
  auto check_shares = [&](double PlatformConfig::*share, const char* key, bool needed) {
    double sum = 0;
    for (const auto& p : w.platforms) sum += p.*share;
    if (needed && !w.platforms.empty() && std::fabs(sum - 1) > 1e-9) {
      const SourceLocation at = LocationOf(platforms, file);
      diags.Add(at.file, at.line, at.column,
                where + ".platforms: the platforms' " + key + " values sum to " + std::to_string(sum) +
                    "; they are where uploads go, so they must sum to 1");
    }
  };
  check_shares(&PlatformConfig::upload_share, "upload_share", i.uploads_per_minute > 0);
  check_shares(&PlatformConfig::news_share, "news_share", w.news.uploads_per_minute > 0);
  return w;
}

nlohmann::json WorldConfig::Resolved() const {
  nlohmann::json j = ParamsJson(blocks.world);
  j["platforms"] = nlohmann::json::array();
  for (const Params& p : blocks.platforms) j["platforms"].push_back(ParamsJson(p));
  j["incident"] = ParamsJson(blocks.incident);
  j["hash_database"] = ParamsJson(blocks.hash_database);
  j["emergency_protocol"] = ParamsJson(blocks.emergency_protocol);
  j["news"] = ParamsJson(blocks.news);
  j["removal_orders"] = ParamsJson(blocks.removal_orders);
  j["removal_orders"]["authorities"] = nlohmann::json::array();
  for (size_t a = 0; a < blocks.authorities.size(); ++a) {
    nlohmann::json one = ParamsJson(blocks.authorities[a]);
    one["platforms"] = nlohmann::json::array();
    for (const int p : orders.authorities[a + 1].platforms) one["platforms"].push_back(platforms[p].name);
    j["removal_orders"]["authorities"].push_back(one);
  }
  j["trusted_flaggers"] = ParamsJson(blocks.trusted_flaggers);
  j["preservation"] = ParamsJson(blocks.preservation);
  return j;
}

}  // namespace counterpoint
