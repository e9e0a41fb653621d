// Picking the files of a Hub repository that make the model: hub_select.hpp.
#include "remote/hub_select.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::remote {

namespace {

// Most GGUF models named in one message; bartowski-style repositories hold about 25.
constexpr std::size_t k_max_listed = 40;
// llama_ftype_name knows ids below this (enum llama_ftype).
constexpr std::uint64_t k_ftype_ids = 64;

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

bool is_ftype_name(const std::string& token) {
  for (std::uint64_t id = 0; id < k_ftype_ids; ++id) {
    if (llama_ftype_name(id) == token) {
      return true;
    }
  }
  return false;
}

bool looks_like_quant(const std::string& token) {
  const std::size_t digits = token.rfind("IQ", 0) == 0 || token.rfind("TQ", 0) == 0 ? 2
                             : token.rfind('Q', 0) == 0                             ? 1
                                                                                    : 0;
  return digits > 0 && token.size() > digits &&
         std::isdigit(static_cast<unsigned char>(token[digits])) != 0;
}

// One GGUF model of the repository: a file, or the shards of one split.
struct GgufModel {
  std::string path;  // the file, or the first shard
  std::string tag;
  std::uint32_t files = 0;
  std::uint64_t bytes = 0;
  bool sizes_known = true;
};

bool is_model_gguf(const std::string& path) {
  const std::string name = upper(name_of(path));
  return ends_with(name, ".GGUF") && name.find("MMPROJ") == std::string::npos &&
         name.find("IMATRIX") == std::string::npos;
}

std::vector<GgufModel> gguf_models(const std::vector<HubFile>& files) {
  std::map<std::string, GgufModel> models;  // by first file: sorted, deterministic
  for (const HubFile& file : files) {
    if (!is_model_gguf(file.path)) {
      continue;
    }
    std::string first = file.path;
    if (const auto split = parse_gguf_split_name(name_of(file.path))) {
      const std::string folder = folder_of(file.path);
      first = (folder.empty() ? "" : folder + "/") +
              gguf_split_file_name(split->prefix, 1, split->count);
    }
    GgufModel& model = models[first];
    model.path = first;
    model.tag = gguf_quant_tag(name_of(first));
    ++model.files;
    model.bytes += file.size.value_or(0);
    model.sizes_known = model.sizes_known && file.size.has_value();
  }
  std::vector<GgufModel> out;
  for (auto& entry : models) {
    out.push_back(std::move(entry.second));
  }
  return out;
}

std::string describe(const std::vector<GgufModel>& models) {
  std::string text;
  for (std::size_t i = 0; i < models.size() && i < k_max_listed; ++i) {
    const GgufModel& m = models[i];
    text += (i == 0 ? "" : ", ") + m.path + " (" +
            (m.tag.empty() ? std::string("no quantization in the name") : m.tag);
    if (m.files > 1) {
      text += fmt::format(", {} files", m.files);
    }
    if (m.sizes_known) {
      text += fmt::format(", {:.2f} GB", static_cast<double>(m.bytes) / 1e9);
    }
    text += ")";
  }
  if (models.size() > k_max_listed) {
    text += fmt::format(" and {} more", models.size() - k_max_listed);
  }
  return text;
}

// --dtype spelled as a file name spells the quantization: q4_k_m -> Q4_K_M, fp16 -> F16.
std::string dtype_tag(const std::string& dtype) {
  std::string tag = upper(dtype);
  std::replace(tag.begin(), tag.end(), '-', '_');
  if (tag == "FP16" || tag == "HALF") {
    return "F16";
  }
  if (tag == "FP32" || tag == "FLOAT") {
    return "F32";
  }
  return tag;
}

HubSelection gguf_selection(const GgufModel& model, bool dtype_picked) {
  HubSelection selection;
  selection.layout = HubLayout::gguf;
  selection.folder = folder_of(model.path);
  selection.file = name_of(model.path);
  selection.quant_tag = model.tag;
  selection.dtype_picked_file = dtype_picked;
  return selection;
}

bool has_file(const HubRevision& revision, const std::string& path) {
  return std::any_of(revision.files.begin(), revision.files.end(),
                     [&](const HubFile& f) { return f.path == path; });
}

bool has_top_level_safetensors(const HubRevision& revision) {
  return std::any_of(revision.files.begin(), revision.files.end(), [](const HubFile& f) {
    return f.path.find('/') == std::string::npos &&
           (ends_with(f.path, ".safetensors") || ends_with(f.path, ".safetensors.index.json"));
  });
}

[[noreturn]] void no_config(const std::string& subject, const std::string& folder, bool weights) {
  const std::string where = folder.empty() ? "" : " in " + folder + "/";
  throw Error(ErrorKind::file,
              subject + " has no config.json" + where +
                  (weights ? ": the safetensors headers list the weights, but the model's shape "
                             "(layers, heads, context) comes from its config.json"
                           : " and no safetensors or GGUF weights"),
              "vramcalc reads a config.json with safetensors weights, or GGUF files; name "
              "another repository, or a file with --hf-file");
}

HubSelection named_file(const HubRevision& revision, const std::string& subject,
                        const std::string& path) {
  if (!has_file(revision, path)) {
    throw Error(ErrorKind::usage, "--hf-file '" + path + "': no such file in " + subject,
                "name a file as the repository lists it, with its folder (a/b.gguf)");
  }
  HubSelection selection;
  selection.folder = folder_of(path);
  selection.file = name_of(path);
  if (ends_with(upper(path), ".GGUF")) {
    selection.layout = HubLayout::gguf;
    selection.quant_tag = gguf_quant_tag(selection.file);
  } else if (ends_with(path, ".safetensors") || ends_with(path, ".safetensors.index.json")) {
    selection.layout = HubLayout::safetensors;
  } else if (selection.file == "config.json") {
    selection.layout = HubLayout::config;
  } else {
    throw Error(ErrorKind::usage, "--hf-file '" + path + "' is not a model file vramcalc reads",
                "name a .gguf file, a .safetensors file, a *.safetensors.index.json or a "
                "config.json");
  }
  return selection;
}

HubSelection by_dtype(const std::vector<GgufModel>& models, const std::string& subject,
                      const std::string& dtype) {
  std::vector<GgufModel> matches;
  for (const GgufModel& model : models) {
    if (model.tag == dtype_tag(dtype)) {
      matches.push_back(model);
    }
  }
  if (matches.size() == 1) {
    return gguf_selection(matches.front(), true);
  }
  throw Error(ErrorKind::usage,
              subject + ": --dtype " + dtype + " matches " +
                  (matches.empty() ? "none" : std::to_string(matches.size())) + " of its " +
                  std::to_string(models.size()) + " GGUF models: " +
                  describe(matches.empty() ? models : matches),
              "in a repository of GGUF files --dtype picks the file by its quantization: give "
              "one listed (--dtype q4_k_m), or the file with --hf-file");
}

}  // namespace

std::string gguf_quant_tag(std::string_view file_name) {
  std::string stem(file_name);
  if (ends_with(upper(stem), ".GGUF")) {
    stem.resize(stem.size() - 5);
  }
  std::string best;
  std::string fallback;
  std::size_t start = 0;
  while (start <= stem.size()) {
    const std::size_t end = std::min(stem.find_first_of("-.", start), stem.size());
    const std::string token = upper(std::string_view(stem).substr(start, end - start));
    if (is_ftype_name(token)) {
      best = token;
    } else if (looks_like_quant(token)) {
      fallback = token;
    }
    start = end + 1;
  }
  return best.empty() ? fallback : best;
}

HubSelection select_hub_files(const HubRevision& revision, const std::string& subject,
                              const std::string& hub_file, const std::string& dtype) {
  if (!hub_file.empty()) {
    HubSelection selection = named_file(revision, subject, hub_file);
    const std::string config = (selection.folder.empty() ? "" : selection.folder + "/") +
                               "config.json";
    if (selection.layout != HubLayout::gguf && !has_file(revision, config)) {
      no_config(subject, selection.folder, selection.layout == HubLayout::safetensors);
    }
    return selection;
  }
  const std::vector<GgufModel> ggufs = gguf_models(revision.files);
  const bool safetensors = has_top_level_safetensors(revision);
  const bool config = has_file(revision, "config.json");
  if (!dtype.empty() && !ggufs.empty()) {
    // Beside a safetensors checkpoint, GGUF files are taken only when one matches; otherwise
    // --dtype converts the checkpoint, as it does for local files.
    const bool one_match = std::count_if(ggufs.begin(), ggufs.end(), [&](const GgufModel& m) {
                             return m.tag == dtype_tag(dtype);
                           }) == 1;
    if (!(safetensors && config) || one_match) {
      return by_dtype(ggufs, subject, dtype);
    }
  }
  if (safetensors || (config && ggufs.empty())) {
    if (!config) {
      no_config(subject, "", safetensors);
    }
    HubSelection selection;
    selection.layout = safetensors ? HubLayout::safetensors : HubLayout::config;
    return selection;
  }
  if (ggufs.size() == 1) {
    return gguf_selection(ggufs.front(), false);
  }
  if (ggufs.empty()) {
    no_config(subject, "", false);
  }
  throw Error(ErrorKind::usage,
              subject + " holds " + std::to_string(ggufs.size()) +
                  " GGUF models: " + describe(ggufs),
              "pick one by its quantization with --dtype (q4_k_m) or by name with --hf-file");
}

}  // namespace vramcalc::remote
