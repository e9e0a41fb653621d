#pragma once
// Loads the GPU database: the built-in one, then VRAMCALC_GPU_DB, then --gpu-db files.

#include <string>
#include <vector>

#include "vramcalc/gpu.hpp"

namespace vramcalc::cli {

/// Environment variable naming an extra GPU database file, merged by id over the built-in one.
inline constexpr const char* k_gpu_db_env = "VRAMCALC_GPU_DB";

/// The built-in database merged with $VRAMCALC_GPU_DB and each of `extra_files` in order; each
/// a JSON file, a pipe (`<(jq ...)`) or "-" for standard input, at most k_gpu_db_max_bytes.
/// Throws vramcalc::Error (kind file) when one cannot be read (see read_text_input).
[[nodiscard]] GpuDatabase load_gpu_database(const std::vector<std::string>& extra_files);

/// Throws vramcalc::Error (kind usage) when "-" (standard input) is among `paths` twice.
void check_stdin_read_once(const std::vector<std::string>& paths);

}  // namespace vramcalc::cli
