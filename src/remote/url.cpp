// URL parts, origins and encoding: url.hpp.
#include "remote/url.hpp"

#include <cctype>

namespace vramcalc::remote {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool printable(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<UrlParts> split_url(std::string_view url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string_view::npos || !printable(url)) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = lower(url.substr(0, colon));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return std::nullopt;
  }
  std::string_view rest = url.substr(colon + 3);
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  if (authority.empty() || authority.front() == ':') {
    return std::nullopt;
  }
  parts.authority = lower(authority);
  const std::string_view tail = end == std::string_view::npos ? "" : rest.substr(end);
  const std::size_t question = tail.find('?');
  parts.path = std::string(tail.substr(0, question));
  if (parts.path.empty()) {
    parts.path = "/";
  }
  if (question != std::string_view::npos) {
    parts.query = std::string(tail.substr(question));
  }
  return parts;
}

std::string url_origin(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) {
    return {};
  }
  std::string authority = parts->authority;
  const std::string default_port = parts->scheme == "https" ? ":443" : ":80";
  if (authority.size() > default_port.size() &&
      authority.compare(authority.size() - default_port.size(), default_port.size(),
                        default_port) == 0 &&
      authority.back() != ']') {
    authority.resize(authority.size() - default_port.size());
  }
  return parts->scheme + "://" + authority;
}

std::string display_url(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) {
    return "(not an http(s) URL)";
  }
  return parts->scheme + "://" + parts->authority + parts->path;
}

std::string url_folder(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) {
    return {};
  }
  const std::string& path = parts->path;
  return parts->scheme + "://" + parts->authority + path.substr(0, path.rfind('/') + 1);
}

std::string url_file_name(std::string_view url) {
  const auto parts = split_url(url);
  if (!parts) {
    return {};
  }
  return parts->path.substr(parts->path.rfind('/') + 1);
}

std::string percent_encode(std::string_view text, std::string_view safe) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
        safe.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace vramcalc::remote
