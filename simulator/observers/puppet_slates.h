// Observer puppet_slates: what each group of sock puppets is shown and consumes, per step.
// Added to a run by the runner when the scenario has sock puppets (docs/sock_puppets.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/metric_spec.h"
#include "simulator/observers/observer.h"
#include "simulator/sock_puppets.h"

namespace counterpoint {

/// The columns it writes, "<group>" standing for a group's name.
std::vector<MetricSpec> PuppetSlateMetrics();

/// Per group g, per step: puppets_<g>_harmful_share (borderline + extremist), one
/// puppets_<g>_<label>_share per label (the share of the group's filled slate slots holding
/// it) and puppets_<g>_consumed (items consumed per puppet). Reads labels: an observer's view.
std::unique_ptr<Observer> MakePuppetSlatesObserver(const SockPuppets& puppets);

}  // namespace counterpoint
