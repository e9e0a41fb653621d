// read_text_input: a JSON input read whole from a regular file or a pipe, never trusting
// st_size (0 for /proc files, pipes and devices) and never waiting without a limit.
#include "vramcalc/text_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "io/file_kind.hpp"
#include "vramcalc/error.hpp"

namespace vramcalc {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_chunk_bytes = 64 * 1024;
constexpr const char* k_input_hint = "name a JSON file, a pipe such as <(jq . FILE), or - for "
                                     "standard input";

[[noreturn]] void fail(const std::string& message, const std::string& hint) {
  throw Error(ErrorKind::file, message, hint);
}

[[noreturn]] void too_large(const std::string& name, std::uint64_t cap) {
  fail(name + " is larger than " + std::to_string(cap / (1024 * 1024)) + " MiB (" +
           std::to_string(cap) + " bytes), far larger than any such file",
       "name the right file");
}

// Appends what one read() returned; false at the end of the input.
bool take(int fd, std::string& out, const std::string& name, std::uint64_t cap) {
  std::array<char, k_chunk_bytes> buffer{};
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) {
      return true;
    }
    fail("cannot read " + name + ": " + std::strerror(errno), "check the file and permissions");
  }
  if (n == 0) {
    return false;
  }
  // Bounded by the bytes actually read: stop at the first byte past the cap.
  if (out.size() + static_cast<std::size_t>(n) > cap) {
    too_large(name, cap);
  }
  out.append(buffer.data(), static_cast<std::size_t>(n));
  return true;
}

std::string read_regular(int fd, const std::string& name, const struct stat& info,
                         std::uint64_t cap) {
  if (info.st_size > 0 && static_cast<std::uint64_t>(info.st_size) > cap) {
    too_large(name, cap);  // refused before reading; the loop below catches files that grow
  }
  std::string out;
  while (take(fd, out, name, cap)) {
  }
  return out;
}

// Waits until `fd` is readable or the deadline passes.
void wait_readable(int fd, const std::string& name, Clock::time_point deadline,
                   const TextInputLimits& limits, std::size_t bytes_so_far) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, POLLIN, 0};
    const int ready = left.count() <= 0 ? 0 : ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready > 0) {
      return;
    }
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready < 0) {
      fail("cannot read " + name + ": " + std::strerror(errno), k_input_hint);
    }
    fail(name + " was still open after " + std::to_string(limits.time_limit.count() / 1000) +
             " s (" + std::to_string(bytes_so_far) + " bytes read): its writer did not finish",
         "write the JSON to a file first and name the file");
  }
}

std::string read_pipe(int fd, const std::string& name, const TextInputLimits& limits,
                      bool named_fifo) {
  const Clock::time_point deadline = Clock::now() + limits.time_limit;
  // A descriptor opened with O_NONBLOCK (a FIFO) is read first: a read with no writer returns
  // end of input at once, while poll() would wait. Standard input may block: poll first.
  const bool nonblocking = (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
  std::string out;
  bool more = true;
  if (nonblocking) {
    more = take(fd, out, name, limits.max_bytes);
  }
  while (more) {
    wait_readable(fd, name, deadline, limits, out.size());
    more = take(fd, out, name, limits.max_bytes);
  }
  if (out.empty()) {
    fail(named_fifo ? name + " is a named pipe (FIFO) with no writer: nothing to read"
                    : name + " is empty",
         named_fifo ? "start the program that writes the pipe first, or name a regular file"
                    : k_input_hint);
  }
  return out;
}

std::string read_descriptor(int fd, const std::string& name, const struct stat& info,
                            const TextInputLimits& limits, bool is_stdin) {
  if (S_ISREG(info.st_mode)) {
    return read_regular(fd, name, info, limits.max_bytes);
  }
  if (S_ISFIFO(info.st_mode)) {
    return read_pipe(fd, name, limits, !is_stdin);
  }
  if (is_stdin && ::isatty(fd) != 0) {
    fail("standard input is a terminal, not a JSON document",
         "pipe the JSON in (jq . FILE | vramcalc ... -) or name the file");
  }
  fail(name + " is " + io::file_kind_name(info.st_mode) + ", not a JSON file", k_input_hint);
}

}  // namespace

std::string read_text_input(const std::string& path, const std::string& what,
                            const TextInputLimits& limits) {
  if (path == k_stdin_path) {
    struct stat info {};
    const std::string name = what + " (standard input)";
    if (::fstat(STDIN_FILENO, &info) != 0) {
      fail("cannot read " + name + ": " + std::strerror(errno), k_input_hint);
    }
    return read_descriptor(STDIN_FILENO, name, info, limits, true);
  }
  struct stat info {};
  const int fd = io::open_nonblocking(path, what, info);
  const io::FdCloser closer(fd);
  return read_descriptor(fd, io::label(what, path), info, limits, false);
}

}  // namespace vramcalc
