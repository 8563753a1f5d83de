// Tests for core/io: the CSV reader (quoting, line numbers, errors), number
// parsing with locations, atomic writes and .npy reading/writing.
#include "core/io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "test_util.h"

namespace counterpoint {
namespace {

using testing::CatchInputError;
using testing::Contains;

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("counterpoint_io_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes raw bytes to dir/name and returns the path.
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    return path;
  }

  fs::path dir_;
};

// Builds a .npy file by hand: magic, version, little-endian header length, header, payload.
std::string MakeNpy(const std::string& header_dict, const std::string& payload, int major = 1) {
  std::string header = header_dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += static_cast<char>(0);
  const size_t len = header.size();
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>((len >> 8) & 0xff);
  if (major != 1) {
    out += static_cast<char>(0);
    out += static_cast<char>(0);
  }
  return out + header + payload;
}

template <class T>
std::string Bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// ---------------------------------------------------------------- CSV

TEST_F(IoTest, CsvQuotedFieldsKeepCommasAndEscapedQuotes) {
  const auto path = Write("q.csv",
                          "id,text,n\n"
                          "1,\"a, b\",2\n"
                          "2,\"say \"\"hi\"\"\",3\n"
                          "3,\"\",4\n");
  const CsvTable t = ReadCsv(path);
  EXPECT_EQ(t.path, path);
  ASSERT_EQ(t.header, (std::vector<std::string>{"id", "text", "n"}));
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "a, b", "2"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"2", "say \"hi\"", "3"}));
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"3", "", "4"}));
  EXPECT_EQ(t.lines, (std::vector<int>{2, 3, 4}));
}

TEST_F(IoTest, CsvQuotedNewlineAdvancesLineNumbers) {
  const auto path = Write("nl.csv",
                          "id,text\n"
                          "a,\"two\nlines\"\n"
                          "b,after\n");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "two\nlines");
  EXPECT_EQ(t.rows[1][0], "b");
  EXPECT_EQ(t.lines, (std::vector<int>{2, 4}));
}

TEST_F(IoTest, CsvHandlesCrlfLineEndings) {
  const auto path = Write("crlf.csv", "a,b\r\n1,2\r\n3,4\r\n");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(t.lines, (std::vector<int>{2, 3}));
}

TEST_F(IoTest, CsvSkipsUtf8ByteOrderMark) {
  const auto path = Write("bom.csv", "\xEF\xBB\xBFid,x\n1,2\n");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.header.size(), 2u);
  EXPECT_EQ(t.header[0], "id");
  EXPECT_EQ(t.Column("id"), 0);
  EXPECT_EQ(t.lines, (std::vector<int>{2}));
}

TEST_F(IoTest, CsvSkipsCommentLinesButKeepsLineNumbers) {
  const auto path = Write("c.csv",
                          "id,x\n"
                          "# a note, with a comma\n"
                          "1,2\n"
                          "#x,y,z\n"
                          "3,#4\n");
  const CsvTable t = ReadCsv(path, '#');
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "2"}));
  // '#' only starts a comment at the beginning of a line
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "#4"}));
  EXPECT_EQ(t.lines, (std::vector<int>{3, 5}));
}

TEST_F(IoTest, CsvWithoutCommentCharTreatsHashLinesAsData) {
  const auto path = Write("h.csv", "id\n#1\n2\n");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][0], "#1");
}

// The header documents that lines starting with `comment` are skipped; that
// should include comment lines before the header (e.g. a provenance note).
TEST_F(IoTest, CsvSkipsCommentLinesBeforeTheHeader) {
  const auto path = Write("pre.csv", "# exported 2024-01-01\nid,x\n1,2\n");
  const CsvTable t = ReadCsv(path, '#');
  EXPECT_EQ(t.header, (std::vector<std::string>{"id", "x"}));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.lines, (std::vector<int>{3}));
}

TEST_F(IoTest, CsvSkipsBlankLines) {
  const auto path = Write("b.csv", "id,x\n\n1,2\r\n\r\n3,4\n\n");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.lines, (std::vector<int>{3, 5}));
}

TEST_F(IoTest, CsvLastLineWithoutNewlineIsRead) {
  const auto path = Write("e.csv", "id,x\n1,2\n3,4");
  const CsvTable t = ReadCsv(path);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(t.lines, (std::vector<int>{2, 3}));
}

TEST_F(IoTest, CsvWrongFieldCountNamesFileAndLine) {
  const auto path = Write("bad.csv", "id,x,y\n1,2,3\n# c\n4,5\n");
  const InputError e = CatchInputError([&] { ReadCsv(path, '#'); });
  ASSERT_EQ(e.diagnostics().size(), 1u);
  const Diagnostic& d = e.diagnostics()[0];
  EXPECT_EQ(d.file, path);
  EXPECT_EQ(d.line, 4);
  EXPECT_TRUE(Contains(d.message, "expected 3 fields")) << d.message;
  EXPECT_TRUE(Contains(d.message, "found 2")) << d.message;
  EXPECT_TRUE(Contains(e.what(), path + ":4")) << e.what();
}

TEST_F(IoTest, CsvTextThatIsNotUtf8IsRefusedAtItsLineAndColumn) {
  // Latin-1 'é' (0xe9) in the second field of line 3, after a comment line; UTF-8 'é' passes
  const auto path = Write("latin1.csv", "id,name\n1,Caf\xc3\xa9\n# c\n2,Caf\xe9\n");
  const InputError e = CatchInputError([&] { ReadCsv(path, '#'); });
  ASSERT_EQ(e.diagnostics().size(), 1u);
  const Diagnostic& d = e.diagnostics()[0];
  EXPECT_EQ(d.line, 4);
  EXPECT_EQ(d.column, 2);
  EXPECT_TRUE(Contains(d.message, "byte 0xe9 at byte 4 is not UTF-8; save the file as UTF-8")) << d.message;
  // in the header too
  const auto head = Write("latin1_header.csv", "id,\xe9\n1,2\n");
  EXPECT_EQ(CatchInputError([&] { ReadCsv(head); }).diagnostics()[0].line, 1);
}

TEST_F(IoTest, CsvTooManyFieldsIsAnError) {
  const auto path = Write("many.csv", "a,b\n1,2\n1,\"2,3\",4\n");
  const InputError e = CatchInputError([&] { ReadCsv(path); });
  EXPECT_EQ(e.diagnostics()[0].line, 3);
  EXPECT_TRUE(Contains(e.diagnostics()[0].message, "found 3"));
}

TEST_F(IoTest, CsvUnterminatedQuoteNamesTheLineWhereItStarts) {
  const auto path = Write("u.csv", "a,b\n1,2\n3,\"open\nstill open\n");
  const InputError e = CatchInputError([&] { ReadCsv(path); });
  EXPECT_EQ(e.diagnostics()[0].file, path);
  EXPECT_EQ(e.diagnostics()[0].line, 3);
  EXPECT_TRUE(Contains(e.what(), "unterminated"));
}

TEST_F(IoTest, CsvMissingOrEmptyFileIsAnError) {
  const std::string missing = (dir_ / "nope.csv").string();
  const InputError e1 = CatchInputError([&] { ReadCsv(missing); });
  EXPECT_EQ(e1.diagnostics()[0].file, missing);
  const auto empty = Write("empty.csv", "");
  const InputError e2 = CatchInputError([&] { ReadCsv(empty); });
  EXPECT_EQ(e2.diagnostics()[0].file, empty);
  EXPECT_TRUE(Contains(e2.what(), "header"));
}

TEST_F(IoTest, CsvRequireColumnListsTheHeader) {
  const auto path = Write("r.csv", "id,label\n1,x\n");
  const CsvTable t = ReadCsv(path);
  EXPECT_EQ(t.Column("label"), 1);
  EXPECT_EQ(t.Column("missing"), -1);
  EXPECT_EQ(t.RequireColumn("id"), 0);
  const InputError e = CatchInputError([&] { t.RequireColumn("extremity"); });
  EXPECT_EQ(e.diagnostics()[0].file, path);
  EXPECT_EQ(e.diagnostics()[0].line, 1);
  EXPECT_TRUE(Contains(e.what(), "'extremity'"));
  EXPECT_TRUE(Contains(e.what(), "id, label"));
}

TEST_F(IoTest, CsvNumbersParseAndErrorsNameLineAndColumn) {
  const auto path = Write("n.csv",
                          "id,x,n\n"
                          "a,1.5,3\n"
                          "# skipped\n"
                          "b,abc,4.5\n"
                          "c,2e-3x,-7\n"
                          "d,,99999999999999999999\n");
  const CsvTable t = ReadCsv(path, '#');
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(CsvDouble(t, 0, 1), 1.5);
  EXPECT_EQ(CsvInt(t, 0, 2), 3);
  EXPECT_EQ(CsvInt(t, 2, 2), -7);
  EXPECT_EQ(CsvDouble(t, 0, 2), 3.0);

  const InputError bad_double = CatchInputError([&] { CsvDouble(t, 1, 1); });
  const Diagnostic& d = bad_double.diagnostics()[0];
  EXPECT_EQ(d.file, path);
  EXPECT_EQ(d.line, 4);  // the comment line still counts
  EXPECT_EQ(d.column, 2);
  EXPECT_TRUE(Contains(d.message, "'x'")) << d.message;
  EXPECT_TRUE(Contains(d.message, "'abc'")) << d.message;
  EXPECT_TRUE(Contains(bad_double.what(), path + ":4:2")) << bad_double.what();

  const InputError bad_int = CatchInputError([&] { CsvInt(t, 1, 2); });  // "4.5"
  EXPECT_EQ(bad_int.diagnostics()[0].line, 4);
  EXPECT_EQ(bad_int.diagnostics()[0].column, 3);
  EXPECT_TRUE(Contains(bad_int.diagnostics()[0].message, "integer"));
  EXPECT_TRUE(Contains(bad_int.diagnostics()[0].message, "'4.5'"));

  // trailing garbage, empty cells and out-of-range integers are errors too
  EXPECT_EQ(CatchInputError([&] { CsvDouble(t, 2, 1); }).diagnostics()[0].line, 5);
  EXPECT_EQ(CatchInputError([&] { CsvDouble(t, 3, 1); }).diagnostics()[0].line, 6);
  const InputError overflow = CatchInputError([&] { CsvInt(t, 3, 2); });
  EXPECT_EQ(overflow.diagnostics()[0].line, 6);
  EXPECT_EQ(overflow.diagnostics()[0].column, 3);
}

// ---------------------------------------------------------------- atomic writes

TEST_F(IoTest, WriteFileAtomicWritesReplacesAndCreatesDirectories) {
  const fs::path target = dir_ / "a" / "b" / "out.txt";
  WriteFileAtomic(target.string(), "first version, longer\n");
  EXPECT_EQ(ReadFile(target.string()), "first version, longer\n");
  WriteFileAtomic(target.string(), "second");  // shorter: no stale tail may remain
  EXPECT_EQ(ReadFile(target.string()), "second");
  std::string binary("\0\x01\xff", 3);
  WriteFileAtomic(target.string(), binary);
  EXPECT_EQ(ReadFile(target.string()), binary);
  // only the target is left in the directory: no temporary files
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(target.parent_path()))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"out.txt"}));
}

TEST_F(IoTest, WriteFileAtomicReportsAnUnwritableTarget) {
  // the parent "directory" is a regular file, so nothing can be created there
  Write("blocker", "x");
  const std::string path = (dir_ / "blocker" / "out.txt").string();
  EXPECT_THROW(WriteFileAtomic(path, "data"), std::exception);
  EXPECT_EQ(ReadFile((dir_ / "blocker").string()), "x");
}

TEST_F(IoTest, ReadFileMissingNamesThePath) {
  const std::string path = (dir_ / "missing.bin").string();
  const InputError e = CatchInputError([&] { ReadFile(path); });
  EXPECT_EQ(e.diagnostics()[0].file, path);
  EXPECT_TRUE(Contains(e.what(), path));
}

// ---------------------------------------------------------------- .npy

TEST_F(IoTest, NpyRoundTripIsExactAndAligned) {
  const int64_t rows = 5, cols = 3;
  std::vector<float> data(rows * cols);
  for (size_t i = 0; i < data.size(); ++i) data[i] = std::ldexp(static_cast<float>(i) - 7.25f, static_cast<int>(i) - 6);
  data[4] = -0.0f;
  data[7] = 3.0e38f;
  data[8] = 1.0e-40f;  // subnormal
  const std::string path = (dir_ / "sub" / "m.npy").string();
  WriteNpy(path, data.data(), rows, cols);
  const NpyMatrix m = ReadNpy(path);
  EXPECT_EQ(m.rows, rows);
  EXPECT_EQ(m.cols, cols);
  ASSERT_EQ(m.data.size(), data.size());
  EXPECT_EQ(0, std::memcmp(m.data.data(), data.data(), data.size() * 4));  // bit-exact

  // the format's layout: magic, version 1.0, header padded so data starts at a multiple of 64
  const std::string bytes = ReadFile(path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ(bytes[6], 1);
  EXPECT_EQ(bytes[7], 0);
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
  EXPECT_EQ(bytes.size(), 10 + header_len + data.size() * 4);
  EXPECT_TRUE(Contains(bytes.substr(10, header_len), "'shape': (5, 3)"));
}

TEST_F(IoTest, NpyFloat64IsReadAsFloat32) {
  const std::vector<double> values = {0.1, -2.5, 1e-3, 3.141592653589793, 1e10, -0.0};
  const auto path =
      Write("f8.npy", MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Bytes(values)));
  const NpyMatrix m = ReadNpy(path);
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  ASSERT_EQ(m.data.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(m.data[i], static_cast<float>(values[i])) << i;
}

TEST_F(IoTest, NpyOneDimensionalBecomesAColumn) {
  const std::vector<float> values = {1, 2, 3, 4};
  const auto path = Write("v.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Bytes(values)));
  const NpyMatrix m = ReadNpy(path);
  EXPECT_EQ(m.rows, 4);
  EXPECT_EQ(m.cols, 1);
  EXPECT_EQ(m.data, values);
}

TEST_F(IoTest, NpyVersion2HeaderIsRead) {
  const std::vector<float> values = {1.5f, -1.5f};
  const auto path = Write(
      "v2.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", Bytes(values), /*major=*/2));
  const NpyMatrix m = ReadNpy(path);
  EXPECT_EQ(m.rows, 1);
  EXPECT_EQ(m.cols, 2);
  EXPECT_EQ(m.data, values);
}

TEST_F(IoTest, NpyErrorsNameTheFile) {
  const std::vector<float> six(6, 1.0f);
  struct Case {
    std::string name, bytes, expect;
  };
  const std::vector<Case> cases = {
      {"magic.npy",
       "\x93NUMPZ" + MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(six)).substr(6),
       "magic"},
      {"short.npy", "\x93NUM", "magic"},
      {"fortran.npy", MakeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", Bytes(six)), "Fortran"},
      {"int.npy", MakeNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(six)), "'<i4'"},
      {"big_endian.npy", MakeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(six)), "'>f4'"},
      {"truncated.npy",
       MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", Bytes(six).substr(0, 20)), "truncated"},
      {"truncated_f8.npy",
       MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Bytes(six)),  // 24 of 48 bytes
       "truncated"},
      {"3d.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", Bytes(six)), "3 dimensions"},
      {"0d.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", Bytes(six)), "0 dimensions"},
      {"header.npy", std::string("\x93NUMPY") + '\x01' + '\0' + '\xff' + '\0' + "{'descr'", "truncated"},
  };
  for (const auto& c : cases) {
    const auto path = Write(c.name, c.bytes);
    const InputError e = CatchInputError([&] { ReadNpy(path); });
    ASSERT_FALSE(e.diagnostics().empty()) << c.name;
    EXPECT_EQ(e.diagnostics()[0].file, path) << c.name;
    EXPECT_TRUE(Contains(e.what(), c.expect)) << c.name << ": " << e.what();
  }
  const std::string missing = (dir_ / "missing.npy").string();
  EXPECT_EQ(CatchInputError([&] { ReadNpy(missing); }).diagnostics()[0].file, missing);
}

// A malformed shape should be reported like every other header problem.
TEST_F(IoTest, NpyMalformedShapeIsAnInputError) {
  const auto path = Write("shape.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (two, 3), }",
                                               Bytes(std::vector<float>(6, 1.0f))));
  const InputError e = CatchInputError([&] { ReadNpy(path); });
  EXPECT_EQ(e.diagnostics()[0].file, path);
}

// Shapes whose element count or byte size overflows int64, or that promise more
// bytes than the file holds, are refused before anything is allocated (a
// 2^62-row header must not reach a resize).
TEST_F(IoTest, NpyHugeOrOverflowingShapesAreRefusedBeforeAllocation) {
  const std::string six = Bytes(std::vector<float>(6, 1.0f));
  struct Case {
    std::string name, shape, descr, expect;
  };
  const std::vector<Case> cases = {
      // 2^62 rows x 4 bytes = 2^64 bytes: the byte size overflows
      {"rows_2_62.npy", "(4611686018427387904,)", "<f4", "overflows 64 bits"},
      {"rows_2_62_2d.npy", "(4611686018427387904, 1)", "<f4", "overflows 64 bits"},
      // the element count itself overflows: 2^32 x 2^32 = 2^64
      {"count.npy", "(4294967296, 4294967296)", "<f4", "overflows 64 bits"},
      // 2^61 x 2 = 2^62 elements fit, 2^62 x 8 bytes do not
      {"bytes_f8.npy", "(2305843009213693952, 2)", "<f8", "overflows 64 bits"},
      // fits int64 (2^60 bytes) but is far larger than the file
      {"larger.npy", "(268435456, 1073741824)", "<f4", "truncated"},
      {"one_more.npy", "(7,)", "<f4", "truncated"},
      // a dimension beyond int64
      {"dim_2_64.npy", "(18446744073709551616, 1)", "<f4", "beyond 2^63"},
  };
  for (const auto& c : cases) {
    const auto path =
        Write(c.name, MakeNpy("{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': " + c.shape + ", }", six));
    const InputError e = CatchInputError([&] { ReadNpy(path); });
    ASSERT_FALSE(e.diagnostics().empty()) << c.name;
    EXPECT_EQ(e.diagnostics()[0].file, path) << c.name;
    EXPECT_TRUE(Contains(e.what(), c.expect)) << c.name << ": " << e.what();
  }
  // the exact size is accepted (the boundary of the check above)
  const auto exact = Write("exact.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six));
  EXPECT_EQ(ReadNpy(exact).rows, 6);
  // a payload longer than the header promises is read up to what it promises
  const auto longer = Write("longer.npy", MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", six));
  EXPECT_EQ(ReadNpy(longer).data.size(), 5u);
}

// Header fields with their quotes or brackets missing are InputErrors too.
TEST_F(IoTest, NpyMalformedHeaderFieldsAreInputErrors) {
  const std::string six = Bytes(std::vector<float>(6, 1.0f));
  for (const std::string dict : {"{'descr': <f4, 'fortran_order': False, 'shape': (6,), }",
                                 "{'descr': '<f4', 'fortran_order': False, 'shape': 6, }",
                                 "{'descr': '<f4', 'fortran_order': False, 'shape': (6, }"}) {
    const auto path = Write("bad.npy", MakeNpy(dict, six));
    const InputError e = CatchInputError([&] { ReadNpy(path); });
    EXPECT_TRUE(Contains(e.what(), "malformed")) << dict << ": " << e.what();
  }
}

// Fortran order given last in the dict (no trailing comma) is still detected.
TEST_F(IoTest, NpyFortranOrderDetectedInAnyKeyOrder) {
  const std::vector<float> six(6, 1.0f);
  const auto path = Write("f.npy", MakeNpy("{'descr': '<f4', 'shape': (2, 3), 'fortran_order': True}", Bytes(six)));
  const InputError e = CatchInputError([&] { ReadNpy(path); });
  EXPECT_TRUE(Contains(e.what(), "Fortran"));
  const auto ok = Write("c.npy", MakeNpy("{'descr': '<f4', 'shape': (2, 3), 'fortran_order': False}", Bytes(six)));
  EXPECT_EQ(ReadNpy(ok).data, six);
}

}  // namespace
}  // namespace counterpoint
