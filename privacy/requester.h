// Who is asking: the normalised form of a requester's name, under which spellings of
// one person or organisation share one identity and one budget.
//
// The rule (docs/data-protection.md, "Requesters"), applied to the names in the policy
// and to every name a release is asked under, in this order:
//   1. the name must be UTF-8 without control characters (InputError otherwise);
//   2. Unicode white space (U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A,
//      U+2028, U+2029, U+202F, U+205F, U+3000) reads as a space; the invisible
//      U+00AD, U+200B-200D, U+2060 and U+FEFF are dropped;
//   3. letters are case-folded: simple case folding (Unicode CaseFolding.txt, status C
//      and S) for ASCII, Latin-1, Latin Extended-A and Additional, Greek, Cyrillic and
//      fullwidth Latin;
//   4. spaces are trimmed at both ends and runs of spaces collapse to one;
//   5. an address form `Display Name <addr>` becomes `addr` (the display name is free
//      text and is ignored); a bare `addr` stays as it is.
// There is no NFC/NFKC normalisation and no provider-specific address rewriting (dots,
// +tags): such a spelling normalises to a name the policy does not list and is refused,
// never given a budget of its own.
#pragma once

#include <string>

namespace counterpoint::privacy {

/// The normalised requester name; throws InputError (naming `where`) for text that is
/// not UTF-8, holds control characters, or is empty after normalisation.
std::string NormaliseRequester(const std::string& name, const std::string& where);

}  // namespace counterpoint::privacy
