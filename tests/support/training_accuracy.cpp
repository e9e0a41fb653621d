#include "training_accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sha1.hpp"
#include "train_command.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/train.hpp"

namespace vramcalc::test {

namespace {

using Json = nlohmann::json;

}  // namespace

bool held_out_by_rule(const std::string& text) {
  return held_out_key(text);  // the accuracy data's rule (sha1.hpp)
}

double TrainingRecord::relative_error() const {
  if (prediction_range) {
    const auto [low, high] = *prediction_range;
    if (measured >= low && measured <= high) {
      return 0;
    }
    return ((measured < low ? low : high) - measured) / measured;
  }
  if (range) {
    if (predicted >= range->first && predicted <= range->second) {
      return 0;
    }
    const double nearest = predicted < range->first ? range->first : range->second;
    return (predicted - nearest) / nearest;
  }
  return measured == 0 ? 0 : (predicted - measured) / measured;
}

namespace {

// The row's counter from the plan: torch's allocated (or peak active) excludes the CUDA
// context, NCCL's own buffers and the caching allocator's reserve; reserved adds the reserve;
// the driver's figure is everything on the GPU.
double at_counter(const TrainingPlan& plan, const std::string& counter) {
  const double context = static_cast<double>(plan.gpu.cuda_context.bytes);
  const double reserve = static_cast<double>(plan.gpu.fragmentation.bytes);
  const double nccl = static_cast<double>(plan.nccl_bytes);
  const double total = static_cast<double>(plan.per_gpu_bytes);
  if (counter == "allocated" || counter == "active") {
    return total - context - reserve - nccl;
  }
  if (counter == "reserved") {
    return total - context - nccl;
  }
  if (counter == "model_states") {
    // What the peers' estimators count: the GPU's share of parameters, gradients and
    // optimizer states after offload, with gradients held (ZeRO keeps them).
    const TrainingDeployment& d = plan.deployment;
    const ModelStates& m = plan.model_states;
    double states = static_cast<double>(m.total_bytes());
    if (d.offload_params) {
      states -= static_cast<double>(m.parameters_bytes + m.frozen_bytes);
    }
    if (d.offload_optimizer) {
      states -= static_cast<double>(m.optimizer_bytes);
      if (d.parallelism != TrainParallelism::zero1) {
        states -= static_cast<double>(m.gradients_bytes);
      }
    }
    return states;
  }
  return total;  // driver
}

std::vector<std::string> resolved_query(const Json& query) {
  std::vector<std::string> args;
  for (const auto& a : query) {
    args.push_back(a.get<std::string>());
  }
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--config") {
      args[i + 1] = std::string(VRAMCALC_SOURCE_DIR) + "/" + args[i + 1];
    }
  }
  return args;
}

TrainingRecord record_of(const Json& row) {
  TrainingRecord r;
  r.row = row.at("id").get<std::string>();
  r.source = row.at("source").get<std::string>();
  r.held_out = row.at("split").get<std::string>() == "held_out";
  r.kind = row.at("kind").get<std::string>();
  r.outcome = row.at("outcome").is_string() ? row["outcome"].get<std::string>() : "";
  const Json& v = row.at("vramcalc");
  r.gated = v.at("gated").get<bool>();
  r.reason = v.at("reason").is_string() ? v["reason"].get<std::string>() : "";
  if (row.at("trainable_params").is_number()) {
    r.trainable_stated = row["trainable_params"].get<std::uint64_t>();
  }
  if (v.at("measured_bytes").is_number()) {
    r.measured = v["measured_bytes"].get<double>();
  }
  if (v.contains("measured_range_bytes")) {
    const Json& range = v["measured_range_bytes"];
    r.range = std::make_pair(range[0].get<double>(), range[1].get<double>());
    r.measured = range[0].get<double>();
  }
  if (v.at("query").is_null()) {
    return r;
  }
  r.counter = v.at("counter").get<std::string>();
  try {
    cli::TrainQuery query = cli::parse_train_query(resolved_query(v["query"]));
    const TrainingReport report = build_training_report(std::move(query.request));
    const TrainingPlan& plan = report.plan;
    r.expressible = true;
    if (r.counter == "torch") {
      // A torch figure the source does not name: anything from allocated to reserved.
      r.prediction_range =
          std::make_pair(at_counter(plan, "allocated"), at_counter(plan, "reserved"));
    }
    r.predicted = at_counter(plan, r.counter == "torch" ? "reserved" : r.counter);
    r.allocated = at_counter(plan, "allocated");
    r.transient = static_cast<double>(plan.gpu.activations.bytes + plan.gpu.logits.bytes +
                                      plan.gpu.buffers.bytes - plan.nccl_bytes);
    r.fits = plan.fits;
    r.trainable_predicted = plan.trainable_params;
  } catch (const Error& e) {
    r.gated = false;
    r.reason = std::string("refused: ") + e.what();
  }
  return r;
}

double median(std::vector<double> values) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

std::vector<TrainingRecord> training_records() {
  std::ifstream in(std::string(VRAMCALC_TEST_DATA_DIR) + "/validation/training.json");
  const Json doc = Json::parse(in);
  std::vector<TrainingRecord> records;
  for (const Json& row : doc.at("rows")) {
    records.push_back(record_of(row));
  }
  return records;
}

TrainingGate training_gate(const std::vector<TrainingRecord>& records, bool held_out) {
  TrainingGate gate;
  std::vector<double> errors;
  std::size_t within = 0;
  for (const TrainingRecord& r : records) {
    if (!r.gated || r.held_out != held_out) {
      continue;
    }
    const double error = std::fabs(r.relative_error());
    errors.push_back(error);
    within += error <= 0.25 ? 1 : 0;
    if (error >= gate.worst_abs_error) {
      gate.worst_abs_error = error;
      gate.worst_row = r.row;
    }
  }
  gate.rows = errors.size();
  gate.median_abs_error = median(errors);
  gate.share_within_25 =
      errors.empty() ? 0 : static_cast<double>(within) / static_cast<double>(errors.size());
  return gate;
}

double calibrated_fragmentation(const std::vector<TrainingRecord>& records) {
  std::vector<double> shares;
  for (const TrainingRecord& r : records) {
    if (r.gated && !r.held_out && r.counter == "reserved" && r.allocated > 0) {
      shares.push_back((r.measured - r.allocated) / r.allocated);
    }
  }
  return median(shares);
}

std::string training_accuracy_report(const std::vector<TrainingRecord>& records, bool rows) {
  std::string out = "Training memory (tests/data/validation/training.json)\n";
  if (rows) {
    out += fmt::format("  {:<48} {:<11} {:<10} {:>12} {:>12} {:>8}  {}\n", "row", "split",
                       "counter", "predicted", "measured", "error", "gate");
    for (const TrainingRecord& r : records) {
      if (!r.expressible) {
        out += fmt::format("  {:<48} {:<11} {:<10} {:>12} {:>12} {:>8}  {}\n", r.row,
                           r.held_out ? "held-out" : "calibration", "-", "-", "-", "-", r.reason);
        continue;
      }
      const std::string measured =
          r.range ? fmt::format("{:.1f}-{:.1f}", r.range->first / 1e9, r.range->second / 1e9)
          : r.measured > 0 ? fmt::format("{:.2f}", r.measured / 1e9)
                           : std::string("oom");
      const std::string error = r.measured > 0 || r.range
                                    ? fmt::format("{:+.1f}%", 100.0 * r.relative_error())
                                    : std::string(r.fits ? "FITS" : "no fit");
      const std::string predicted =
          r.prediction_range ? fmt::format("{:.2f}-{:.2f}", r.prediction_range->first / 1e9,
                                           r.prediction_range->second / 1e9)
                             : fmt::format("{:.2f}", r.predicted / 1e9);
      out += fmt::format("  {:<48} {:<11} {:<10} {:>12} {:>12} {:>8}  {}\n", r.row,
                         r.held_out ? "held-out" : "calibration", r.counter, predicted, measured,
                         error, r.gated ? "gated" : r.reason);
    }
    out += "  (GB = 10^9 bytes; a published range, or the allocated-reserved interval of an "
           "unnamed torch counter, counts 0 error when they meet)\n";
  }
  for (const bool held : {true, false}) {
    const TrainingGate g = training_gate(records, held);
    out += fmt::format(
        "  {:<12} {:>2} measured rows: median |error| {:.1f}%, {:.0f}% within +-25%, worst "
        "{:.1f}% ({}){}\n",
        held ? "held-out" : "calibration", g.rows, 100.0 * g.median_abs_error,
        100.0 * g.share_within_25, 100.0 * g.worst_abs_error, g.worst_row,
        held && g.rows < 5 ? " [fewer than 5 rows: reported, not claimed]" : "");
  }
  std::size_t oom = 0;
  std::size_t oom_agree = 0;
  for (const TrainingRecord& r : records) {
    if (r.outcome == "oom" && r.expressible) {
      ++oom;
      oom_agree += r.fits ? 0 : 1;
    }
  }
  out += fmt::format("  out-of-memory runs: {} of {} predicted not to fit\n", oom_agree, oom);
  out += fmt::format("  fragmentation share implied by the calibration rows (reserved): {:.1f}%\n",
                     100.0 * calibrated_fragmentation(records));
  out += "  peers (model states only; not gated):\n";
  for (const TrainingRecord& r : records) {
    if (r.kind == "estimate" && r.expressible) {
      out += fmt::format("    {:<46} vramcalc {:>8.2f} GB, peer {:>8.2f} GB ({:+.1f}%)\n", r.row,
                         r.predicted / 1e9, r.measured / 1e9, 100.0 * r.relative_error());
    }
  }
  return out;
}

}  // namespace vramcalc::test
