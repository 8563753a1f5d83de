// The label_reach observer: for each content label, the share of users who have been
// shown at least one item of that label so far, the "reach" of a group of sources that
// Huszar et al. ("Algorithmic amplification of politics on Twitter", PNAS 2022) compare
// between a personalised feed and a reverse-chronological one. It reads ground-truth
// labels, as observers may (docs/metrics.md, "label_reach"); the amplification ratio per
// label is experiment/summary.cc's, from these columns.
#pragma once

#include <string>
#include <vector>

#include "embeddings/catalog.h"

namespace counterpoint {

/// The observer's column for label l: "reach_" + LabelName(l) (e.g. reach_extremist).
std::string LabelReachColumn(Label label);

/// Every label's column, in label order (mainstream, borderline, extremist, counter_narrative, news_reporting).
std::vector<std::string> LabelReachColumns();

/// Huszar et al.'s amplification ratio of one group of sources: its reach among the
/// treatment group's users over its reach among the control group's, each normalised by the
/// group's size, (reached_t / users_t) / (reached_c / users_c). NaN when the control reach is 0.
double AmplificationRatio(double reached_treatment, double users_treatment, double reached_control,
                          double users_control);

}  // namespace counterpoint
