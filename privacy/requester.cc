#include "privacy/requester.h"

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/text.h"

namespace counterpoint::privacy {

namespace {
// decodes text already checked to be valid UTF-8
std::vector<uint32_t> Decode(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

void Encode(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool IsIgnorable(uint32_t c) { return c == 0xAD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF; }

bool IsControl(uint32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// an upper-case letter whose lower case follows it (pairs starting on `first`'s parity)
bool PairUpper(uint32_t c, uint32_t lo, uint32_t hi) { return c >= lo && c <= hi && (c - lo) % 2 == 0; }

// simple case folding (CaseFolding.txt, status C and S) for the scripts listed in requester.h
uint32_t Fold(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 0x20;
  if (c < 0x80) return c;
  if (c == 0xB5) return 0x3BC;  // micro sign -> Greek mu
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  // Latin Extended-A
  if (PairUpper(c, 0x100, 0x12E) || PairUpper(c, 0x132, 0x136) || PairUpper(c, 0x139, 0x147) ||
      PairUpper(c, 0x14A, 0x176) || PairUpper(c, 0x179, 0x17D))
    return c + 1;
  if (c == 0x178) return 0xFF;
  if (c == 0x17F) return 's';  // long s
  // Greek
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB)) return c + 0x20;
  if (c == 0x3C2) return 0x3C3;  // final sigma
  // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (PairUpper(c, 0x460, 0x480) || PairUpper(c, 0x48A, 0x4BE) || PairUpper(c, 0x4D0, 0x52E)) return c + 1;
  if (c == 0x4C0) return 0x4CF;
  if (PairUpper(c, 0x4C1, 0x4CD)) return c + 1;
  // Latin Extended Additional
  if (PairUpper(c, 0x1E00, 0x1E94) || PairUpper(c, 0x1EA0, 0x1EFE)) return c + 1;
  if (c == 0x1E9E) return 0xDF;  // capital sharp s
  // fullwidth Latin
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}
}  // namespace

std::string NormaliseRequester(const std::string& name, const std::string& where) {
  if (const std::string bad = Utf8Problem(name); !bad.empty())
    throw InputError(where, "the requester name is not UTF-8 (" + bad + "): give it as UTF-8 text");
  std::string folded;
  bool pending_space = false;
  for (uint32_t c : Decode(name)) {
    if (IsSpace(c)) {
      pending_space = !folded.empty();
      continue;
    }
    if (IsIgnorable(c)) continue;
    if (IsControl(c))
      throw InputError(where, "the requester name '" + name +
                                  "' holds a control character: give the name or e-mail address as plain text");
    if (pending_space) folded += ' ';
    pending_space = false;
    Encode(Fold(c), folded);
  }
  // `Display Name <addr>` -> addr
  if (!folded.empty() && folded.back() == '>') {
    const size_t open = folded.rfind('<');
    if (open != std::string::npos) {
      std::string addr = folded.substr(open + 1, folded.size() - open - 2);
      while (!addr.empty() && addr.front() == ' ') addr.erase(addr.begin());
      while (!addr.empty() && addr.back() == ' ') addr.pop_back();
      if (!addr.empty()) folded = addr;
    }
  }
  if (folded.empty())
    throw InputError(where, "the requester name '" + name +
                                "' is empty once white space is removed: give the name or e-mail address the "
                                "policy lists for the requester");
  return folded;
}

}  // namespace counterpoint::privacy
