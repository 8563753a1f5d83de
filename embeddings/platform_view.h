// What a platform sees of its catalog: embeddings, the classifier's harm score, creators,
// topics, upload steps and the partners' declarations. Ground truth (label, extremity,
// the item a copy was made from) is not here: observers read it from the Catalog, and it
// reaches interventions only through the named channels of embeddings/truth_channels.h
// (docs/interventions.md, "What the platform sees").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "embeddings/catalog.h"

namespace counterpoint {

class PlatformView {
 public:
  /// A view of `catalog`, which must outlive it.
  explicit PlatformView(const Catalog& catalog);

  int64_t size() const { return catalog_->size(); }
  int64_t dim() const { return catalog_->dim(); }
  const float* embeddings() const { return catalog_->embeddings(); }
  const float* Embedding(int64_t i) const { return catalog_->Embedding(i); }
  /// The platform's harm classifier, in [0, 1].
  float harm_score(int64_t i) const { return catalog_->harm_score(i); }
  int64_t creator(int64_t i) const { return catalog_->creator(i); }
  int32_t topic(int64_t i) const { return catalog_->topic(i); }
  int32_t upload_step(int64_t i) const { return catalog_->upload_step(i); }
  int32_t n_topics() const { return catalog_->n_topics(); }
  std::string id(int64_t i) const { return catalog_->id(i); }
  /// Declared by a civil-society partner as a counter-narrative: the organisations that
  /// make them register them with the platform (as the Redirect Method's partners curated
  /// their playlists). Every counter-narrative is declared and nothing else is: the
  /// channel is exact, an assumption (docs/interventions.md).
  bool partner_counter_narrative(int64_t i) const { return declared_[i] != 0; }

  /// Per-item arrays, for zero-copy views (the Python plug-ins' catalog_arrays).
  const float* harm_scores() const { return catalog_->data().harm_score.data(); }
  const int64_t* creators() const { return catalog_->data().creator.data(); }
  const int32_t* topics() const { return catalog_->data().topic.data(); }
  const int32_t* upload_steps() const { return catalog_->data().upload_step.data(); }
  const uint8_t* partner_counter_narratives() const { return declared_.data(); }

 private:
  const Catalog* catalog_;
  std::vector<uint8_t> declared_;
};

}  // namespace counterpoint
