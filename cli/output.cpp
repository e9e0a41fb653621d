#include "output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "vramcalc/error.hpp"

namespace vramcalc::cli {

namespace {

// Set by prepare_standard_streams when descriptor 1 was closed at start.
bool g_stdout_was_closed = false;

[[noreturn]] void write_failed(const std::string& reason) {
  throw Error(ErrorKind::file, "cannot write output: " + reason,
              "check where standard output goes (a full disk, a closed descriptor)");
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

}  // namespace

void prepare_standard_streams() {
  std::signal(SIGPIPE, SIG_DFL);
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (is_open(fd)) {
      continue;
    }
    if (fd == STDOUT_FILENO) {
      g_stdout_was_closed = true;
    }
    // open() returns the lowest free descriptor: this one. Read-only, so nothing is written.
    const int opened = ::open("/dev/null", O_RDONLY | O_NOCTTY);
    if (opened >= 0 && opened != fd) {
      ::close(opened);
    }
  }
}

void write_output(std::string_view text) {
  if (g_stdout_was_closed) {
    write_failed("standard output is closed");
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      write_failed(n == 0 ? std::string("nothing was written") : std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
}

void finish_output() {
  if (g_stdout_was_closed) {
    return;
  }
  if (::close(STDOUT_FILENO) != 0 && errno != EINTR && errno != EBADF) {
    write_failed(std::strerror(errno));
  }
}

}  // namespace vramcalc::cli
