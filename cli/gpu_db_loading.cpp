#include "gpu_db_loading.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "vramcalc/error.hpp"

namespace vramcalc::cli {

namespace {
// A GPU database is a few hundred kilobytes; refuse files that cannot be one.
constexpr std::uintmax_t k_max_database_bytes = 64ULL * 1024 * 1024;
}  // namespace

std::string read_text_file(const std::string& path, const std::string& what) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) {
    throw Error(ErrorKind::file,
                "cannot read " + what + " '" + path + "': " + std::strerror(errno),
                "check the path");
  }
  if (S_ISDIR(info.st_mode)) {
    throw Error(ErrorKind::file, what + " '" + path + "' is a directory", "name a JSON file");
  }
  if (static_cast<std::uintmax_t>(info.st_size) > k_max_database_bytes) {
    throw Error(ErrorKind::file, what + " '" + path + "' is larger than 64 MiB",
                "name the right file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::file, "cannot open " + what + " '" + path + "'", "check permissions");
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

GpuDatabase load_gpu_database(const std::vector<std::string>& extra_files) {
  GpuDatabase database = GpuDatabase::built_in();
  const char* env = std::getenv(k_gpu_db_env);
  if (env != nullptr && env[0] != '\0') {
    database.merge_json(read_text_file(env, std::string("GPU database (") + k_gpu_db_env + ")"),
                        env);
  }
  for (const auto& path : extra_files) {
    database.merge_json(read_text_file(path, "GPU database"), path);
  }
  return database;
}

}  // namespace vramcalc::cli
