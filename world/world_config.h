// A world of platforms (docs/crisis.md): the platforms, the incident that is copied across
// them, the shared hash database, the emergency protocol, news reporting and removal
// orders, as a scenario's `world` block gives them (an arm's `world` keys override the
// scenario's; platforms are matched by name).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/params.h"
#include "embeddings/perceptual_hash.h"

namespace counterpoint {

/// How a platform reaches the shared hash database.
enum class DatabaseAccess {
  kMember,        ///< queries it as soon as a contributed hash is usable (after the contribution delay)
  kIntermediary,  ///< through an intermediary's list, which lags the members' by intermediary_delay_minutes
  kNone,          ///< not at all: only the hashes of its own removals
};
const char* DatabaseAccessName(DatabaseAccess a);

/// One platform: its audience, its screening at upload, its detection and review.
struct PlatformConfig {
  std::string name;
  double upload_share = 0;  ///< share of the incident's re-uploads that go to this platform
  double news_share = 0;    ///< share of the news reports uploaded to this platform
  bool hash_screening =
      true;  ///< matches uploads against the hashes it holds (its own removals', and the shared ones it may use)
  DatabaseAccess access = DatabaseAccess::kNone;
  bool contributes = false;               ///< adds the hashes of its removals to the shared database
  double upload_classifier_recall = 0;    ///< attack copies a classifier blocks at upload
  double upload_classifier_news_fpr = 0;  ///< news reports the same classifier blocks (its false positives)
  double classifier_recall = 0;           ///< live attack copies the classifier flags for review later
  int64_t classifier_delay_minutes = 0;   ///< upload to that flag
  int64_t review_capacity = 0;  ///< flagged items a platform's reviewers decide per minute (scaled by minutes_per_step)
  double reviewer_miss = 0;     ///< an attack copy reviewed and kept
  double reviewer_false_removal = 0;   ///< a news report reviewed and removed
  double views_per_minute = 0;         ///< mean views of a new live copy per minute
  double view_half_life_minutes = 60;  ///< a copy's views per minute halve every this many minutes
  double report_probability = 0;       ///< a view of an attack copy that makes its viewer report it
  bool rescan = false;  ///< re-scans its live items against each hash as it becomes usable to it (not only uploads)
  bool audio_matching = false;  ///< also matches uploads' soundtrack hashes against the soundtrack hashes it holds
  /// Its audience as a full simulation (docs/crisis.md, "Audiences"): a single-platform
  /// scenario (a path relative to the world's scenario, or a shipped scenario's name) whose
  /// users, recommender and interventions decide who sees each live attack copy; empty: a
  /// copy's views are the parametric rate views_per_minute
  std::string audience_scenario;
  std::string audience_arm;     ///< the audience scenario's arm to run (empty: its first)
  double viewers_per_user = 1;  ///< people each simulated user stands for: a click is this many views
  /// People on several platforms (docs/crisis.md): an earlier platform whose audience (the
  /// same audience_scenario) shares people with this one; its first people_overlap share of
  /// this audience's users are that audience's first users, one interest on both
  std::string people_from;
  double people_overlap = 0;
};

/// The attack: a live stream on the origin platform, then re-uploads of what people saw.
struct IncidentConfig {
  std::string origin;                   ///< the platform that carries the live stream
  int64_t live_minutes = 17;            ///< the stream's length
  double live_views_per_minute = 10;    ///< views of the stream while live
  double replay_views_per_minute = 0;   ///< views of its recording on the origin after the stream ends, until removed
  int64_t first_report_minute = 29;     ///< the first user report of the stream (minutes after it began)
  int64_t reuploads_start_minute = 30;  ///< re-uploads begin (recordings made while live)
  double uploads_per_minute = 0;        ///< peak rate of re-upload attempts over all platforms
  double ramp_minutes = 60;             ///< the rate rises linearly to its peak over this
  double decay_hours = 6;               ///< then falls as exp(-t / decay)
  double source_weight =
      100;  ///< weight of the off-platform recording as a source, in views (copies weigh by their views so far)
  double edit_probability = 0.05;  ///< a re-upload edits (crop, overlay, re-cut) rather than re-encodes its source
  double low_quality_share =
      0;  ///< copies too dark, blurred or small for a usable hash (PDQ quality <= 49): never matched or shared
  HashPerturbation perturbation;  ///< flip rates of each kind of copy (embeddings/perceptual_hash.h)
  /// The soundtrack's hash (a second 256-bit code per upload): a re-encode, crop or overlay
  /// carries the soundtrack over, flipping few of its bits; a re-cut (speed, order) many
  double audio_flip_rate = 0.03;
  double recut_audio_flip_rate = 0.30;
  double muted_share = 0;  ///< copies whose soundtrack is removed or replaced (music): no soundtrack hash
  /// Re-encodes without drift (docs/crisis.md, "How its hash derives"): > 0, a re-encode
  /// re-draws each of this many fragile bits of its content's hash (chosen per content: the
  /// stream, an edit or a news excerpt) and keeps the rest, so a chain of re-encodes stays
  /// within this many bits of the content; 0, it flips every bit with reencode_flip_rate
  int64_t reencode_fragile_bits = 0;
  /// The same for the soundtrack's hash: > 0, a re-encode, crop or overlay (which carry the
  /// soundtrack over) re-draws this many fragile bits of its sound's hash (the stream's, a
  /// re-cut's or a news excerpt's) and keeps the rest; 0, it flips every bit with audio_flip_rate
  int64_t audio_fragile_bits = 0;
  /// Re-uploaders with accounts on several platforms (docs/crisis.md, "Displacement"): an
  /// uploader whose copy is blocked at upload tries again, with this probability, on another
  /// platform where they hold an account and have not tried yet, after retry_delay_minutes
  double retry_probability = 0;
  int64_t retry_delay_minutes = 10;
  double account_overlap = 0.5;  ///< the chance an uploader holds an account on each other platform
  int64_t max_retries = 3;       ///< tries after the first, per uploader and copy
};

/// The shared hash database and its match rule.
struct DatabaseConfig {
  int radius = 31;                            ///< Hamming distance on 256 bits at most to match (PDQ's 31)
  int64_t contribution_delay_minutes = 60;    ///< a contributed hash is usable by members after this
  int64_t intermediary_delay_minutes = 1440;  ///< and by platforms with intermediary access after this more
  int64_t background_hashes = 0;  ///< unrelated hashes already held (other content), searched on every query
  int audio_radius = 31;          ///< Hamming distance on the soundtrack's 256 bits at most to match
};

/// The emergency protocol (docs/crisis.md): what changes once it is activated.
struct ProtocolConfig {
  bool enabled = false;
  std::string trigger =
      "first_removal";  ///< "first_removal": the first removal of an attack copy by a member; "minute": at_minute
  int64_t at_minute = 0;
  int radius = 31;                    ///< the match radius while active
  double review_capacity_factor = 1;  ///< review capacity multiplied while active
  bool news_safeguard =
      true;  ///< while active, verified news accounts' matched uploads go to human review instead of being blocked
};

/// News organisations reporting on the attack, some of their reports excerpting its footage.
struct NewsConfig {
  double uploads_per_minute = 0;  ///< peak rate of news reports over all platforms
  double decay_hours = 12;
  double excerpt_share = 0.3;  ///< reports that show footage (their hash is the footage's with excerpt_flip_rate)
  double excerpt_flip_rate = 0.10;
  double voiceover_share = 0.5;     ///< excerpts whose soundtrack is a reporter's voice, not the footage's
  double verified_share = 0.5;      ///< reports from verified news accounts
  double appeal_probability = 0.8;  ///< a wrongly blocked or removed report is restored on appeal
  int64_t appeal_minutes = 240;     ///< after this long
};

/// One authority that finds live copies and sends removal orders (a national police unit,
/// Europol's Internet Referral Unit, ...). Several authorities' orders compete for a
/// platform's review capacity, first come, first served.
struct AuthorityConfig {
  std::string name;
  double find_rate_per_minute = 0;  ///< a live copy is found, and ordered removed, at this rate
  int64_t deadline_minutes = 60;    ///< from receipt
  std::vector<int> platforms;       ///< the platforms it looks at (indexes); empty: every one
};

/// Removal orders: the block's own authority ("authority", its find_rate_per_minute and
/// deadline_minutes) and those `authorities:` lists.
struct OrdersConfig {
  double find_rate_per_minute = 0;
  int64_t deadline_minutes = 60;
  std::vector<AuthorityConfig> authorities;  ///< "authority" first, then the listed ones
};

/// Trusted flaggers (e.g. the EU's Europol IRU, NGOs a platform has vetted): their notices
/// are assessed before users' reports, and each gets feedback (the action taken, when).
struct FlaggersConfig {
  double find_rate_per_minute = 0;  ///< a live attack copy is noticed, and notified, at this rate
  double news_rate_per_minute = 0;  ///< a live news report showing footage is notified (in error) at this rate
};

/// Preservation of removed content for law enforcement (docs/crisis.md, "Preservation").
struct PreservationConfig {
  double retention_days = 180;     ///< how long a removed item is kept (Regulation 2021/784, Art. 6: six months)
  double access_rate_per_day = 0;  ///< each authority looking at a platform requests a kept item at this rate
  /// Art. 6(2): an authority granted an item asks, with this probability, that it be kept
  /// extension_days longer than its request (for proceedings); 0: nobody asks
  double extension_probability = 0;
  double extension_days = 180;
};

struct WorldConfig {
  int64_t minutes_per_step = 1;
  std::vector<PlatformConfig> platforms;
  IncidentConfig incident;
  DatabaseConfig database;
  ProtocolConfig protocol;
  NewsConfig news;
  OrdersConfig orders;
  FlaggersConfig flaggers;
  PreservationConfig preservation;

  /// The validated blocks these settings were read from (every default filled in), for manifests.
  struct Blocks {
    Params world, incident, hash_database, emergency_protocol, news, removal_orders, trusted_flaggers, preservation;
    std::vector<Params> platforms, authorities;
  } blocks;

  /// The platform named `name`'s index, or -1.
  int Platform(const std::string& name) const;
  /// Every setting, for manifests.
  nlohmann::json Resolved() const;
};

/// The keys of a scenario's `world` block and of its parts, for `counterpoint list`-style docs.
const ComponentSpec& WorldSpec();

/// `base` with `arm`'s keys over it: maps merge key by key, the `platforms` list element
/// by element by name (an arm's platform not in the base is added). Nodes keep their marks.
YAML::Node MergeWorld(const YAML::Node& base, const YAML::Node& arm);

/// Validates a `world` block (`where` names it in errors: "world", "arms[1].world");
/// problems go to diags.
WorldConfig ValidateWorld(const YAML::Node& node, const std::string& file, const std::string& where,
                          DiagnosticList& diags);

}  // namespace counterpoint
