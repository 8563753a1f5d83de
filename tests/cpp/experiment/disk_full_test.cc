// A full disk while writing results: a clear error, the temporary file removed, and the
// earlier results byte-identical. The test mounts a 64 KiB tmpfs of its own (root only;
// skipped with the reason otherwise, and CI runs as root).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/io.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::CatchInputError;
using testing::Contains;
using testing::RunCommand;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root (CI runs as root)";
    root_ = fs::temp_directory_path() / ("counterpoint_disk_full_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(root_ / "mnt");
    if (::mount("tmpfs", (root_ / "mnt").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) {
      const std::string why = std::strerror(errno);
      fs::remove_all(root_);
      GTEST_SKIP() << "cannot mount a tmpfs (" << why << "), e.g. in a container without CAP_SYS_ADMIN";
    }
    mounted_ = true;
    dir_ = root_ / "mnt";
  }
  void TearDown() override {
    if (mounted_) ::umount2((root_ / "mnt").c_str(), MNT_DETACH);
    if (!root_.empty()) fs::remove_all(root_);
  }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // the names of the files in the tmpfs
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  // fills the tmpfs to the last byte
  void Fill() const {
    std::FILE* f = std::fopen((dir_ / "filler").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string block(4096, 'x');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
    }
    std::fclose(f);
  }

  fs::path root_, dir_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, OverflowingWriteKeepsTheEarlierFileAndRemovesTheTemporary) {
  const fs::path target = dir_ / "metrics.csv";
  const std::string earlier = "step,arm,value\n0,a,0.25\n1,a,0.5\n";
  WriteFileAtomic(target.string(), earlier);
  // 256 KiB cannot fit in 64 KiB
  const std::string larger(256 * 1024, 'y');
  const InputError e = CatchInputError([&] { WriteFileAtomic(target.string(), larger); });
  EXPECT_TRUE(Contains(e.what(), "writing " + target.string() + ": No space left on device")) << e.what();
  EXPECT_EQ(Read(target), earlier);
  EXPECT_EQ(Files(), std::vector<std::string>{"metrics.csv"});
  // space is free again: the temporary file's blocks were released
  WriteFileAtomic(target.string(), std::string(32 * 1024, 'z'));
  EXPECT_EQ(Read(target), std::string(32 * 1024, 'z'));
}

TEST_F(DiskFullTest, AStagedSetIsReplacedWholeOrNotAtAll) {
  // an earlier result set of two files; the new set's first file fits, its second does not
  WriteFileAtomic((dir_ / "a.csv").string(), "old a\n");
  WriteFileAtomic((dir_ / "b.csv").string(), "old b\n");
  StagedFiles files;
  files.Write((dir_ / "a.csv").string(), "new a\n");
  EXPECT_THROW(files.Write((dir_ / "b.csv").string(), std::string(256 * 1024, 'b')), InputError);
  EXPECT_EQ(Read(dir_ / "a.csv"), "old a\n");
  EXPECT_EQ(Read(dir_ / "b.csv"), "old b\n");
  EXPECT_EQ(Files(), (std::vector<std::string>{"a.csv", "b.csv"}));
}

TEST_F(DiskFullTest, RunOntoAFullDiskFailsClearlyAndKeepsTheEarlierResults) {
  const std::string out = (dir_ / "out").string();
  const std::string run =
      std::string(COUNTERPOINT_CLI) + " run " + COUNTERPOINT_SOURCE_DIR +
      "/scenarios/rabbit_hole.yaml --quiet --threads 1 --set population.n_users=50 "
      "--set catalog.n_items=300 --set steps=2 --set replicates=1 --arms engagement --overwrite --out " +
      out;
  const auto first = RunCommand(run);
  ASSERT_EQ(first.status, 0) << first.output;
  std::map<std::string, std::string> earlier;
  for (const auto& e : fs::directory_iterator(out)) earlier[e.path().filename().string()] = Read(e.path());
  ASSERT_TRUE(earlier.count("manifest.json"));
  // the disk is full: not even the first new file fits
  Fill();
  const auto second = RunCommand(run);
  EXPECT_EQ(second.status, 2) << second.output;
  EXPECT_TRUE(Contains(second.output, "No space left on device")) << second.output;
  std::map<std::string, std::string> after;
  for (const auto& e : fs::directory_iterator(out)) after[e.path().filename().string()] = Read(e.path());
  EXPECT_EQ(after, earlier);  // same files (no temporary left), same bytes
}

}  // namespace
}  // namespace counterpoint
