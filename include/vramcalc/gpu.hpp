#pragma once
/// The GPU database: cards with their usable memory, bandwidth, compute and interconnect.
/// The built-in database is embedded in the binary; extra JSON files add or override entries.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vramcalc {

/// Least usable memory a card may have: 64 MiB. Nothing runs below it: the CUDA context and
/// libraries alone take 1322 MiB in vramcalc's measurements (docs/formulas.md, runtime
/// overhead), and the smallest cards sold for compute carry gigabytes. A figure below it is a
/// unit mistake or a hostile file, and would make "fits" meaningless.
inline constexpr std::uint64_t k_min_usable_bytes = 64ULL << 20;
/// Largest GPU database file: 4 MiB. The built-in one (208 cards with sources and notes) is ~410 KB; the
/// cap keeps a file at the limit within 1 s and 256 MB (bench/caps_bench.cpp), where the JSON
/// document of a 16 MiB file could take 400 MB.
inline constexpr std::uint64_t k_gpu_db_max_bytes = 4ULL << 20;
/// Most entries in one GPU database file: 16,384, dozens of times every GPU model ever sold for
/// compute. The bound is set by what is done per card: --which-gpus plans every card on 1, 2,
/// 4 and 8 of them, and a 405B model over 16,384 cards takes under a second (65,536: 3.5 s).
inline constexpr std::size_t k_gpu_db_max_entries = 16384;
/// GPU database schema versions this vramcalc reads (data/gpus.json: "schema_version": 1).
inline constexpr int k_gpu_db_schema_version = 1;

/// The values of an entry's "form": where the card is used.
inline constexpr std::string_view k_gpu_forms[] = {"consumer", "laptop", "workstation",
                                                   "datacenter", "unified"};

/// How usable memory was obtained.
enum class UsableMemorySource {
  driver,   ///< the total the driver reports (nvidia-smi MiB), as measured
  derived,  ///< marketed GiB, less ECC's reserve on GDDR cards (no driver figure known)
  user,     ///< given on the command line (--vram)
};

struct GpuSpec {
  std::string id;                    ///< unique, e.g. "nvidia-l4"
  std::string name;                  ///< marketing name, e.g. "NVIDIA L4"
  std::string vendor;                ///< "NVIDIA", "AMD", "Apple", "Intel"
  std::vector<std::string> aliases;  ///< other names it answers to ("l4")
  std::uint64_t memory_bytes = 0;    ///< memory as marketed, in bytes (24 GB card: 24 GiB)
  std::uint64_t usable_bytes = 0;    ///< what the driver reports as total (see source)
  UsableMemorySource usable_source = UsableMemorySource::derived;
  std::string memory_type;           ///< "GDDR6", "HBM3", ...
  double bandwidth_gb_s = 0;         ///< memory bandwidth, GB/s (10^9 bytes/s); 0 unknown
  std::optional<double> fp16_tflops;  ///< dense fp16/bf16 tensor throughput, TFLOP/s
  std::optional<double> fp8_tflops;   ///< dense fp8 tensor throughput, TFLOP/s
  std::optional<double> int8_tops;    ///< dense int8 tensor throughput, TOP/s
  std::string interconnect;          ///< e.g. "NVLink 4", "PCIe 4.0 x16"
  double interconnect_gb_s = 0;      ///< GPU-to-GPU bandwidth per direction, GB/s; 0 unknown
  std::string pcie;                  ///< host link, e.g. "PCIe 4.0 x16"
  std::string architecture;          ///< "Ada Lovelace", "CDNA 3", "Apple M2", ... (may be empty)
  std::string form;                  ///< one of k_gpu_forms, or empty when not given
  std::optional<int> launch_year;
  /// As the entry gave them, so that `vramcalc gpus --format json` writes the entry back:
  /// the driver's total (usable_source driver), ECC's reserve and the unified-memory share.
  bool ecc_reserve = false;
  std::optional<double> usable_fraction;
  /// What one card costs per hour, user-supplied (--gpu-db); `currency` names its unit
  /// ("USD" when the entry gives a price without one).
  std::optional<double> price_per_hour;
  std::string currency;
  /// Weight formats its tensor units multiply natively: "fp16", "bf16", "int8", "fp8", "fp4".
  /// Others are dequantised in the kernel (fp8 on Ampere, MXFP4 before Blackwell). Empty:
  /// unknown (JSON null), taken as fp16, bf16 and int8.
  std::vector<std::string> native_formats;
  std::vector<std::string> default_for;  ///< names for which this is the declared default variant
  std::vector<std::string> sources;  ///< where the figures come from (URLs, documents)
  std::vector<std::string> notes;    ///< what is unknown, derived or special about the figures
  std::string origin;                ///< "built-in" or the path of the file that defined it

  [[nodiscard]] bool operator==(const GpuSpec&) const = default;
};

/// The result of looking a name up.
struct GpuMatch {
  const GpuSpec* gpu = nullptr;          ///< the card chosen
  std::vector<const GpuSpec*> variants;  ///< other cards the name also covers (same memory)
};

class GpuDatabase {
 public:
  /// The database embedded in the binary. Its cards are made from the compiled table on first
  /// use: a query that names one card makes one, `gpus()` makes them all.
  [[nodiscard]] static GpuDatabase built_in();

  /// Parses a database document (a JSON array of entries, or {"gpus": [...]} with an optional
  /// "schema_version": 1 and "about") whose entries add to or replace (same id, found by hash)
  /// the current ones. Every field is validated: known keys only, types, positive figures,
  /// usable memory at most the card's memory and at least k_min_usable_bytes, string lengths,
  /// at most k_gpu_db_max_bytes and k_gpu_db_max_entries. `origin` names the file in messages.
  /// Throws vramcalc::Error (kind file/data) naming the entry and the field at fault.
  void merge_json(std::string_view json_text, const std::string& origin);

  /// Looks a card up by id, name or alias, forgivingly ("L4", "rtx4090", "RTX 4090", "4090",
  /// "a100-80gb"). A name that covers several cards of the same memory picks the declared
  /// default variant; one that covers cards of different memory throws (kind input) listing
  /// them; an unknown name throws with the closest name ("did you mean"). The card lives as
  /// long as the database (until merge_json).
  [[nodiscard]] GpuMatch resolve(std::string_view name) const;

  /// Every card, sorted by id. Safe to call from several threads, like resolve().
  [[nodiscard]] const std::vector<GpuSpec>& gpus() const;

  /// Every card as gpus() has it but without its aliases, default_for, sources and notes: the
  /// figures a plan reads, for sweeps over the whole database (--which-gpus). Made once; the
  /// cards live as long as the database (until merge_json).
  [[nodiscard]] const std::vector<GpuSpec>& card_figures() const;

 private:
  // Card `index`, made from the built-in table if it was not yet; every card so. Both with
  // m_lock held.
  const GpuSpec& card(std::size_t index) const;
  void make_all_cards() const;

  // A mutex that copies as a new one: a copied database has its own.
  struct Lock {
    std::mutex mutex;
    Lock() = default;
    Lock(const Lock&) {}
    Lock& operator=(const Lock&) { return *this; }
  };

  mutable std::vector<GpuSpec> m_gpus;       // sorted by id; empty while m_table_unread
  mutable bool m_table_unread = false;       // the cards are still the built-in table's rows
  mutable std::map<std::size_t, GpuSpec> m_found;  // rows made one by one (stable addresses)
  mutable std::vector<GpuSpec> m_figures;    // card_figures(), made on first use
  mutable Lock m_lock;                       // guards the four above while cards are made
};

/// Lowercases and keeps letters and digits only: "RTX 4090" -> "rtx4090". Lookups compare
/// names in this form.
[[nodiscard]] std::string normalize_gpu_name(std::string_view name);

/// A card that is not in the database, standing for `--vram SIZE`. Any size is accepted (tests
/// build tiny cards); input from a user goes through check_usable_memory first.
[[nodiscard]] GpuSpec custom_gpu(std::uint64_t usable_bytes);

/// Throws vramcalc::Error (kind input) naming `what` when `usable_bytes` is below
/// k_min_usable_bytes.
void check_usable_memory(std::uint64_t usable_bytes, const std::string& what);

}  // namespace vramcalc
