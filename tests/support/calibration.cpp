#include "calibration.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace vramcalc::test {

namespace {

using Json = nlohmann::json;

// A constant the fit may move, within physical bounds.
struct FitParam {
  const char* name;  // calibrated.hpp name
  double SpeedConstants::*field;
  double low;
  double high;
  const char* unit;
};

const std::vector<FitParam>& fit_params() {
  static const std::vector<FitParam> params = {
      {"k_eta_native", &SpeedConstants::eta_native, 0.3, 1.0, "share of spec bandwidth"},
      {"k_eta_dequantized", &SpeedConstants::eta_dequantized, 0.3, 1.0, "share of spec bandwidth"},
      {"k_eta_cpu", &SpeedConstants::eta_cpu, 0.2, 1.0, "share of datasheet DRAM bandwidth"},
      {"k_layer_graph_s", &SpeedConstants::layer_graph_s, 0.0, 1e-3, "s per layer"},
      {"k_layer_host_s", &SpeedConstants::layer_host_s, 0.0, 2e-3, "s per layer"},
      {"k_layer_fused_s", &SpeedConstants::layer_fused_s, 0.0, 1e-3, "s per layer"},
      {"k_layer_eager_s", &SpeedConstants::layer_eager_s, 0.0, 5e-3, "s per layer"},
      {"k_moe_layer_factor", &SpeedConstants::moe_layer_factor, 0.0, 10.0, "layers"},
      {"k_hop_s", &SpeedConstants::hop_s, 0.0, 5e-3, "s per hop"},
      {"k_crossing_s", &SpeedConstants::crossing_s, 0.0, 20e-3, "s per round trip"},
      // No faster than NCCL's fastest small all-reduce (6 µs, NVIDIA/nccl#1259).
      {"k_allreduce_s", &SpeedConstants::allreduce_s, 6e-6, 200e-6, "s per all-reduce"},
      {"k_allreduce_pcie_s", &SpeedConstants::allreduce_pcie_s, 6e-6, 500e-6,
       "s per all-reduce through PCIe"},
  };
  return params;
}

// Huber loss of the log error: quadratic within 20%, linear beyond, so one odd row cannot pull
// a constant far.
constexpr double k_huber = 0.2;

double loss(const std::vector<const ThroughputRow*>& rows, const SpeedConstants& k) {
  double total = 0;
  for (const ThroughputRow* row : rows) {
    const double predicted = predicted_tokens_per_s(*row, k);
    if (predicted <= 0) {
      continue;
    }
    const double e = std::abs(std::log(predicted / row->measured));
    total += e <= k_huber ? 0.5 * e * e : k_huber * (e - 0.5 * k_huber);
  }
  return total;
}

// Rows whose prediction moves when `param` moves across its range.
std::size_t support(const std::vector<const ThroughputRow*>& rows, const SpeedConstants& k,
                    const FitParam& param) {
  SpeedConstants low = k;
  SpeedConstants high = k;
  low.*param.field = param.low;
  high.*param.field = param.high;
  std::size_t n = 0;
  for (const ThroughputRow* row : rows) {
    const double a = predicted_tokens_per_s(*row, low);
    const double b = predicted_tokens_per_s(*row, high);
    n += a > 0 && std::abs(a - b) > 1e-6 * a ? 1U : 0U;
  }
  return n;
}

// Golden-section search of one constant, the others fixed.
void line_search(const std::vector<const ThroughputRow*>& rows, SpeedConstants& k,
                 const FitParam& param) {
  const double phi = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = param.low;
  double b = param.high;
  SpeedConstants trial = k;
  const auto at = [&](double x) {
    trial.*param.field = x;
    return loss(rows, trial);
  };
  double c = b - phi * (b - a);
  double d = a + phi * (b - a);
  double fc = at(c);
  double fd = at(d);
  for (int i = 0; i < 40; ++i) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - phi * (b - a);
      fc = at(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + phi * (b - a);
      fd = at(d);
    }
  }
  const double best = (a + b) / 2;
  if (at(best) <= loss(rows, k)) {
    k.*param.field = best;
  }
}

// Three significant digits: what calibrated.hpp keeps.
double rounded(double value) {
  if (value == 0) {
    return 0;
  }
  const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::abs(value))));
  return std::round(value * scale) / scale;
}

std::vector<const ThroughputRow*> calibration_rows(const std::string& except_source = {}) {
  std::vector<const ThroughputRow*> rows;
  for (const ThroughputRow& row : throughput_rows()) {
    if (!row.held_out && row.gated && row.source != except_source) {
      rows.push_back(&row);
    }
  }
  return rows;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::size_t sources_of(const std::vector<const ThroughputRow*>& rows) {
  std::set<std::string> sources;
  for (const ThroughputRow* row : rows) {
    sources.insert(row->source);
  }
  return sources.size();
}

// The H200 transformers runs of the calibration split: driver-used minus PyTorch's peak
// reserved (what the process holds outside the caching allocator), and peak reserved minus
// peak allocated over what was allocated beyond the weights (the allocator's slack).
void memory_constants(std::vector<DerivedConstant>& out) {
  std::ifstream in(test_data_dir() + "/gpu_truth/transformers_h200.json");
  const Json doc = Json::parse(in);
  std::vector<double> overheads;
  std::vector<double> slacks;
  std::set<std::string> models;
  for (const Json& r : doc["rows"]) {
    if (!r["error"].is_null() || r["split"] != "calibration") {
      continue;
    }
    models.insert(r["model"].get<std::string>());
    overheads.push_back(r["driver_used"].get<double>() - r["peak_reserved"].get<double>());
    const double beyond =
        r["peak_allocated"].get<double>() - r["weights_allocated"].get<double>();
    if (beyond > 0) {
      slacks.push_back((r["peak_reserved"].get<double>() - r["peak_allocated"].get<double>()) /
                       beyond);
    }
  }
  const std::string where = fmt::format(
      "{} calibration runs of tests/data/gpu_truth/transformers_h200.json ({} models)",
      overheads.size(), models.size());
  out.push_back({"k_runtime_overhead_mib", "std::uint64_t",
                 std::round(median(overheads) / 1048576.0), "MiB",
                 "median of driver-used minus PyTorch's peak reserved memory over " + where});
  out.push_back({"k_allocator_slack_percent", "unsigned", std::round(100.0 * median(slacks)), "%",
                 "median of peak reserved minus peak allocated over the memory allocated beyond "
                 "the weights, over " +
                     where});
}

}  // namespace

double predicted_tokens_per_s(const ThroughputRow& row, const SpeedConstants& k) {
  const double step = expected_decode_step_s(row.input, k);
  return step > 0 ? 1.0 / step : 0.0;
}

SpeedConstants fit_speed_constants(const std::vector<const ThroughputRow*>& rows,
                                   const SpeedConstants& start) {
  SpeedConstants k = start;
  for (int sweep = 0; sweep < 6; ++sweep) {
    for (const FitParam& param : fit_params()) {
      if (support(rows, k, param) > 0) {
        line_search(rows, k, param);
      }
    }
  }
  return k;
}

std::vector<DerivedConstant> derived_constants() {
  const std::vector<const ThroughputRow*> rows = calibration_rows();
  const SpeedConstants k = fit_speed_constants(rows);
  std::vector<DerivedConstant> out;
  for (const FitParam& param : fit_params()) {
    const std::size_t n = support(rows, k, param);
    out.push_back({param.name, "double", rounded(k.*param.field), param.unit,
                   n == 0 ? "no calibration row depends on it: the model's starting value"
                          : fmt::format("fitted to the {} calibration rows of throughput.json it "
                                        "changes (of {} fitted, {} sources)",
                                        n, rows.size(), sources_of(rows))});
  }
  // The band: 80% of the calibration rows fall within it.
  SpeedConstants fitted = k;
  std::vector<double> errors;
  for (const ThroughputRow* row : rows) {
    const double p = predicted_tokens_per_s(*row, fitted);
    if (p > 0) {
      errors.push_back(std::abs(p / row->measured - 1.0));
    }
  }
  std::sort(errors.begin(), errors.end());
  const double band = errors.empty() ? 0.25 : errors[errors.size() * 8 / 10];
  out.push_back({"k_speed_band", "double", std::ceil(band * 20.0) / 20.0, "relative",
                 fmt::format("the 80th percentile of |error| over the {} calibration rows, "
                             "rounded up to 5%",
                             errors.size())});
  memory_constants(out);
  return out;
}

std::string calibrated_header(const std::vector<DerivedConstant>& constants) {
  std::string text =
      "#pragma once\n"
      "// Constants derived from the calibration rows of tests/data/ (docs/accuracy.md, \"Held "
      "out by\n"
      "// construction\"): a row is held out when the SHA-1 of its source starts with 0-4; only "
      "the\n"
      "// others are used here. Written by vramcalc_calibrate (tests/calibrate.cpp): do not "
      "edit,\n"
      "// run `build/tests/vramcalc_calibrate --write`; the test \"calibrated constants are "
      "current\"\n"
      "// fails when this file differs from what the tool derives.\n"
      "\n"
      "#include <cstdint>\n"
      "\n"
      "namespace vramcalc::calibrated {\n";
  for (const DerivedConstant& c : constants) {
    text += fmt::format("\n// {} ({}).\n", c.basis, c.unit);
    if (c.type == "double") {
      std::string literal = fmt::format("{:g}", c.value);
      if (literal.find_first_of(".e") == std::string::npos) {
        literal += ".0";
      }
      text += fmt::format("inline constexpr double {} = {};\n", c.name, literal);
    } else {
      text += fmt::format("inline constexpr {} {} = {};\n", c.type, c.name,
                          static_cast<std::uint64_t>(c.value));
    }
  }
  text += "\n}  // namespace vramcalc::calibrated\n";
  return text;
}

std::vector<double> leave_one_source_out_errors() {
  const std::vector<ThroughputRow>& all = throughput_rows();
  std::map<std::string, SpeedConstants> fits;
  const SpeedConstants everything = fit_speed_constants(calibration_rows());
  std::vector<double> errors;
  for (const ThroughputRow& row : all) {
    auto it = fits.find(row.source);
    if (it == fits.end()) {
      // A held-out source never was in the fit: the main fit is already without it.
      const bool in_fit = !row.held_out;
      it = fits.emplace(row.source, in_fit ? fit_speed_constants(calibration_rows(row.source),
                                                                  everything)
                                           : everything)
               .first;
    }
    const double p = predicted_tokens_per_s(row, it->second);
    errors.push_back(p > 0 ? p / row.measured - 1.0 : -1.0);
  }
  return errors;
}

}  // namespace vramcalc::test
