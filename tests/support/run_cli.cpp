#include "run_cli.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vramcalc::test {

namespace {

std::string read_all(int fd) {
  std::string data;
  std::array<char, 65536> buffer{};
  for (;;) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n <= 0) {
      break;
    }
    data.append(buffer.data(), static_cast<std::size_t>(n));
  }
  return data;
}

struct TempRoot {
  std::filesystem::path path;
  TempRoot() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vramcalc-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path = pattern;
  }
  ~TempRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

std::string cli_path() {
  // CI runs the suite once more against the Release binary as it ships (static, laid out by
  // lld): VRAMCALC_TEST_CLI names it.
  if (const char* other = std::getenv("VRAMCALC_TEST_CLI"); other != nullptr && *other != '\0') {
    return other;
  }
  return VRAMCALC_CLI_PATH;
}

std::string test_data_dir() {
  return VRAMCALC_TEST_DATA_DIR;
}

std::string temp_dir() {
  static TempRoot root;
  static int counter = 0;
  const auto dir = root.path / ("t" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + path);
  }
}

namespace {

// argv and envp as spawn wants them, owning their strings.
struct SpawnArgs {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  explicit SpawnArgs(std::vector<std::string> values) : strings(std::move(values)) {
    for (auto& value : strings) {
      pointers.push_back(value.data());
    }
    pointers.push_back(nullptr);
  }
};

// Child environment: ours, minus variables that change output, plus `env`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq != std::string::npos) {
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const char* name : {"NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "VRAMCALC_GPU_DB"}) {
    vars.erase(name);
  }
  for (const auto& [key, value] : env) {
    if (value.empty()) {
      vars.erase(key);
    } else {
      vars[key] = value;
    }
  }
  std::vector<std::string> strings;
  for (const auto& [key, value] : vars) {
    strings.push_back(key + "=" + value);
  }
  return strings;
}

// Waits for `pid` up to `timeout_s`, then kills it. Returns the wait status.
int wait_with_timeout(pid_t pid, int timeout_s, bool& timed_out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status;
}

std::string read_file(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  std::string data = fd < 0 ? std::string() : read_all(fd);
  if (fd >= 0) {
    close(fd);
  }
  return data;
}

}  // namespace

CliResult run_cli(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env) {
  return run_cli_with(args, CliSetup{}, env);
}

CliResult run_cli_with(const std::vector<std::string>& args, const CliSetup& setup,
                       const std::map<std::string, std::string>& env) {
  SpawnArgs envp(child_environment(env));
  std::vector<std::string> argv_strings = {cli_path()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  SpawnArgs argv(std::move(argv_strings));

  // stdout and stderr go to temporary files, so a large output can never block the child.
  const std::string dir = temp_dir();
  const std::string out_path = setup.stdout_path.empty() ? dir + "/stdout" : setup.stdout_path;
  const std::string err_path = dir + "/stderr";
  std::array<int, 2> feed = {-1, -1};
  if (setup.stdin_data && pipe(feed.data()) != 0) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (setup.stdin_data) {
    posix_spawn_file_actions_adddup2(&actions, feed[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, feed[0]);
    posix_spawn_file_actions_addclose(&actions, feed[1]);
  } else if (setup.stdin_path.empty()) {
    posix_spawn_file_actions_addclose(&actions, STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, setup.stdin_path.c_str(), O_RDONLY, 0);
  }
  std::array<int, 2> sink = {-1, -1};
  if (setup.stdout_to_closed_pipe) {
    if (pipe(sink.data()) != 0) {
      throw std::runtime_error("pipe failed");
    }
    close(sink[0]);  // no reader: the first write raises SIGPIPE
    posix_spawn_file_actions_adddup2(&actions, sink[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, sink[1]);
  } else if (setup.close_stdout) {
    posix_spawn_file_actions_addclose(&actions, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  // The child starts with SIGPIPE at its default action, whatever this process does with it.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv.pointers[0], &actions, &attributes,
                                  argv.pointers.data(), envp.pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw std::runtime_error(std::string("cannot run ") + argv.pointers[0] + ": " +
                             std::strerror(spawned));
  }
  if (sink[1] >= 0) {
    close(sink[1]);
  }
  std::thread writer;
  if (setup.stdin_data) {
    close(feed[0]);
    // A child that stops reading (or exits) makes write fail with EPIPE, not kill this process.
    std::signal(SIGPIPE, SIG_IGN);
    writer = std::thread([fd = feed[1], data = *setup.stdin_data] {
      std::size_t done = 0;
      while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0) {
          break;
        }
        done += static_cast<std::size_t>(n);
      }
      close(fd);
    });
  }
  CliResult result;
  const int status = wait_with_timeout(pid, setup.timeout_s, result.timed_out);
  if (writer.joinable()) {
    writer.join();
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const bool captured = setup.stdout_path.empty() && !setup.close_stdout &&
                        !setup.stdout_to_closed_pipe;
  result.out = captured ? read_file(out_path) : "";
  result.err = read_file(err_path);
  return result;
}

}  // namespace vramcalc::test
