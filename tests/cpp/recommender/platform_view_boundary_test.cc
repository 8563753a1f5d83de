// Interventions, rankers and retrievers see the platform's view of the catalog, never its
// ground truth (docs/interventions.md, "What the platform sees"). These are compile-time
// checks: if a context handed to a platform plug-in offered a label, an extremity or a
// parent, or a Catalog converted silently to the view, this file would not compile.
#include <gtest/gtest.h>

#include <type_traits>

#include "recommender/intervention.h"

namespace counterpoint {
namespace {

template <class T>
concept ExposesLabel = requires(const T& v) {
  v.label(int64_t{0});
};
template <class T>
concept ExposesLabels = requires(const T& v) {
  v.labels();
};
template <class T>
concept ExposesExtremity = requires(const T& v) {
  v.extremity(int64_t{0});
};
template <class T>
concept ExposesParent = requires(const T& v) {
  v.parent(int64_t{0});
};
template <class T>
concept ExposesData = requires(const T& v) {
  v.data();
};
template <class T>
concept ExposesDirection = requires(const T& v) {
  v.extremity_direction();
};
template <class T>
concept ExposesLabelCounts = requires(const T& v) {
  v.LabelCounts();
};

// the checks can fail: the catalog itself has every one of them
static_assert(ExposesLabel<Catalog> && ExposesLabels<Catalog> && ExposesExtremity<Catalog> && ExposesParent<Catalog> &&
              ExposesData<Catalog> && ExposesDirection<Catalog> && ExposesLabelCounts<Catalog>);
// the platform's view has none
static_assert(!ExposesLabel<PlatformView> && !ExposesLabels<PlatformView> && !ExposesExtremity<PlatformView> &&
              !ExposesParent<PlatformView> && !ExposesData<PlatformView> && !ExposesDirection<PlatformView> &&
              !ExposesLabelCounts<PlatformView>);
// the contexts of platform plug-ins carry the view, and a Catalog does not become one unasked
static_assert(std::is_same_v<decltype(RecContext::catalog), const PlatformView&>);
static_assert(std::is_same_v<decltype(InterventionContext::catalog), const PlatformView&>);
static_assert(!std::is_convertible_v<const Catalog&, const PlatformView&>);
static_assert(!std::is_convertible_v<const Catalog&, const RecContext&>);
// the channels name what they carry and hand out no catalog
static_assert(!ExposesLabel<TruthChannels> && !ExposesExtremity<TruthChannels> && !ExposesData<TruthChannels>);

TEST(PlatformViewBoundaryTest, ContextsOfferThePlatformsViewOnly) {
  // the static_asserts above are the test; this records that the file was compiled
  SUCCEED();
}

}  // namespace
}  // namespace counterpoint
