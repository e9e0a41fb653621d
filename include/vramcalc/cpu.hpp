#pragma once
/// Host CPUs as devices: the CPU that computes offloaded layers, or every layer of a CPU-only
/// plan. Decode on a CPU reads its weights and KV cache from system RAM, so what matters is the
/// DRAM bandwidth: memory channels x transfer rate x 8 bytes, as the vendor's datasheet gives it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

struct CpuSpec {
  std::string id;                  ///< e.g. "amd-epyc-9654"; "custom" for --cpu-bandwidth
  std::string name;                ///< e.g. "AMD EPYC 9654"
  std::uint32_t cores = 0;         ///< physical cores; 0 unknown
  std::uint32_t memory_channels = 0;  ///< 64-bit DRAM channels; 0 unknown
  std::uint32_t memory_mt_s = 0;   ///< DRAM transfer rate, MT/s; 0 unknown
  double bandwidth_gb_s = 0;       ///< datasheet DRAM bandwidth, 10^9 B/s
  std::string isa;                 ///< widest vector extension: "AVX-512", "AVX2", "NEON"
  std::string source;              ///< where the figures come from
};

/// Bandwidth the CPU is taken to have when none is named (--cpu, --cpu-bandwidth): dual-channel
/// DDR5 at about 3200 MT/s, 51.2 GB/s.
[[nodiscard]] CpuSpec default_cpu();

/// A CPU given only by its bandwidth (--cpu-bandwidth).
[[nodiscard]] CpuSpec custom_cpu(double bandwidth_gb_s);

/// The built-in table of common server and desktop CPUs.
[[nodiscard]] const std::vector<CpuSpec>& cpu_table();

/// The CPU called `name` (id or name, case and punctuation ignored: "epyc 9654", "i9-13900K");
/// nullptr when unknown.
[[nodiscard]] const CpuSpec* find_cpu(std::string_view name);

/// Ids of the table, for listings and "did you mean".
[[nodiscard]] std::vector<std::string> cpu_names();

}  // namespace vramcalc
