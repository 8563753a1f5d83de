// Text from user files: whether it is UTF-8, and where it stops being so.
#pragma once

#include <string>

namespace counterpoint {

/// Empty if `text` is valid UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF); otherwise what is wrong and where, e.g. "byte 0xff at byte 4 is not UTF-8".
std::string Utf8Problem(const std::string& text);

/// Empty if `text` is valid UTF-8; otherwise Utf8Problem with the fix, for an error
/// message about text read from a file.
std::string NotUtf8Message(const std::string& text);

}  // namespace counterpoint
