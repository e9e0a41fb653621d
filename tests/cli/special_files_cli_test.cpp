// End-to-end: special files in place of model files and JSON inputs (issue 9, case 1 and 2 and
// beyond): FIFOs with and without a writer, character devices, sockets, directories, standard
// input, pipes over the byte cap. Every refusal is exit 2 at once (the runner would kill a
// hang after timeout_s and the test would fail on timed_out), one error line naming what the
// file is, nothing on stdout.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "cli_checks.hpp"
#include "gguf_writer.hpp"
#include "run_cli.hpp"

using nlohmann::json;
using namespace vramcalc::test;

namespace {

// Seconds within which a refusal must come: "at once", with room for a loaded machine and
// the sanitizer build.
constexpr int k_at_once_s = 30;

CliResult run_quick(const std::vector<std::string>& args,
                    const std::map<std::string, std::string>& env = {}) {
  CliSetup setup;
  setup.timeout_s = k_at_once_s;
  return run_cli_with(args, setup, env);
}

const char* const k_lab_db = R"({"gpus": [{"id": "lab-card", "memory_gb": 20}]})";

std::string llama_config() {
  return R"({"model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192,
             "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
             "vocab_size": 128256, "max_position_embeddings": 131072,
             "tie_word_embeddings": true, "torch_dtype": "bfloat16"})";
}

// A unix socket bound at `path`, closed (and the name left behind) when the test ends.
class BoundSocket {
 public:
  explicit BoundSocket(const std::string& path) : m_fd(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (m_fd < 0 || path.size() >= sizeof(address.sun_path)) {
      throw std::runtime_error("cannot make a socket at " + path);
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("cannot bind " + path);
    }
  }
  ~BoundSocket() { ::close(m_fd); }
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;

 private:
  int m_fd;
};

// A FIFO with a writer that has written `content` and closes once a reader has taken it all:
// the test holds a read end (so the pipe exists and the write end can open at once) and
// watches the bytes left in the pipe. Both ends close on exec: a child holding the write end
// would never see the end of input.
class FeedingFifo {
 public:
  FeedingFifo(const std::string& path, const std::string& content) {
    make_fifo(path);
    m_reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    m_writer = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (m_reader < 0 || m_writer < 0 ||
        ::write(m_writer, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
      throw std::runtime_error("cannot feed the FIFO " + path);
    }
    m_closer = std::thread([this] {
      int left = 1;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(k_at_once_s);
      while (left > 0 && std::chrono::steady_clock::now() < deadline) {
        ::ioctl(m_reader, FIONREAD, &left);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ::close(m_writer);  // end of input for the reader that took the bytes
    });
  }
  ~FeedingFifo() {
    m_closer.join();
    ::close(m_reader);
  }
  FeedingFifo(const FeedingFifo&) = delete;
  FeedingFifo& operator=(const FeedingFifo&) = delete;

 private:
  int m_reader = -1;
  int m_writer = -1;
  std::thread m_closer;
};

}  // namespace

TEST_CASE("special files: a FIFO without a writer is exit 2 at once for every reader") {
  // Issue 9 case 1: mkfifo f.gguf; vramcalc --gguf f.gguf (and --safetensors, inspect,
  // --gpu-db, VRAMCALC_GPU_DB, a safetensors index whose shard is a FIFO, --config).
  const std::string dir = temp_dir();
  make_fifo(dir + "/f.gguf");
  make_fifo(dir + "/f.safetensors");
  make_fifo(dir + "/db.json");
  make_fifo(dir + "/config.json");
  check_input_error(run_quick({"--gguf", dir + "/f.gguf"}), "named pipe (FIFO), not a regular file");
  check_input_error(run_quick({"--safetensors", dir + "/f.safetensors"}), "named pipe (FIFO)");
  check_input_error(run_quick({"inspect", dir + "/f.gguf"}), "named pipe (FIFO)");
  check_input_error(run_quick({"--params", "7B", "--gpu", "L4", "--gpu-db", dir + "/db.json"}),
                    "named pipe (FIFO) with no writer");
  check_input_error(run_quick({"gpus"}, {{"VRAMCALC_GPU_DB", dir + "/db.json"}}),
                    "VRAMCALC_GPU_DB");
  check_input_error(run_quick({"--config", dir + "/config.json"}), "no writer");
  check_input_error(run_quick({"--config", dir}), "no writer");

  // An index whose shard is a FIFO, with a real config.json beside it.
  const std::string model = temp_dir();
  write_file(model + "/config.json", llama_config());
  write_file(model + "/model.safetensors.index.json",
             R"({"metadata": {"total_size": 8}, "weight_map": {"model.embed_tokens.weight":
                "model-00001-of-00001.safetensors"}})");
  make_fifo(model + "/model-00001-of-00001.safetensors");
  check_input_error(run_quick({"--safetensors", model}), "named pipe (FIFO)");
  check_input_error(run_quick({"--safetensors", model + "/model.safetensors.index.json"}),
                    "named pipe (FIFO)");
  // A folder of shards in which one is a FIFO: refused by name, not skipped.
  const std::string shards = temp_dir();
  write_file(shards + "/config.json", llama_config());
  make_fifo(shards + "/model.safetensors");
  check_input_error(run_quick({"--safetensors", shards}), "model.safetensors' is a named pipe");
  // A split GGUF whose second shard is a FIFO.
  const std::string split = temp_dir();
  GgufFixture first = small_model();
  first.metadata.push_back(kv_u16("split.no", 0));
  first.metadata.push_back(kv_u16("split.count", 2));
  first.metadata.push_back(kv_i32("split.tensors.count", 13));
  write_gguf(split + "/m-00001-of-00002.gguf", first);
  make_fifo(split + "/m-00002-of-00002.gguf");
  check_input_error(run_quick({"--gguf", split + "/m-00001-of-00002.gguf"}), "named pipe (FIFO)");
}

TEST_CASE("special files: a FIFO with a writer is read to its end") {
  const std::string dir = temp_dir();
  const FeedingFifo fifo(dir + "/db.json", k_lab_db);
  const auto r = run_quick({"--params", "7B", "--gpu", "lab-card", "--gpu-db", dir + "/db.json",
                            "--format", "json"});
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["hardware"]["gpus"][0]["usable_bytes"] == 20ULL << 30);
}

TEST_CASE("special files: a character device is refused before it is read") {
  // Issue 9 case 2: --gpu-db /dev/zero grew memory until std::bad_alloc.
  for (const char* device : {"/dev/zero", "/dev/urandom", "/dev/null"}) {
    INFO(device);
    check_input_error(run_quick({"--params", "7B", "--gpu", "L4", "--gpu-db", device}),
                      "is a character device, not a JSON file");
    check_input_error(run_quick({"gpus"}, {{"VRAMCALC_GPU_DB", device}}), "character device");
    // Smaller item: --config /dev/zero said "no such config file".
    check_input_error(run_quick({"--config", device}), "is a character device");
    check_input_error(run_quick({"--gguf", device}), "character device, not a regular file");
    check_input_error(run_quick({"--safetensors", device}), "character device");
    check_input_error(run_quick({"inspect", device}), "character device");
  }
  // A link to a device is the device.
  const std::string dir = temp_dir();
  REQUIRE(::symlink("/dev/zero", (dir + "/zero.json").c_str()) == 0);
  check_input_error(run_quick({"gpus", "--gpu-db", dir + "/zero.json"}), "character device");
  REQUIRE(::symlink("/dev/zero", (dir + "/zero.gguf").c_str()) == 0);
  check_input_error(run_quick({"--gguf", dir + "/zero.gguf"}), "character device");
}

TEST_CASE("special files: sockets and directories are refused as what they are") {
  const std::string dir = temp_dir();
  const BoundSocket socket(dir + "/s.json");
  check_input_error(run_quick({"gpus", "--gpu-db", dir + "/s.json"}), "is a socket");
  check_input_error(run_quick({"--config", dir + "/s.json"}), "is a socket");
  check_input_error(run_quick({"--gguf", dir + "/s.json"}), "is a socket");
  check_input_error(run_quick({"gpus", "--gpu-db", dir}), "is a directory");
  check_input_error(run_quick({"--gguf", dir}), "is a directory");
}

TEST_CASE("special files: JSON inputs may come through pipes and standard input") {
  CliSetup setup;
  setup.timeout_s = k_at_once_s;
  setup.stdin_data = k_lab_db;
  for (const char* path : {"-", "/dev/stdin", "/dev/fd/0"}) {
    INFO(path);
    const auto r = run_cli_with({"--params", "7B", "--gpu", "lab-card", "--gpu-db", path,
                                 "--format", "json"},
                                setup);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["hardware"]["gpus"][0]["usable_bytes"] == 20ULL << 30);
  }
  setup.stdin_data = llama_config();
  const auto config = run_cli_with({"--config", "-", "--format", "json"}, setup);
  REQUIRE(config.exit_code == 0);
  CHECK(json::parse(config.out)["model"]["params"] > 1'000'000'000ULL);
  // Model files need random access: a pipe is not one.
  setup.stdin_data = std::string("GGUF") + std::string(100, '\0');
  check_input_error(run_cli_with({"--gguf", "/dev/stdin"}, setup), "not a regular file");
  // An empty pipe, stdin read twice, stdin that is not a pipe.
  setup.stdin_data = "";
  check_input_error(run_cli_with({"--config", "-"}, setup), "(standard input) is empty");
  setup.stdin_data = k_lab_db;
  check_input_error(run_cli_with({"--config", "-", "--gpu-db", "-"}, setup),
                    "standard input ('-') is named more than once");
  check_input_error(run_cli_with({"gpus", "--gpu-db", "-", "--gpu-db", "-"}, setup),
                    "more than once");
  setup.stdin_data.reset();  // /dev/null
  check_input_error(run_cli_with({"gpus", "--gpu-db", "-"}, setup), "character device");
  setup.stdin_path.clear();  // closed
  check_input_error(run_cli_with({"gpus", "--gpu-db", "-"}, setup), "standard input");
}

TEST_CASE("special files: a pipe is read up to its byte cap and no further") {
  CliSetup setup;
  setup.timeout_s = k_at_once_s;
  // A GPU database over 4 MiB and a config.json over 1 MiB, as endless as a pipe can be.
  setup.stdin_data = "[" + std::string((4U << 20U) + 1, ' ');
  check_input_error(run_cli_with({"gpus", "--gpu-db", "-"}, setup), "is larger than 4 MiB");
  setup.stdin_data = "{" + std::string((1U << 20U) + 1, ' ');
  check_input_error(run_cli_with({"--config", "-"}, setup), "is larger than 1 MiB");
}

TEST_CASE("special files: files of /proc are read by their bytes and not their size") {
  // /proc files say they are empty (st_size 0) and are not: read to their end, then parsed.
  check_input_error(run_quick({"gpus", "--gpu-db", "/proc/self/status"}), "not valid JSON");
  check_input_error(run_quick({"--config", "/proc/self/status"}), "not valid JSON");
  check_input_error(run_quick({"--gguf", "/proc/self/status"}), "GGUF");
}

TEST_CASE("special files: odd paths are refused with what went wrong") {
  const std::string dir = temp_dir();
  // A symlink loop, a name longer than the system allows, a folder named like a model file.
  REQUIRE(::symlink((dir + "/loop-b.json").c_str(), (dir + "/loop-a.json").c_str()) == 0);
  REQUIRE(::symlink((dir + "/loop-a.json").c_str(), (dir + "/loop-b.json").c_str()) == 0);
  check_input_error(run_quick({"gpus", "--gpu-db", dir + "/loop-a.json"}),
                    "Too many levels of symbolic links");
  check_input_error(run_quick({"--config", dir + "/loop-a.json"}), "symbolic links");
  const std::string long_name = dir + "/" + std::string(300, 'x') + ".gguf";
  check_input_error(run_quick({"--gguf", long_name}), "File name too long");
  check_input_error(run_quick({"gpus", "--gpu-db", long_name}), "File name too long");
  REQUIRE(::mkdir((dir + "/model.gguf").c_str(), 0700) == 0);
  check_input_error(run_quick({"--gguf", dir + "/model.gguf"}), "is a directory");
  check_input_error(run_quick({"--gguf", ""}), "no model given");
  // A NUL byte inside a JSON input is not JSON.
  write_file(dir + "/nul.json", std::string("{\"gpus\": [\0]}", 13));
  check_input_error(run_quick({"gpus", "--gpu-db", dir + "/nul.json"}), "not valid JSON");
  // inspect reads a config.json from standard input too.
  CliSetup setup;
  setup.timeout_s = k_at_once_s;
  setup.stdin_data = llama_config();
  const auto inspect = run_cli_with({"inspect", "-", "--format", "json"}, setup);
  CHECK(inspect.exit_code == 0);
}
