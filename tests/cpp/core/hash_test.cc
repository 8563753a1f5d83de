// Tests for core/hash: SHA-256 against the published FIPS 180-2 test vectors, the
// streamed file digest against coreutils' sha256sum, and errors on unreadable files.
#include "core/hash.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;
using testing::RunCommand;

namespace fs = std::filesystem;

// FIPS 180-2, appendix B (SHA-256 examples)
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kTwoBlock[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kMillionA[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(HashTest, Fips180Vectors) {
  EXPECT_EQ(Sha256Hex("abc"), kAbc);
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), kTwoBlock);
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')), kMillionA);
}

TEST(HashTest, IncrementalUpdatesEqualOneShot) {
  // a million 'a' fed in uneven pieces crosses every block boundary differently
  Sha256 h;
  const std::string piece(7, 'a');
  for (int i = 0; i < 1000000 / 7; ++i) h.Update(piece);
  h.Update(std::string(1000000 % 7, 'a'));
  EXPECT_EQ(h.HexDigest(), kMillionA);
  EXPECT_THROW(h.Update("x"), std::logic_error);
}

class HashFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("counterpoint_hash_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(HashFileTest, FileDigestAndSize) {
  const std::string path = (dir_ / "abc.txt").string();
  std::ofstream(path, std::ios::binary) << "abc";
  const FileDigest d = Sha256File(path);
  EXPECT_EQ(d.sha256, kAbc);
  EXPECT_EQ(d.bytes, 3);
  const std::string empty = (dir_ / "empty").string();
  std::ofstream(empty, std::ios::binary).close();
  EXPECT_EQ(Sha256File(empty).sha256, kEmpty);
  EXPECT_EQ(Sha256File(empty).bytes, 0);
}

TEST_F(HashFileTest, LargeFileStreamedInChunksMatchesSha256sum) {
  // 2.5 MiB of varied bytes: three chunks, the last one partial
  const std::string path = (dir_ / "big.bin").string();
  {
    std::ofstream out(path, std::ios::binary);
    uint32_t x = 12345;
    for (int i = 0; i < 5 * (1 << 19); ++i) {
      x = x * 1664525u + 1013904223u;
      out.put(static_cast<char>(x >> 24));
    }
  }
  const auto r = RunCommand("sha256sum '" + path + "'");
  ASSERT_EQ(r.status, 0) << r.output;
  const FileDigest d = Sha256File(path);
  EXPECT_EQ(d.sha256, r.output.substr(0, 64));
  EXPECT_EQ(d.bytes, 5 * (1 << 19));
}

TEST_F(HashFileTest, UnreadableFileIsAnInputErrorNamingIt) {
  const std::string missing = (dir_ / "nope.npy").string();
  const InputError e = CatchInputError([&] { Sha256File(missing); });
  EXPECT_TRUE(Contains(e.what(), missing)) << e.what();
  // a directory opens but cannot be read
  const InputError d = CatchInputError([&] { Sha256File(dir_.string()); });
  EXPECT_TRUE(Contains(d.what(), dir_.string())) << d.what();
}

}  // namespace
}  // namespace counterpoint
