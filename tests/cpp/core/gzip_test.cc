// gzip: a stream made by the gzip tool decompresses to its text; what GzipCompress writes
// the gzip tool reads back; the line reader reads gzip and plain files alike; a truncated
// or corrupt stream is an error naming the file.
#include "core/gzip.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/io.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

// printf 'step,arm\n0,a\n1,b' | gzip -n
const unsigned char kGolden[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x2b, 0x2e,
                                 0x49, 0x2d, 0xd0, 0x49, 0x2c, 0xca, 0xe5, 0x32, 0xd0, 0x49, 0xe4, 0x32,
                                 0xd4, 0x49, 0x02, 0x00, 0x55, 0xa4, 0x48, 0xca, 0x10, 0x00, 0x00, 0x00};
const std::string kGoldenText = "step,arm\n0,a\n1,b";

std::string Golden() { return std::string(reinterpret_cast<const char*>(kGolden), sizeof kGolden); }

fs::path Temp(const std::string& name) {
  return fs::temp_directory_path() / ("counterpoint_gzip_" + std::to_string(getpid()) + "_" + name);
}

void Write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

TEST(GzipTest, DecompressesWhatTheGzipToolWrote) {
  EXPECT_TRUE(IsGzip(Golden()));
  EXPECT_FALSE(IsGzip(kGoldenText));
  EXPECT_EQ(GzipDecompress(Golden(), "golden.gz"), kGoldenText);
  // two members, one after the other, are one stream (cat a.gz b.gz)
  EXPECT_EQ(GzipDecompress(Golden() + Golden(), "two.gz"), kGoldenText + kGoldenText);
}

TEST(GzipTest, TheGzipToolReadsWhatGzipCompressWrote) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i) + ",arm,organic\n";
  const std::string gz = GzipCompress(text);
  EXPECT_LT(gz.size(), text.size() / 4);
  EXPECT_EQ(GzipDecompress(gz, "round.gz"), text);
  const fs::path p = Temp("tool.gz");
  Write(p, gz);
  FILE* pipe = popen(("gzip -dc " + p.string()).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string back;
  char buf[1 << 14];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) back.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_EQ(back, text);
  fs::remove(p);
  EXPECT_EQ(GzipDecompress(GzipCompress(""), "empty.gz"), "");
}

TEST(GzipTest, LineReaderReadsGzipAndPlainFilesAlike) {
  for (const bool compressed : {true, false}) {
    const fs::path p = Temp(compressed ? "lines.gz" : "lines.csv");
    Write(p, compressed ? Golden() : kGoldenText);
    LineReader in(p.string());
    std::string line;
    std::vector<std::string> lines;
    while (in.Next(line)) lines.push_back(line);
    EXPECT_EQ(lines, (std::vector<std::string>{"step,arm", "0,a", "1,b"})) << compressed;
    // and the CSV reader takes either
    EXPECT_EQ(ReadCsv(p.string()).rows.size(), 2u);
    fs::remove(p);
  }
  EXPECT_THROW(LineReader(Temp("missing").string()), InputError);
}

TEST(GzipTest, TruncatedOrCorruptStreamsAreErrorsNamingTheFile) {
  const std::string golden = Golden();
  try {
    GzipDecompress(golden.substr(0, golden.size() - 12), "cut.csv.gz");
    FAIL() << "a truncated stream was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.csv.gz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  std::string corrupt = golden;
  corrupt[12] = static_cast<char>(0xff);
  EXPECT_THROW(GzipDecompress(corrupt, "bad.csv.gz"), InputError);
  // through the CSV reader, the file's path is named
  const fs::path p = Temp("cut.csv.gz");
  Write(p, golden.substr(0, golden.size() - 12));
  try {
    ReadCsv(p.string());
    FAIL() << "a truncated file was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
  fs::remove(p);
}

}  // namespace
}  // namespace counterpoint
