// A connected TCP socket for one SMTP dialogue, on either side (the listener's session, the relay
// client), plain or, once StartTls* succeeded, TLS through OpenSSL; and the bounded line reading
// both sides share. Every read, write and handshake ends by a deadline and, on the listener's
// side, when the server stops: the socket is non-blocking underneath, so neither a silent peer nor
// one that stops reading its replies can hold a thread. A line longer than the caller's limit is
// never buffered beyond it.
//
// Thread: one thread at a time (its session's or the delivering one's).
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors::email {

using Deadline = std::chrono::steady_clock::time_point;

enum class IoResult { kOk, kClosed, kTimeout, kStopping };

class MailSocket {
 public:
  // Takes `fd` (a connected stream socket, closed with this). `stopping`, when given, ends every
  // wait with kStopping once it is set.
  explicit MailSocket(int fd, const std::atomic<bool>* stopping = nullptr);
  ~MailSocket();
  // A connection to `host` (a name or an IP address) at `port`, each of its addresses tried in
  // turn by `deadline`; UNAVAILABLE names the host and why.
  static absl::StatusOr<std::unique_ptr<MailSocket>> Connect(const std::string& host, int port,
                                                             Deadline deadline);
  MailSocket(const MailSocket&) = delete;
  MailSocket& operator=(const MailSocket&) = delete;

  // Appends between 1 and `max` bytes to `out`.
  IoResult Read(size_t max, std::string& out, Deadline deadline);
  // Writes all of `bytes`.
  IoResult Write(std::string_view bytes, Deadline deadline);
  // Why the last kClosed happened ("connection closed by the peer", an errno or TLS text).
  const std::string& error() const { return error_; }

  // The TLS handshake as the server, with `context`'s certificate. Once it succeeds Read and
  // Write go through TLS; on failure the connection is unusable: close it.
  IoResult StartTlsServer(SSL_CTX* context, Deadline deadline);
  // The handshake as a client that verifies the peer's certificate (by `context`'s CAs) and that
  // it names `host` (a DNS name or an IP address).
  IoResult StartTlsClient(SSL_CTX* context, const std::string& host, Deadline deadline);
  bool secure() const { return ssl_ != nullptr; }
  // After a failed client handshake: true when it failed on the peer's certificate.
  bool certificate_refused() const { return certificate_refused_; }

 private:
  // Repeats `call` (an SSL_* call, > 0 on success) as OpenSSL asks to wait for the socket.
  IoResult CallTls(const std::function<int()>& call, Deadline deadline);
  // Waits until the socket is readable (`events` POLLIN) or writable (POLLOUT).
  IoResult WaitFor(short events, Deadline deadline);

  const int fd_;
  const std::atomic<bool>* const stopping_;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl_{nullptr, &SSL_free};
  std::string error_;
  bool certificate_refused_ = false;
};

// Lines off a MailSocket, CRLF or a bare LF ending each.
class LineReader {
 public:
  enum class Result { kLine, kTooLong, kClosed, kTimeout, kStopping };

  explicit LineReader(MailSocket& socket) : socket_(socket) {}

  // The next line without its line end when it fits in `max_length` bytes with its CRLF.
  // A longer one is kTooLong as soon as `max_length` bytes came without a line end; the rest of
  // it is then read and dropped by the following calls, never kept.
  Result Next(std::string& line, size_t max_length, Deadline deadline);
  // Drops what was read but not taken yet. Said at STARTTLS: what a client sent in the clear
  // behind it must not count as said over TLS (RFC 3207 section 6, CVE-2011-0411).
  void Discard() { buffer_.clear(); }

 private:
  MailSocket& socket_;
  std::string buffer_;     // never more than the longest line asked for
  bool skipping_ = false;  // inside a line already answered kTooLong
};

}  // namespace omni::connectors::email
