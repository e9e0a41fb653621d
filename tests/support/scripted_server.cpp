#include "scripted_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <stdexcept>

namespace vramcalc::test {

namespace {

// The request's headers end with an empty line; a few KiB is all a client sends.
void read_request(int fd) {
  std::string request;
  std::array<char, 4096> buffer{};
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd wait{fd, POLLIN, 0};
    if (::poll(&wait, 1, 2000) <= 0) {
      return;
    }
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      return;
    }
    request.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

}  // namespace

ScriptedServer::ScriptedServer(std::string response) : m_response(std::move(response)) {
  m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (m_listener < 0 ||
      ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(m_listener, 16) != 0 ||
      ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("scripted server: cannot listen on loopback");
  }
  m_port = ntohs(address.sin_port);
  m_thread = std::thread([this] { serve(); });
}

ScriptedServer::~ScriptedServer() {
  m_stop = true;
  m_thread.join();
  ::close(m_listener);
}

std::string ScriptedServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(m_port) + path;
}

void ScriptedServer::serve() {
  while (!m_stop) {
    pollfd wait{m_listener, POLLIN, 0};
    if (::poll(&wait, 1, 50) <= 0) {
      continue;
    }
    const int fd = ::accept(m_listener, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    read_request(fd);
    std::size_t sent = 0;
    while (sent < m_response.size()) {
      const ssize_t n =
          ::send(fd, m_response.data() + sent, m_response.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        break;  // the client hung up: it had read enough
      }
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    ++m_connections;
  }
}

}  // namespace vramcalc::test
