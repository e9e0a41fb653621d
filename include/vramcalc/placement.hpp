#pragma once
/// Placement: what each device (every GPU, CPU RAM, disk) holds for a model, workload and
/// engine, and whether each fits. Strategies in the order of simplicity: one card; several
/// cards split by tensor parallelism (within a node) or pipeline stages (across nodes, or for
/// mixed cards); llama.cpp-style CPU offload of layers or of MoE experts; accelerate-style
/// weight streaming with disk as the last resort.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/speed.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

enum class DeviceKind { gpu, cpu, disk };

enum class PlanStrategy {
  single,             ///< everything on one card
  tensor_parallel,    ///< layers sharded across the cards of a node
  pipeline_parallel,  ///< layers in stages, one stage per card (mixed cards: by capacity)
  tensor_pipeline,    ///< tensor parallel within nodes, pipeline across nodes
  offload,            ///< llama.cpp: the last layers on the GPU (-ngl), the rest computed on the CPU
  expert_offload,     ///< llama.cpp: routed experts of some layers on the CPU (--n-cpu-moe)
  streamed_offload,   ///< accelerate: layers in RAM (or on disk) copied to the GPU every pass
};

/// What one device holds.
struct DevicePlan {
  DeviceKind kind = DeviceKind::gpu;
  std::string id;                    ///< GPU id ("nvidia-l4"), "cpu" or "disk"
  std::string name;
  std::uint64_t capacity_bytes = 0;  ///< usable memory; 0 when unknown (RAM without --ram)
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_cache_bytes = 0;
  std::uint64_t activations_bytes = 0;  ///< activations / compute buffer
  std::uint64_t overhead_bytes = 0;     ///< CUDA context, framework and communication buffers
  std::uint64_t other_bytes = 0;        ///< host buffers (logits), token embeddings kept in RAM
  std::uint64_t used_bytes = 0;         ///< the sum of the five above
  std::uint64_t replicated_bytes = 0;   ///< part of used_bytes every GPU of the plan holds
  std::uint32_t first_layer = 0;        ///< the layers whose weights live here
  std::uint32_t layer_count = 0;
  std::uint32_t expert_layers = 0;      ///< layers whose routed experts live here (CPU)
  bool fits = true;                     ///< used within capacity (always true when unknown)
};

/// The cards: one group per card type (mixed cards: several groups), `count` of each per node.
struct GpuGroup {
  GpuSpec gpu;
  std::uint32_t count = 1;
};

enum class ParallelMode { automatic, tensor, pipeline };

struct PlanRequest {
  const ModelSpec* model = nullptr;
  WeightFormat format;
  Workload workload;
  EstimateOptions options;            ///< engine and its settings (gpu filled per device)
  std::vector<GpuGroup> gpus;         ///< per node
  std::uint32_t nodes = 1;            ///< nodes with the same cards each
  std::optional<std::uint64_t> ram_bytes;  ///< host RAM for offload (--ram)
  ParallelMode mode = ParallelMode::automatic;
  bool force_offload = false;         ///< plan an offload even if the cards hold it (--offload)
  /// Offload may be the plan when the cards alone do not hold the model (--ram or --offload
  /// given); otherwise it is only recommended.
  bool allow_offload = false;
};

struct Plan {
  PlanStrategy strategy = PlanStrategy::single;
  bool fits = false;                  ///< every device within capacity (and the KV pool holds
                                      ///< batch sequences of context, for pool engines)
  std::vector<DevicePlan> devices;    ///< GPUs first, then CPU, then disk
  std::uint64_t total_bytes = 0;      ///< sum of used_bytes over devices
  std::uint64_t replicated_bytes = 0; ///< bytes held in a copy on every GPU (sum over GPUs)
  std::uint32_t tensor_parallel = 1;
  std::uint32_t pipeline_parallel = 1;
  std::uint32_t gpu_layers = 0;       ///< llama.cpp -ngl (layers on GPUs; + output when all)
  std::uint32_t cpu_layers = 0;
  std::uint32_t n_cpu_moe = 0;        ///< layers whose experts stay on the CPU
  std::optional<KvPool> kv_pool;      ///< pool engines: per card
  SpeedEstimate speed;
  double slowdown = 1.0;              ///< expected decode all-on-GPU / this plan's (>= 1)
  std::string engine_flags;           ///< ready-to-run command-line fragment
  std::vector<std::string> notes;
};

/// Bandwidth the CPU computes offloaded layers at: system RAM, ~50 GB/s (dual-channel DDR5,
/// and the 41-52 GB/s llama.cpp's ngl sweep implies; shared/validation/THROUGHPUT.md §4).
inline constexpr double k_system_ram_gb_s = 50.0;

/// Memory for NCCL and custom all-reduce buffers on each card of a tensor- or
/// pipeline-parallel plan: 0.20-0.25 GiB in vLLM's non-torch memory at TP/PP on 24 GB cards
/// (shared/validation/NOTES.md section 7); 256 MiB.
inline constexpr std::uint64_t k_communication_buffer_bytes = 256ULL * 1024 * 1024;

/// The best plan for the request: the simplest strategy that fits, else the one that comes
/// closest (offload when RAM allows). Throws vramcalc::Error (kind usage) on an impossible
/// request (no cards, a tensor-parallel degree that does not divide the heads when forced).
[[nodiscard]] Plan make_plan(const PlanRequest& request);

/// Other strategies worth showing beside `make_plan`'s (pipeline beside tensor parallel,
/// expert offload beside layer offload), each complete.
[[nodiscard]] std::vector<Plan> alternative_plans(const PlanRequest& request, const Plan& chosen);

/// Names used in text and JSON.
[[nodiscard]] const char* strategy_name(PlanStrategy strategy);
[[nodiscard]] const char* device_kind_name(DeviceKind kind);

}  // namespace vramcalc
