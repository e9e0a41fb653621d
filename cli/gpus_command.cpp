#include "gpus_command.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <vector>

#include "cli11.hpp"

#include "flags.hpp"

#include "exit_codes.hpp"
#include "gpu_db_loading.hpp"
#include "output.hpp"
#include "quantity.hpp"
#include "render.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/spelling.hpp"

namespace vramcalc::cli {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A name among `known` (any case), or an error with the closest one.
std::string one_of(const std::string& text, const std::vector<std::string>& known,
                   const char* flag) {
  const std::string wanted = lowercase(text);
  for (const std::string& name : known) {
    if (lowercase(name) == wanted) {
      return wanted;
    }
  }
  const auto suggestion = closest_name(text, known);
  std::string valid;
  for (const std::string& name : known) {
    valid += (valid.empty() ? "" : ", ") + name;
  }
  throw Error(ErrorKind::input, std::string("unknown ") + flag + " '" + text + "'",
              (suggestion ? "did you mean '" + *suggestion + "'? " : std::string()) +
                  "known: " + valid);
}

std::vector<std::string> vendors_of(const GpuDatabase& database) {
  std::vector<std::string> vendors;
  for (const GpuSpec& gpu : database.gpus()) {
    if (!gpu.vendor.empty() &&
        std::find(vendors.begin(), vendors.end(), gpu.vendor) == vendors.end()) {
      vendors.push_back(gpu.vendor);
    }
  }
  std::sort(vendors.begin(), vendors.end());
  return vendors;
}

std::vector<const GpuSpec*> filtered(const GpuDatabase& database, const GpusCommandOptions& o) {
  const std::string vendor =
      o.vendor.empty() ? std::string() : one_of(o.vendor, vendors_of(database), "--vendor");
  const std::string form =
      o.form.empty() ? std::string()
                     : one_of(o.form, {std::begin(k_gpu_forms), std::end(k_gpu_forms)}, "--form");
  const std::uint64_t least =
      o.min_memory.empty() ? 0 : parse_size(o.min_memory, "--min-memory");
  const std::uint64_t most = o.max_memory.empty() ? std::numeric_limits<std::uint64_t>::max()
                                                  : parse_size(o.max_memory, "--max-memory");
  if (least > most) {
    throw Error(ErrorKind::usage, "--min-memory is more than --max-memory",
                "give a range whose lower end is the smaller");
  }
  std::vector<const GpuSpec*> cards;
  for (const GpuSpec& gpu : database.gpus()) {
    if ((!vendor.empty() && lowercase(gpu.vendor) != vendor) || (!form.empty() && gpu.form != form) ||
        gpu.usable_bytes < least || gpu.usable_bytes > most) {
      continue;
    }
    cards.push_back(&gpu);
  }
  return cards;
}

}  // namespace

void setup_gpus(Flags& flags, GpusCommandOptions& o) {
  flags.text("--vendor", o.vendor, nullptr, "Filters",
             "Only this vendor's cards: NVIDIA, AMD, Intel, Apple");
  flags.text("--form", o.form, nullptr, "Filters",
             "Only cards of this form: consumer, laptop, workstation, datacenter, unified");
  flags.text("--min-memory", o.min_memory, nullptr, "Filters",
             "Usable memory at least SIZE (24GB, 80GiB)");
  flags.text("--max-memory", o.max_memory, nullptr, "Filters", "Usable memory at most SIZE");
  add_output_options(flags, o.output);
}

int run_gpus(const GpusCommandOptions& options) {
  const Format format = parse_format(options.output.format);
  const bool color = use_color(parse_color_mode(options.output.color));
  const GpuDatabase database = load_gpu_database(options.output.gpu_db_files);
  const std::vector<const GpuSpec*> cards = filtered(database, options);
  const std::string out = format == Format::json ? render_gpus_json(cards)
                                                 : render_gpus_text(cards, Painter(color));
  write_output(out);
  return k_exit_ok;
}

}  // namespace vramcalc::cli
