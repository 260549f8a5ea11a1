// The SMTP/LMTP listener: a TCP socket, an accept thread and one thread per connection up to a
// cap (a connection over it hears 421 and is closed). Each connection runs ServeSession.
//
// Lifecycle: Start binds and returns once it accepts; Stop closes the listener, tells every
// session to answer 421 and joins every thread.
#pragma once

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "connectors/email/smtp_session.h"

namespace omni::connectors::email {

class SmtpServer {
 public:
  SmtpServer(SessionOptions options, MailHandler handler, size_t max_connections);
  ~SmtpServer();

  absl::Status Start(const std::string& host, int port);  // port 0: any free port
  void Stop();
  int port() const { return port_; }

 private:
  struct Connection {
    int fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void AcceptLoop();
  void JoinFinished();  // under mu_

  const SessionOptions options_;
  const MailHandler handler_;
  const size_t max_connections_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<Connection> connections_;
};

}  // namespace omni::connectors::email
