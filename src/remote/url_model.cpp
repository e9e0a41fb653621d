// A model from one file at a URL: load_url_model in remote_model.hpp.
#include <array>
#include <optional>

#include "gguf/gguf_parser.hpp"
#include "model_reading.hpp"
#include "remote/remote_model.hpp"
#include "remote/remote_reads.hpp"
#include "remote/url.hpp"
#include "safetensors/safetensors_files.hpp"
#include "vramcalc/error.hpp"
#include "vramcalc/gguf.hpp"

namespace vramcalc::remote {

namespace {

enum class UrlKind { gguf, safetensors, config };

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

// By the file name, else by the first bytes: "GGUF", a safetensors length then '{', or JSON.
UrlKind kind_of(const io::FileSet& folder, const std::string& name) {
  if (ends_with(name, ".gguf")) {
    return UrlKind::gguf;
  }
  if (ends_with(name, ".safetensors") || ends_with(name, ".safetensors.index.json")) {
    return UrlKind::safetensors;
  }
  if (ends_with(name, ".json")) {
    return UrlKind::config;
  }
  const auto source = folder.open(name);
  std::array<char, 9> head{};
  if (source->size() >= head.size()) {
    source->read(0, head.data(), head.size());
    if (std::string_view(head.data(), 4) == "GGUF") {
      return UrlKind::gguf;
    }
    if (head[8] == '{') {
      return UrlKind::safetensors;
    }
  }
  return UrlKind::config;
}

LoadedModel read_url(const io::FileSet& folder, const std::string& name, bool converting) {
  LoadedModel loaded;
  switch (kind_of(folder, name)) {
    case UrlKind::gguf:
      loaded.model = gguf_model(merge_gguf_shards(read_gguf_shards_in(folder, name)));
      return loaded;
    case UrlKind::safetensors: {
      if (!folder.has("config.json")) {
        throw Error(ErrorKind::file,
                    "no config.json beside " + folder.path_of(name) +
                        ": the safetensors header lists the weights, but the model's shape "
                        "(layers, heads, context) comes from its config.json",
                    "put config.json in the same folder on the server, or download both");
      }
      const SafetensorsInventory inventory =
          read_safetensors_in(folder, name, folder.path_of(name));
      loaded.model = safetensors_model_from(read_hf_config_in(folder, "config.json"), inventory);
      if (converting && stores_quantized(loaded.model)) {
        return converted_checkpoint(read_hf_config_in(folder, "config.json"));
      }
      return loaded;
    }
    case UrlKind::config:
      return loaded_from_reading(read_hf_config_in(folder, name));
  }
  return loaded;
}

}  // namespace

LoadedModel load_url_model(const ModelSourceSpec& spec) {
  const RemoteSettings& settings = spec.remote;
  const auto parts = split_url(spec.location);
  const std::string name = url_file_name(spec.location);
  if (!parts || name.empty()) {
    throw Error(ErrorKind::input,
                "--url '" + spec.location.substr(0, 200) + "' is not the http(s) address of a file",
                "give a URL such as https://host/path/model.gguf");
  }
  if (settings.offline) {
    throw Error(ErrorKind::file,
                "offline (HF_HUB_OFFLINE=1): --url needs the network (URLs are not cached)",
                "unset HF_HUB_OFFLINE, or download the file and name it locally");
  }
  const ProgressEnd progress_end(spec.progress);
  HttpSession http(settings, spec.progress);
  const HeaderCache no_cache("", settings.endpoint, settings.limits.max_file_bytes);
  RemoteReads reads(&http, no_cache, settings);
  LoadedModel loaded =
      read_url(*url_folder_files(reads, spec.location, name), name, spec.converting);
  loaded.model.source_detail = display_url(spec.location);
  loaded.remote = reads.stats();
  return loaded;
}

}  // namespace vramcalc::remote
