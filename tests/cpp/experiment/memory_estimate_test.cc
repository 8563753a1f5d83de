// The memory estimate of a run (experiment/memory_estimate.h): a hand count for a small
// scenario, agreement with the arrays actually allocated, and refusal of a scenario
// that cannot fit before anything is allocated.
#include "experiment/memory_estimate.h"

#include <faiss/IndexHNSW.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "embeddings/catalog_source.h"
#include "experiment/runner.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;
using testing::RunCommand;

const char* kSmall = R"(
name: small
steps: 10
batch_size: 64
catalog: {type: synthetic, n_items: 1000, dim: 8}
population: {n_users: 100, history_length: 20}
user_model: {type: logit, max_clicks: 2}
recommender: {candidates: 50, slate_size: 10}
)";

TEST(MemoryEstimate, ThePoolsCopiesCountAsItems) {
  // 1000 items: 15 extremist and 40 news reports expected by the shares; half of each pooled,
  // with 3 and 4 copies: ceil(7.5) x 3 + ceil(20) x 4 = 24 + 80 pending items
  const Scenario sc = ParseScenario(
      "name: p\ncatalog: {type: synthetic, n_items: 1000, dim: 8, share_extremist: 0.015, share_news_reporting: 0.04, "
      "reupload_pool: 0.5, reupload_copies: 3, news_pool: 0.5, news_copies: 4}\npopulation: {n_users: 10}\n",
      "p.yaml");
  EXPECT_EQ(EstimateCatalogShape(sc)->items, 1000 + 24 + 80);
}

TEST(MemoryEstimate, SmallScenarioMatchesAHandCount) {
  const Scenario sc = ParseScenario(kSmall, "small.yaml");
  const auto shape = EstimateCatalogShape(sc);
  ASSERT_TRUE(shape);
  EXPECT_EQ(shape->items, 1000);
  EXPECT_EQ(shape->dim, 8);
  const MemoryEstimate e = EstimateMemory(sc, *shape);
  // embeddings 1000 x 8 x 4; attributes 1000 x 33; a Flat index 1000 x 8 x 4
  EXPECT_EQ(e.Part("embeddings"), 32000);
  EXPECT_EQ(e.Part("item attributes"), 33000);
  EXPECT_EQ(e.Part("index"), 32000);
  // per user: interest + estimate 2 x 8 x 4 = 64, traits 16, counters 3 x 4 = 12, history
  // 20 x (4 + 4) = 160, head + count 8: 260; one arm, so one copy
  EXPECT_EQ(e.Part("population"), 100 * 260);
  // items: 1000 x 49 + 1000 / 8; active list 100 x 4
  EXPECT_EQ(e.Part("item state"), 49000 + 125 + 400);
  // 64 users a batch: query 32, candidates 50 x 28 = 1400, slate 10 x 14 = 140, clicks 2 x 8 = 16, 4
  EXPECT_EQ(e.Part("batch buffers"), 64 * (32 + 1400 + 140 + 16 + 4));
  EXPECT_EQ(e.Part("metrics"), 10 * 64 * 8);
  EXPECT_EQ(e.Part("event log"), 0);
  EXPECT_EQ(e.total, 32000 + 33000 + 32000 + 26000 + 49525 + 101888 + 5120);
  EXPECT_EQ(e.Part("IVF search buffers"), 0);  // a Flat index keeps heaps in its output
}

TEST(MemoryEstimate, AnIvfFlatSearchAddsItsCandidateBuffers) {
  // 64 queries a batch, each with 2 x 50 keys of 8 bytes and 40 of slack: 64 x (800 + 320)
  for (const char* factory : {"IVF16,Flat", "IVF16,SQ8"}) {
    const Scenario sc = ParseScenario(kSmall, "small.yaml", {std::string("index.factory=") + factory});
    const MemoryEstimate e = EstimateMemory(sc, *EstimateCatalogShape(sc));
    EXPECT_EQ(e.Part("IVF search buffers"), std::string(factory) == "IVF16,Flat" ? 64 * (800 + 320) : 0) << factory;
  }
}

TEST(MemoryEstimate, AgreesWithTheArraysAPopulationAndAnIndexAllocate) {
  Scenario sc = ParseScenario(kSmall, "small.yaml", {"index.factory=IVF16,Flat"});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 7);
  const Population pop = GeneratePopulation(sc.population, *world.catalog, 7);
  const MemoryEstimate e = EstimateMemory(sc, {world.catalog->size(), world.catalog->dim()});
  EXPECT_EQ(e.Part("embeddings"), static_cast<double>(world.catalog->size() * world.catalog->dim() * 4));
  EXPECT_EQ(e.Part("population"), static_cast<double>(pop.memory_bytes()));
  EXPECT_EQ(e.Part("index"), static_cast<double>(world.index->memory_bytes()));
  // two arms: each generates its own population, one at a time
  sc = ParseScenario(kSmall, "small.yaml", {"arms=[{name: a}, {name: b}]"});
  EXPECT_EQ(EstimateMemory(sc, {1000, 8}).Part("population"), static_cast<double>(pop.memory_bytes()));
}

TEST(MemoryEstimate, TheCheckpointBufferIsAboutTheStateACheckpointWrites) {
  // a run stopped before its last step writes a checkpoint of nearly everything it holds
  // (the completed arm with its event log, the state of the arm in progress): the buffer
  // --checkpoint adds holds that much, and not far more
  for (const char* events : {"output.events=false", "output.events=true"}) {
    const Scenario sc =
        ParseScenario(kSmall, "small.yaml", {"arms=[{name: a}, {name: b}]", "population.n_users=2000", events});
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("counterpoint_mem_ckpt_" + std::to_string(getpid()))).string();
    std::filesystem::remove_all(dir);
    RunControl control = testing::StopAfter(2 * sc.steps - 1, CheckpointPath(dir));
    control.scenario_text = kSmall;
    ASSERT_TRUE(RunScenario(sc, {}, control).partial);
    const double written = static_cast<double>(std::filesystem::file_size(control.checkpoint_path));
    const double buffer = EstimateMemory(sc, {1000, 8}, 1, true).Part("checkpoint buffer");
    // measured: 1.003 and 1.045 times the file
    EXPECT_GE(buffer, 0.95 * written) << events;
    EXPECT_LE(buffer, 1.25 * written) << events;
    EXPECT_EQ(EstimateMemory(sc, {1000, 8}).Part("checkpoint buffer"), 0) << events;
    std::filesystem::remove_all(dir);
  }
}

TEST(MemoryEstimate, ARankOfAShardedRunCountsItsLargestBlockOfUsers) {
  // users sharded over 3 ranks: a rank holds at most ceil(n / 3) users; catalog and index whole
  const Scenario sc = ParseScenario(kSmall, "small.yaml", {"index.factory=IVF16,Flat"});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 7);
  const int64_t n = sc.population.n_users, largest = (n + 2) / 3;
  const Population block = GeneratePopulation(sc.population, *world.catalog, 7, {0, largest});
  const MemoryEstimate whole = EstimateMemory(sc, {world.catalog->size(), world.catalog->dim()});
  const MemoryEstimate rank = EstimateMemory(sc, {world.catalog->size(), world.catalog->dim()}, 3);
  EXPECT_EQ(rank.Part("population"), static_cast<double>(block.memory_bytes()));
  EXPECT_LT(rank.Part("population"), whole.Part("population"));
  EXPECT_EQ(rank.Part("embeddings"), whole.Part("embeddings"));
  EXPECT_EQ(rank.Part("index"), whole.Part("index"));
}

TEST(MemoryEstimate, ARankThatHandsBudgetsOnHoldsEveryBatchOfItsStep) {
  // 1000 users on 3 ranks: blocks of at most 334. With an injection budget a rank holds
  // every batch of its step, at most ceil(334 / 64) = 6 batches of 64 users (the bytes per
  // user as in the hand count above); without, one batch of 64
  const std::string arm = "arms=[{name: a, interventions: [{type: counter_narrative_injection, budget_per_step: ";
  const Scenario budgeted = ParseScenario(kSmall, "small.yaml", {"population.n_users=1000", arm + "5}]}]"});
  const Scenario unlimited = ParseScenario(kSmall, "small.yaml", {"population.n_users=1000", arm + "-1}]}]"});
  const double per_user = 32 + 1400 + 140 + 16 + 4;
  EXPECT_EQ(EstimateMemory(budgeted, {1000, 8}, 3).Part("batch buffers"), 6 * 64 * per_user);
  EXPECT_EQ(EstimateMemory(unlimited, {1000, 8}, 3).Part("batch buffers"), 64 * per_user);
  // one process (or every user on every rank) keeps batches of batch_size
  EXPECT_EQ(EstimateMemory(budgeted, {1000, 8}, 1).Part("batch buffers"), 64 * per_user);
}

TEST(MemoryEstimate, HnswLinksAgreeWithFaiss) {
  // FAISS draws each vector's level with P(level >= l) = M^-l; level 0 keeps 2M neighbours,
  // the others M: the estimate is the expectation, here within 1% (> 4 standard errors)
  const int64_t n = 4000, d = 8;
  const int m = 16;
  std::mt19937 gen(3);
  std::normal_distribution<float> normal;
  std::vector<float> x(n * d);
  for (float& v : x) v = normal(gen);
  faiss::IndexHNSWFlat index(d, m, faiss::METRIC_INNER_PRODUCT);
  index.add(n, x.data());
  const double actual = static_cast<double>(n * d * 4 + index.hnsw.neighbors.size() * 4 + index.hnsw.levels.size() * 4 +
                                            index.hnsw.offsets.size() * 8);
  EXPECT_NEAR(EstimateIndexBytes("HNSW16", n, d) / actual, 1.0, 0.01);
  // VectorIndex reports the vectors and graph arrays of the HNSW index it builds: the
  // same sizes as FAISS's own HNSW over the same vectors (levels come from FAISS's seeded draw)
  const Scenario sc = ParseScenario(kSmall, "small.yaml", {"index.factory=HNSW16"});
  const IndexedCatalog world = BuildIndexedCatalog(sc, 7);
  faiss::IndexHNSWFlat same(world.catalog->dim(), 16, faiss::METRIC_INNER_PRODUCT);
  same.add(world.catalog->size(), world.catalog->Embedding(0));
  const faiss::HNSW& g = same.hnsw;
  EXPECT_EQ(world.index->memory_bytes(),
            static_cast<int64_t>(world.catalog->size() * world.catalog->dim() * 4 + g.neighbors.size() * 4 +
                                 g.levels.size() * 4 + g.offsets.size() * 8));
  EXPECT_NEAR(EstimateIndexBytes("HNSW16", world.catalog->size(), world.catalog->dim()) /
                  static_cast<double>(world.index->memory_bytes()),
              1.0, 0.02);
  // codes by type: SQ8 one byte per component, PQ4 four bytes per vector, IVF adds ids and centroids
  EXPECT_EQ(EstimateIndexBytes("IVF4,SQ8", 100, 8), 100 * 8 + 4 * 8 * 4 + 100 * 8);
  EXPECT_EQ(EstimateIndexBytes("PQ4", 100, 8), 100 * 4);
}

TEST(MemoryEstimate, EventLogCountsEveryImpressionOfEveryArmAndReplicate) {
  const Scenario sc = ParseScenario(kSmall, "small.yaml", {"output.events=true", "replicates=3"});
  // 3 replicates x 1 arm x 10 steps x 100 users x session mean 4 / (4 + 2) x 10 slots
  const double impressions = 3 * 10 * 100 * (4.0 / 6.0) * 10;
  EXPECT_DOUBLE_EQ(EstimateMemory(sc, {1000, 8}).Part("event log"), impressions * (sizeof(ImpressionRecord) + 40));
}

TEST(MemoryEstimate, TenMillionUsersAndItemsAreRefusedWithTheEstimateAndTheLimit) {
  const Scenario sc = ParseScenario(kSmall, "big.yaml", {"population.n_users=10000000", "catalog.n_items=10000000"});
  const MemoryEstimate e = EstimateMemory(sc, *EstimateCatalogShape(sc));
  EXPECT_EQ(e.Part("embeddings"), 1e7 * 8 * 4);
  EXPECT_EQ(e.Part("population"), 1e7 * 260);
  const InputError err = CatchInputError([&] { CheckMemory(e, {3.0 * (1 << 30), "--memory-limit"}); });
  EXPECT_TRUE(Contains(err.what(), "needs ~")) << err.what();
  EXPECT_TRUE(Contains(err.what(), "embeddings 305 MiB")) << err.what();
  EXPECT_TRUE(Contains(err.what(), "the limit is 3 GiB (--memory-limit)")) << err.what();
  // a catalog no machine holds (10^9 items of dimension 4096: 16 TB of embeddings) is
  // refused against the system's own limit
  const Scenario huge = ParseScenario(kSmall, "huge.yaml", {"catalog.n_items=1000000000", "catalog.dim=4096"});
  EXPECT_THROW(CheckScenarioMemory(huge), InputError);
}

TEST(MemoryEstimate, TheCliRefusesBeforeAllocating) {
  const std::string dir = std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/";
  const std::string out = ::testing::TempDir() + "counterpoint_memory_refused_" + std::to_string(::getpid());
  const std::string run = std::string(COUNTERPOINT_CLI) + " run " + dir +
                          "rabbit_hole.yaml --quiet --threads 1 --set population.n_users=10000000 "
                          "--set catalog.n_items=10000000 --out " +
                          out;
  const auto r = RunCommand(run + " --memory-limit 4G");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "the limit is 4 GiB (--memory-limit)")) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));  // nothing was run, nothing written
  const auto bad = RunCommand(run + " --memory-limit lots");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_TRUE(Contains(bad.output, "'lots' is not a memory size")) << bad.output;
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more address space than ulimit -v allows";
#else
  // under a 1 GiB address-space limit the run would die allocating (exit 1); it is refused
  // first (exit 2), naming that limit
  const auto limited = RunCommand("ulimit -v 1048576; " + run);
  EXPECT_EQ(limited.status, 2) << limited.output;
  EXPECT_TRUE(Contains(limited.output, "RLIMIT_AS")) << limited.output;
#endif
}

TEST(MemoryEstimate, SizesParseWithBinaryUnits) {
  EXPECT_EQ(ParseMemorySize("8G"), 8.0 * (1 << 30));
  EXPECT_EQ(ParseMemorySize("512MiB"), 512.0 * (1 << 20));
  EXPECT_EQ(ParseMemorySize("1.5GB"), 1.5 * (1 << 30));
  EXPECT_EQ(ParseMemorySize("4096"), 4096);
  EXPECT_EQ(ParseMemorySize("2 t"), 2.0 * (1LL << 40));
  for (const char* bad : {"", "lots", "8X", "-1G", "0", "nan", "8GG"})
    EXPECT_THROW(ParseMemorySize(bad), InputError) << bad;
  EXPECT_EQ(FormatBytes(4.0 * (1 << 30)), "4 GiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
}

TEST(MemoryEstimate, TheSystemLimitIsFiniteAndNamed) {
  const MemoryLimit l = SystemMemoryLimit();
  EXPECT_TRUE(std::isfinite(l.bytes) && l.bytes > 0);
  EXPECT_FALSE(l.source.empty());
}

}  // namespace
}  // namespace counterpoint
