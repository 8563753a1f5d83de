// Utf8Problem against hand-made byte strings (RFC 3629, table 3-7 of the Unicode standard).
#include "core/text.h"

#include <gtest/gtest.h>

namespace counterpoint {
namespace {

TEST(Utf8Test, AcceptsEveryLengthAtItsLimits) {
  EXPECT_EQ(Utf8Problem(""), "");
  EXPECT_EQ(Utf8Problem("plain ascii"), "");
  EXPECT_EQ(Utf8Problem("\xc2\x80\xdf\xbf"), "");                  // U+0080, U+07FF
  EXPECT_EQ(Utf8Problem("\xe0\xa0\x80\xef\xbf\xbf"), "");          // U+0800, U+FFFF
  EXPECT_EQ(Utf8Problem("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), "");  // U+10000, U+10FFFF
  EXPECT_EQ(Utf8Problem("Kr\xc3\xa4henb\xc3\xbchl"), "");          // Krähenbühl
}

TEST(Utf8Test, NamesTheFirstBadByteAndItsPosition) {
  EXPECT_EQ(Utf8Problem("bad\xff name"), "byte 0xff at byte 4 is not UTF-8");
  EXPECT_EQ(Utf8Problem("\xc3"), "byte 0xc3 at byte 1 is not UTF-8");              // cut short
  EXPECT_EQ(Utf8Problem("ab\xc3(x"), "byte 0xc3 at byte 3 is not UTF-8");          // bad continuation
  EXPECT_EQ(Utf8Problem("\xc0\xaf"), "byte 0xc0 at byte 1 is not UTF-8");          // overlong '/'
  EXPECT_EQ(Utf8Problem("\xe0\x80\xaf"), "byte 0xe0 at byte 1 is not UTF-8");      // overlong
  EXPECT_EQ(Utf8Problem("\xed\xa0\x80"), "byte 0xed at byte 1 is not UTF-8");      // surrogate D800
  EXPECT_EQ(Utf8Problem("\xf4\x90\x80\x80"), "byte 0xf4 at byte 1 is not UTF-8");  // above U+10FFFF
  EXPECT_EQ(Utf8Problem("\xf5\x80\x80\x80"), "byte 0xf5 at byte 1 is not UTF-8");
  EXPECT_EQ(Utf8Problem("\x80"), "byte 0x80 at byte 1 is not UTF-8");  // lone continuation
  EXPECT_EQ(Utf8Problem("ok \xe2\x82\xac then \xfe"), "byte 0xfe at byte 13 is not UTF-8");
}

TEST(Utf8Test, TheMessageAddsTheFix) {
  EXPECT_EQ(NotUtf8Message("Caf\xc3\xa9"), "");
  EXPECT_EQ(NotUtf8Message("Caf\xe9"),
            "byte 0xe9 at byte 4 is not UTF-8; save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)");
}

}  // namespace
}  // namespace counterpoint
