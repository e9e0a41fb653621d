// The CPU table: datasheet DRAM bandwidth = memory channels x MT/s x 8 bytes (one 64-bit channel
// moves 8 bytes per transfer), from each vendor's product page (cited per entry).
#include "vramcalc/cpu.hpp"

#include <cctype>

namespace vramcalc {

namespace {

std::string squash(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

CpuSpec entry(std::string id, std::string name, std::uint32_t cores, std::uint32_t channels,
              std::uint32_t mt_s, std::string isa, std::string source) {
  CpuSpec cpu;
  cpu.id = std::move(id);
  cpu.name = std::move(name);
  cpu.cores = cores;
  cpu.memory_channels = channels;
  cpu.memory_mt_s = mt_s;
  cpu.bandwidth_gb_s = static_cast<double>(channels) * mt_s * 8.0 / 1000.0;
  cpu.isa = std::move(isa);
  cpu.source = std::move(source);
  return cpu;
}

}  // namespace

CpuSpec default_cpu() {
  CpuSpec cpu = entry("default", "CPU RAM", 0, 2, 3200, "",
                      "assumed: dual-channel DDR5-3200 when no CPU is named");
  return cpu;
}

CpuSpec custom_cpu(double bandwidth_gb_s) {
  CpuSpec cpu;
  cpu.id = "custom";
  cpu.name = "CPU RAM";
  cpu.bandwidth_gb_s = bandwidth_gb_s;
  cpu.source = "--cpu-bandwidth";
  return cpu;
}

const std::vector<CpuSpec>& cpu_table() {
  // Channels count 64-bit DRAM channels (a DDR5 DIMM's two 32-bit subchannels are one here);
  // LPDDR parts count their bus width / 64.
  static const std::vector<CpuSpec> table = {
      entry("amd-epyc-7763", "AMD EPYC 7763", 64, 8, 3200, "AVX2",
            "amd.com/en/products/processors/server/epyc/7003-series/amd-epyc-7763.html"),
      entry("amd-epyc-9135", "AMD EPYC 9135", 16, 12, 6000, "AVX-512",
            "amd.com/en/products/processors/server/epyc/9005-series/amd-epyc-9135.html"),
      entry("amd-epyc-9355", "AMD EPYC 9355", 32, 12, 6000, "AVX-512",
            "amd.com/en/products/processors/server/epyc/9005-series/amd-epyc-9355.html"),
      entry("amd-epyc-9654", "AMD EPYC 9654", 96, 12, 4800, "AVX-512",
            "amd.com/en/products/processors/server/epyc/4th-generation-9004-and-8004-series/"
            "amd-epyc-9654.html"),
      entry("amd-ryzen-7-7800x3d", "AMD Ryzen 7 7800X3D", 8, 2, 5200, "AVX-512",
            "amd.com/en/products/processors/desktops/ryzen/7000-series/"
            "amd-ryzen-7-7800x3d.html"),
      entry("amd-ryzen-9-7950x", "AMD Ryzen 9 7950X", 16, 2, 5200, "AVX-512",
            "amd.com/en/products/processors/desktops/ryzen/7000-series/amd-ryzen-9-7950x.html"),
      entry("amd-ryzen-9-9950x", "AMD Ryzen 9 9950X", 16, 2, 5600, "AVX-512",
            "amd.com/en/products/processors/desktops/ryzen/9000-series/amd-ryzen-9-9950x.html"),
      entry("amd-ryzen-ai-max-395", "AMD Ryzen AI Max+ 395", 16, 4, 8000, "AVX-512",
            "amd.com/en/products/processors/laptop/ryzen/ai-300-series/"
            "amd-ryzen-ai-max-plus-395.html (LPDDR5X-8000, 256-bit)"),
      entry("amd-threadripper-3970x", "AMD Ryzen Threadripper 3970X", 32, 4, 3200, "AVX2",
            "amd.com/en/products/processors/desktops/ryzen-threadripper/3000-series/"
            "amd-ryzen-threadripper-3970x.html"),
      entry("amd-threadripper-7980x", "AMD Ryzen Threadripper 7980X", 64, 4, 5200, "AVX-512",
            "amd.com/en/products/processors/workstations/ryzen-threadripper/7000-series/"
            "amd-ryzen-threadripper-7980x.html"),
      entry("apple-m1-max", "Apple M1 Max", 10, 8, 6400, "NEON",
            "apple.com/newsroom/2021/10/introducing-m1-pro-and-m1-max (400 GB/s, LPDDR5-6400, "
            "512-bit)"),
      entry("apple-m2-ultra", "Apple M2 Ultra", 24, 16, 6400, "NEON",
            "apple.com/newsroom/2023/06/apple-introduces-m2-ultra (800 GB/s, LPDDR5-6400, "
            "1024-bit)"),
      entry("intel-core-i5-6500", "Intel Core i5-6500", 4, 2, 2133, "AVX2",
            "intel.com ark 88184 (DDR4-2133, two channels)"),
      entry("intel-core-i9-10900x", "Intel Core i9-10900X", 10, 4, 2933, "AVX-512",
            "intel.com ark 198019 (DDR4-2933, four channels)"),
      entry("intel-core-i9-13900k", "Intel Core i9-13900K", 24, 2, 5600, "AVX2",
            "intel.com ark 230496 (DDR5-5600, two channels)"),
      entry("intel-core-i9-14900k", "Intel Core i9-14900K", 24, 2, 5600, "AVX2",
            "intel.com ark 236773 (DDR5-5600, two channels)"),
      entry("intel-xeon-platinum-8480plus", "Intel Xeon Platinum 8480+", 56, 8, 4800,
            "AVX-512", "intel.com ark 231746 (DDR5-4800, eight channels)"),
  };
  return table;
}

const CpuSpec* find_cpu(std::string_view name) {
  const std::string wanted = squash(name);
  if (wanted.empty()) {
    return nullptr;
  }
  for (const CpuSpec& cpu : cpu_table()) {
    if (squash(cpu.id) == wanted || squash(cpu.name) == wanted) {
      return &cpu;
    }
  }
  // "epyc 9654", "13900k": a unique entry whose squashed name ends with the name given.
  const CpuSpec* found = nullptr;
  for (const CpuSpec& cpu : cpu_table()) {
    const std::string full = squash(cpu.name);
    if (full.size() >= wanted.size() &&
        full.compare(full.size() - wanted.size(), wanted.size(), wanted) == 0) {
      if (found != nullptr) {
        return nullptr;
      }
      found = &cpu;
    }
  }
  return found;
}

std::vector<std::string> cpu_names() {
  std::vector<std::string> names;
  for (const CpuSpec& cpu : cpu_table()) {
    names.push_back(cpu.id);
  }
  return names;
}

}  // namespace vramcalc
