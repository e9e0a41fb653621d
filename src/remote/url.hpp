#pragma once
// The little URL handling remote reads need (internal): http(s) only, no parsing beyond the
// scheme, the authority and the path.

#include <optional>
#include <string>
#include <string_view>

namespace vramcalc::remote {

/// An http or https URL cut into its parts.
struct UrlParts {
  std::string scheme;     ///< "http" or "https", lower case
  std::string authority;  ///< host[:port] without user information, lower case
  std::string path;       ///< from the first '/' up to '?' or '#' ("/" when empty)
  std::string query;      ///< from '?' (included) up to '#'; empty when none
};

/// The parts of `url`, or nullopt when it is not an absolute http(s) URL with a host, or holds
/// control characters or spaces.
[[nodiscard]] std::optional<UrlParts> split_url(std::string_view url);

/// "scheme://authority" with the default port (80, 443) left out: what decides whether a
/// redirect stays with the server the token belongs to. Empty when `url` is not http(s).
[[nodiscard]] std::string url_origin(std::string_view url);

/// `url` fit for a message: without user information, query or fragment (presigned URLs carry
/// credentials there).
[[nodiscard]] std::string display_url(std::string_view url);

/// `url` up to and including the last '/' of its path (the folder of a file).
[[nodiscard]] std::string url_folder(std::string_view url);

/// The last segment of the path of `url` (its file name), percent-decoding left undone.
[[nodiscard]] std::string url_file_name(std::string_view url);

/// Percent-encodes every byte of `text` but RFC 3986's unreserved characters (A-Z a-z 0-9
/// - . _ ~) and those in `safe` (Python's urllib.parse.quote(text, safe)).
[[nodiscard]] std::string percent_encode(std::string_view text, std::string_view safe);

}  // namespace vramcalc::remote
