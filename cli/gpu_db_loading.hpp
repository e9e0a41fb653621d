#pragma once
// Loads the GPU database: the built-in one, then VRAMCALC_GPU_DB, then --gpu-db files.

#include <string>
#include <vector>

#include "vramcalc/gpu.hpp"

namespace vramcalc::cli {

/// Environment variable naming an extra GPU database file, merged by id over the built-in one.
inline constexpr const char* k_gpu_db_env = "VRAMCALC_GPU_DB";

/// The built-in database merged with $VRAMCALC_GPU_DB and each of `extra_files` in order.
/// Throws vramcalc::Error (kind file) when a file cannot be read.
[[nodiscard]] GpuDatabase load_gpu_database(const std::vector<std::string>& extra_files);

/// Reads a whole file; throws vramcalc::Error (kind file) naming `what` when it cannot.
[[nodiscard]] std::string read_text_file(const std::string& path, const std::string& what);

}  // namespace vramcalc::cli
