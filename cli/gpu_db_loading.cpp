#include "gpu_db_loading.hpp"

#include <algorithm>
#include <cstdlib>

#include "vramcalc/error.hpp"
#include "vramcalc/text_input.hpp"

namespace vramcalc::cli {

namespace {

std::string read_database(const std::string& path, const std::string& what) {
  TextInputLimits limits;
  limits.max_bytes = k_gpu_db_max_bytes;
  return read_text_input(path, what, limits);
}

std::string origin_of(const std::string& path) {
  return path == k_stdin_path ? std::string("<stdin>") : path;
}

}  // namespace

void check_stdin_read_once(const std::vector<std::string>& paths) {
  if (std::count(paths.begin(), paths.end(), std::string(k_stdin_path)) > 1) {
    throw Error(ErrorKind::usage, "standard input ('-') is named more than once",
                "standard input can be read once: name at most one input '-', the others as files");
  }
}

GpuDatabase load_gpu_database(const std::vector<std::string>& extra_files) {
  GpuDatabase database = GpuDatabase::built_in();
  std::vector<std::string> paths;
  const char* env = std::getenv(k_gpu_db_env);
  if (env != nullptr && env[0] != '\0') {
    paths.emplace_back(env);
  }
  paths.insert(paths.end(), extra_files.begin(), extra_files.end());
  check_stdin_read_once(paths);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const bool from_env = env != nullptr && env[0] != '\0' && i == 0;
    const std::string what =
        from_env ? std::string("GPU database (") + k_gpu_db_env + ")" : "GPU database";
    database.merge_json(read_database(paths[i], what), origin_of(paths[i]));
  }
  return database;
}

}  // namespace vramcalc::cli
