// A platform's audience seen from the world (docs/crisis.md, "Audiences"): who watches the
// attack copies live on the platform. Without one, a copy's views are a parametric rate;
// with one (SimulatedAudience), a simulation of the platform's users and recommender decides.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace counterpoint {

class Audience {
 public:
  virtual ~Audience() = default;
  /// Items the audience can show as attack copies: a copy that goes live takes the next
  /// unused one (its seat) for good; a copy that finds none has no audience.
  virtual int64_t seats() const = 0;
  /// Items the audience can show as news reports: seats seats() .. seats() + news_seats() - 1,
  /// each taken by a news report for good when it first goes live.
  virtual int64_t news_seats() const { return 0; }
  /// One step of the platform: the seats in `show` go live before its users' sessions (a
  /// fresh seat is uploaded, one taken down before is restored) and those in `hide` are taken
  /// down; no seat is in both. `clicks` and `at_risk_clicks` (resized to seats() +
  /// news_seats()) get each seat's clicks during the step, all and by users at risk (an
  /// observer's count, from ground truth: docs/metrics.md, "At risk").
  virtual void Step(int64_t t, std::span<const int64_t> show, std::span<const int64_t> hide,
                    std::vector<int64_t>& clicks, std::vector<int64_t>& at_risk_clicks) = 0;
  /// The people who clicked an attack copy's seat during the last Step, once each, in increasing order:
  /// (person, at risk). People are numbered across the world's audiences, so one who holds
  /// accounts on two platforms has one number (docs/crisis.md, "People on several platforms");
  /// at risk is the observer's flag of the person's first platform.
  virtual const std::vector<std::pair<int64_t, uint8_t>>& people_clicking() const = 0;
};

}  // namespace counterpoint
