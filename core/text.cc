#include "core/text.h"

#include <cstdio>

namespace counterpoint {

namespace {

// a sequence's length from its first byte, and the range its second byte must lie in
// (table 3-7 of the Unicode standard); len 0 for a byte that starts no sequence
struct Lead {
  size_t len;
  unsigned lo, hi;
};

Lead LeadOf(unsigned char c) {
  if (c < 0x80) return {1, 0, 0};
  if (c >= 0xC2 && c <= 0xDF) return {2, 0x80, 0xBF};
  if (c == 0xE0) return {3, 0xA0, 0xBF};  // no overlong forms
  if (c == 0xED) return {3, 0x80, 0x9F};  // no UTF-16 surrogates
  if (c >= 0xE1 && c <= 0xEF) return {3, 0x80, 0xBF};
  if (c == 0xF0) return {4, 0x90, 0xBF};
  if (c >= 0xF1 && c <= 0xF3) return {4, 0x80, 0xBF};
  if (c == 0xF4) return {4, 0x80, 0x8F};  // at most U+10FFFF
  return {0, 0, 0};
}

}  // namespace

std::string Utf8Problem(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    const Lead lead = LeadOf(c);
    const size_t len = lead.len;
    const unsigned lo = lead.lo, hi = lead.hi;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned b = s[i + k];
      ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    }
    if (!ok) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "byte 0x%02x at byte %zu is not UTF-8", static_cast<unsigned>(c), i + 1);
      return buf;
    }
    i += len;
  }
  return "";
}

std::string NotUtf8Message(const std::string& text) {
  const std::string bad = Utf8Problem(text);
  return bad.empty() ? bad : bad + "; save the file as UTF-8 (for example: iconv -f latin1 -t utf-8)";
}

}  // namespace counterpoint
