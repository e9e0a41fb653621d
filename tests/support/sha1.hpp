#pragma once
// SHA-1 (FIPS 180-4), for the held-out rule of the accuracy data: a row is held out when the
// SHA-1 of its source starts with a hex digit 0-4 (docs/accuracy.md).

#include <string>
#include <string_view>

namespace vramcalc::test {

/// The SHA-1 digest of `text` as 40 lowercase hex digits.
[[nodiscard]] std::string sha1_hex(std::string_view text);

/// Whether a row whose split key (its source, or its model in a single-source set) is `key`
/// is held out: the SHA-1 of the key starts with 0, 1, 2, 3 or 4.
[[nodiscard]] bool held_out_key(std::string_view key);

}  // namespace vramcalc::test
