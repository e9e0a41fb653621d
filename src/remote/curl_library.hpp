#pragma once
// libcurl's entry points, loaded with dlopen the first time a remote model is asked for
// (internal). vramcalc does not link libcurl: a query on local files starts without loading it
// and its dependencies (TLS, HTTP/2, IDN, ...), and a binary built elsewhere still runs where
// libcurl is absent, until a remote source is named (docs/remote.md).

#include <curl/curl.h>

namespace vramcalc::remote {

/// The few libcurl functions vramcalc calls (curl/easy.h).
struct CurlApi {
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
};

/// Loads libcurl.so.4 (the soname of Debian's and Fedora's libcurl) once, thread-safely, and
/// initialises it. Throws vramcalc::Error (kind file) naming the library when it cannot be
/// loaded or lacks a function.
[[nodiscard]] const CurlApi& curl_api();

}  // namespace vramcalc::remote
