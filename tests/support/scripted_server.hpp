#pragma once
// A hostile HTTP server for tests, on loopback: it answers every connection with the same
// bytes, whatever was asked, then closes it. For what nginx will not do: a Content-Length that
// lies, a body that never ends.

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>

namespace vramcalc::test {

class ScriptedServer {
 public:
  /// Serves `response` (status line, headers and body, sent as they are) until destroyed.
  explicit ScriptedServer(std::string response);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  /// http://127.0.0.1:PORT + path.
  [[nodiscard]] std::string url(const std::string& path) const;
  /// Connections answered so far.
  [[nodiscard]] std::size_t connections() const { return m_connections.load(); }

 private:
  void serve();

  std::string m_response;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<std::size_t> m_connections{0};
  std::thread m_thread;
};

}  // namespace vramcalc::test
