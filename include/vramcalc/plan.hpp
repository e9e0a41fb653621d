#pragma once
/// The one planner. A Deployment says what is asked (precision, workload, engine, cards,
/// parallelism, offload, margin); a Plan says what each device (every GPU, CPU RAM, disk)
/// holds, whether it fits, how fast it runs and how to run it. Every answer of vramcalc — the
/// verdict, each recommendation, ladder row, solver answer and alternative — is a Plan made by
/// `Planner::plan`, so they cannot disagree. Strategies: one card; identical cards split by
/// tensor parallelism, pipeline stages or both (vLLM, SGLang, the generic profile); llama.cpp's
/// and accelerate's layer split over several cards (mixed cards too); llama.cpp CPU offload of
/// layers or MoE experts; accelerate weight streaming with disk as the last resort.
/// docs/formulas.md, "Placement".

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vramcalc/attachments.hpp"
#include "vramcalc/cpu.hpp"
#include "vramcalc/dtype.hpp"
#include "vramcalc/estimate.hpp"
#include "vramcalc/gpu.hpp"
#include "vramcalc/model.hpp"
#include "vramcalc/speed.hpp"
#include "vramcalc/workload.hpp"

namespace vramcalc {

/// Cards of one type: `count` per node.
struct GpuGroup {
  GpuSpec gpu;
  std::uint32_t count = 1;
};

enum class ParallelMode {
  automatic,  ///< tensor parallel when the count divides the heads, else tensor x pipeline,
              ///< else pipeline (engines that split by layers: their layer split)
  tensor,     ///< tensor parallel only (the count must divide the attention heads)
  pipeline,   ///< pipeline stages only
};

/// Which offload a deployment asks for (with --offload, or when offload is allowed).
enum class OffloadKind {
  automatic,  ///< the engine's kind that fits best (llama.cpp: layers or experts; accelerate:
              ///< streaming)
  layers,     ///< llama.cpp: whole layers on the CPU (-ngl)
  experts,    ///< llama.cpp: routed experts of some layers on the CPU (--n-cpu-moe)
};

/// Memory kept free on every GPU, like llama.cpp's --fit-target: a size, or a share of the
/// card's usable memory. Default: none.
struct Margin {
  std::uint64_t bytes = 0;  ///< a fixed size per card
  double percent = 0;       ///< a share of each card's usable memory, 0 <= percent < 100
};

/// What one plan is asked for, besides the model: everything a recommendation or solver may
/// change. Cards are per node; `gpus` empty means no hardware (an estimate without verdict).
struct Deployment {
  WeightFormat format;
  Workload workload;
  EstimateOptions options;            ///< engine settings and overhead (the card is per device)
  std::vector<GpuGroup> gpus;         ///< per node; several groups: mixed cards
  std::uint32_t nodes = 1;            ///< nodes with the same cards each
  ParallelMode mode = ParallelMode::automatic;
  std::uint32_t tensor_parallel = 0;  ///< explicit degree (--tp); 0: the planner chooses
  std::uint32_t pipeline_parallel = 0;  ///< explicit degree (--pp); 0: the planner chooses
  std::optional<std::uint64_t> ram_bytes;  ///< host RAM for offload (--ram)
  bool force_offload = false;         ///< plan an offload even when the cards hold it
  OffloadKind offload = OffloadKind::automatic;
  Margin margin;
  bool allow_long_context = false;    ///< contexts beyond the model's trained length
  /// The host CPU that computes offloaded layers (--cpu, --cpu-bandwidth). Default: none named,
  /// dual-channel DDR5 (default_cpu()).
  std::optional<CpuSpec> cpu;
  /// Every layer on the CPU, no GPU (--cpu-only): llama.cpp, Ollama, transformers and the
  /// generic profile. `gpus` must be empty; `ram_bytes` is the capacity, when given.
  bool cpu_only = false;
  /// What is served beside the language model: a vision projector, a draft model, LoRA
  /// adapters (--mmproj, --draft, --lora). Each is sized for the workload and placed: on the
  /// first card (llama.cpp's main GPU), split over the first stage's ranks under tensor
  /// parallelism, on the CPU for --cpu-only.
  Attachments attachments;
};

/// Cards in the deployment: the groups' counts times the nodes.
[[nodiscard]] std::uint32_t total_cards(const Deployment& deployment);

/// Offload may be the plan when the cards alone do not hold the model: --ram or --offload.
[[nodiscard]] bool offload_allowed(const Deployment& deployment);

/// Whether `engine` keeps a KV pool sized from a fraction of the card (vLLM, SGLang).
[[nodiscard]] bool pool_engine(EngineKind engine);

/// Whether `engine` splits a model over several cards by layers (llama.cpp's -sm layer,
/// accelerate's device_map) rather than by tensor parallelism.
[[nodiscard]] bool layer_split_engine(EngineKind engine);

enum class DeviceKind { gpu, cpu, disk };

enum class PlanStrategy {
  single,             ///< everything on one card
  tensor_parallel,    ///< layers sharded across the cards (vLLM/SGLang/generic)
  pipeline_parallel,  ///< layers in equal stages, one stage per card (vLLM/SGLang/generic)
  tensor_pipeline,    ///< tensor parallel within stages, stages in a pipeline
  layer_split,        ///< llama.cpp -sm layer / accelerate: layers by card capacity, in turn
  offload,            ///< llama.cpp: the last layers on the GPU (-ngl), the rest on the CPU
  expert_offload,     ///< llama.cpp: routed experts of some layers on the CPU (--n-cpu-moe)
  streamed_offload,   ///< accelerate: layers in RAM (or on disk) copied to the GPU every pass
  cpu_only,           ///< every layer on the CPU (--cpu-only)
};

/// An attachment where the planner put it.
struct PlacedAttachment {
  AttachmentMemory memory;
  std::vector<std::string> devices;  ///< ids of the devices sharing it equally
};

/// What one device holds.
struct DevicePlan {
  DeviceKind kind = DeviceKind::gpu;
  std::string id;                    ///< GPU id ("nvidia-l4"), "cpu" or "disk"
  std::string name;
  std::uint64_t capacity_bytes = 0;  ///< usable memory; 0 when unknown (RAM without --ram)
  std::uint64_t margin_bytes = 0;    ///< kept free (--margin); GPUs only
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
  /// capacity - margin - used; nullopt when the capacity is unknown.
  std::optional<std::int64_t> headroom_bytes;
  bool fits = true;                     ///< headroom >= 0 (always true when unknown)
};

/// The answer to one Deployment.
struct Plan {
  Deployment deployment;              ///< what was planned
  MemoryEstimate estimate;            ///< the engine's estimate behind the devices (one card;
                                      ///< pool engines: one tensor-parallel rank)
  PlanStrategy strategy = PlanStrategy::single;
  /// Every device within capacity less margin, and (pool engines) every stage's KV pool holds
  /// `batch` sequences of `context`. Equals headroom_bytes >= 0 whenever a capacity is known;
  /// false without hardware.
  bool fits = false;
  /// The least, over devices of known capacity, of capacity - margin - used, and for pool
  /// engines of the pool's spare bytes (tokens beyond the workload x bytes per token; negative
  /// when short). nullopt without hardware.
  std::optional<std::int64_t> headroom_bytes;
  std::vector<DevicePlan> devices;    ///< GPUs first, then CPU, then disk
  // Whole-deployment sums over devices.
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_cache_bytes = 0;
  std::uint64_t activations_bytes = 0;
  std::uint64_t overhead_bytes = 0;
  std::uint64_t other_bytes = 0;
  std::uint64_t total_bytes = 0;      ///< sum of used_bytes over devices
  std::uint64_t gpu_bytes = 0;        ///< sum over GPUs
  std::uint64_t host_bytes = 0;       ///< sum over CPU RAM and disk
  std::uint64_t replicated_bytes = 0; ///< bytes held in a copy on every GPU (sum over GPUs)
  std::uint32_t tensor_parallel = 1;
  std::uint32_t pipeline_parallel = 1;  ///< pipeline stages, or cards of a layer split
  std::uint32_t gpu_layers = 0;       ///< repeating layers on GPUs
  bool output_on_gpu = false;         ///< the output layer on a GPU (llama.cpp: -ngl > layers)
  std::uint32_t cpu_layers = 0;
  std::uint32_t n_cpu_moe = 0;        ///< layers whose experts stay on the CPU
  std::optional<KvPool> kv_pool;      ///< pool engines: the stage whose pool holds least, per card
  std::uint64_t pool_tokens_needed = 0;  ///< pool engines: tokens the workload needs there
  std::optional<SpeedEstimate> speed;    ///< nullopt when a card's bandwidth is unknown
  std::optional<SpeedInput> speed_input; ///< what the speed model was given (with `speed`)
  std::optional<double> slowdown;     ///< expected decode all-on-one-card / this plan's
  std::string engine_flags;           ///< ready-to-run command; empty for the generic profile
  /// The attachments as placed: each one's memory and the devices holding it (its bytes are
  /// in those devices' weights, KV and activations, and so in the sums above).
  std::vector<PlacedAttachment> attachments;
  std::vector<std::string> notes;
};

/// Memory for NCCL and custom all-reduce buffers on each card of a tensor- or
/// pipeline-parallel plan of vLLM, SGLang or the generic profile: 0.20-0.25 GiB of vLLM's
/// non-torch memory at TP/PP on 24 GB cards (the vLLM start-up logs of
/// tests/data/validation/published.json);
/// 256 MiB.
inline constexpr std::uint64_t k_communication_buffer_bytes = 256ULL * 1024 * 1024;

/// Tensor-parallel degrees and card counts tried by the solvers and recommendations.
inline constexpr std::uint32_t k_max_planned_cards = 64;

/// How much of a plan is written out. Every figure (bytes, layout, verdict, speed) is the same
/// either way; `figures` leaves out the text (speed assumptions, the engine command line) that
/// a search over many candidate plans never shows.
enum class PlanDetail { full, figures };

/// Makes plans for one model, sharing what depends only on the model and the weight format
/// (per-tensor bytes, routed-expert bytes) between all the plans of a request. The model must
/// outlive the planner.
class Planner {
 public:
  explicit Planner(const ModelSpec& model);

  /// The plan for `deployment`: the simplest strategy that fits, else the one that comes
  /// closest (an offload when the deployment allows it). Throws vramcalc::Error (usage) on an
  /// impossible deployment: a tensor-parallel degree that does not divide the heads, degrees
  /// that do not multiply to the cards, mixed cards or a margin under a pool engine, a split
  /// the engine does not do, a context beyond the trained length where the engine refuses it.
  [[nodiscard]] Plan plan(const Deployment& deployment,
                          PlanDetail detail = PlanDetail::full) const;

  /// Other strategies worth showing beside `chosen` (pipeline beside tensor parallel, expert
  /// offload beside layer offload), each complete and re-runnable as its deployment says.
  [[nodiscard]] std::vector<Plan> alternatives(const Plan& chosen) const;

  /// The (tensor, pipeline) layouts `cards` identical cards can take under the deployment's
  /// engine and mode, most preferred first; empty when none is valid.
  struct Layout {
    std::uint32_t tensor_parallel = 1;
    std::uint32_t pipeline_parallel = 1;
  };
  [[nodiscard]] std::vector<Layout> layouts(const Deployment& deployment,
                                            std::uint32_t cards) const;

  [[nodiscard]] const ModelSpec& model() const { return *m_model; }

  struct Cache;  ///< per-format facts (internal)

 private:
  const ModelSpec* m_model;
  std::shared_ptr<Cache> m_cache;
};

/// Names used in text and JSON.
[[nodiscard]] const char* strategy_name(PlanStrategy strategy);
[[nodiscard]] const char* device_kind_name(DeviceKind kind);

}  // namespace vramcalc
