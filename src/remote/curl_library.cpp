// Loading libcurl at run time: curl_library.hpp.
#include "remote/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "vramcalc/error.hpp"

namespace vramcalc::remote {

namespace {

// libcurl 4's soname; the unversioned name only exists where the -dev package is installed.
constexpr const char* k_library_names[] = {"libcurl.so.4", "libcurl.so"};

[[noreturn]] void fail_load(const std::string& why) {
  throw Error(ErrorKind::file, "cannot load the network library libcurl: " + why,
              "install libcurl (Debian/Ubuntu: apt install libcurl4) to read models over HTTP");
}

template <typename Function>
void bind(void* library, const char* name, Function& target) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) {
    fail_load(std::string("libcurl.so.4 has no ") + name);
  }
  // POSIX guarantees that dlsym's object pointer converts to a function pointer.
  target = reinterpret_cast<Function>(symbol);
}

CurlApi load() {
  void* library = nullptr;
  std::string errors;
  for (const char* name : k_library_names) {
    library = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) {
      break;
    }
    const char* why = ::dlerror();
    errors += (errors.empty() ? "" : "; ") + std::string(why != nullptr ? why : name);
  }
  if (library == nullptr) {
    fail_load(errors);
  }
  // Never closed: libcurl and OpenSSL keep global state until the process ends.
  CurlApi api;
  CURLcode (*global_init)(long) = nullptr;
  bind(library, "curl_global_init", global_init);
  bind(library, "curl_easy_init", api.easy_init);
  bind(library, "curl_easy_setopt", api.easy_setopt);
  bind(library, "curl_easy_perform", api.easy_perform);
  bind(library, "curl_easy_getinfo", api.easy_getinfo);
  bind(library, "curl_easy_cleanup", api.easy_cleanup);
  bind(library, "curl_easy_strerror", api.easy_strerror);
  bind(library, "curl_slist_append", api.slist_append);
  bind(library, "curl_slist_free_all", api.slist_free_all);
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fail_load("curl_global_init failed");
  }
  return api;
}

}  // namespace

const CurlApi& curl_api() {
  static std::once_flag once;
  static CurlApi api;
  static std::string failure;
  std::call_once(once, [] {
    try {
      api = load();
    } catch (const Error& error) {
      failure = error.what();
    }
  });
  if (!failure.empty()) {
    throw Error(ErrorKind::file, failure,
                "install libcurl (Debian/Ubuntu: apt install libcurl4) to read models over HTTP");
  }
  return api;
}

}  // namespace vramcalc::remote
