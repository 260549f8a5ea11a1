// A connected TCP socket for one SMTP dialogue, on either side (the listener's session, the relay
// client), and the bounded line reading both sides share. Every read and write ends by a deadline
// and, on the listener's side, when the server stops: the socket is non-blocking underneath, so
// neither a silent peer nor one that stops reading its replies can hold a thread. A line longer
// than the caller's limit is never buffered beyond it.
//
// Thread: one thread at a time (its session's or the delivering one's).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace omni::connectors::email {

using Deadline = std::chrono::steady_clock::time_point;

enum class IoResult { kOk, kClosed, kTimeout, kStopping };

class MailSocket {
 public:
  // Takes `fd` (a connected stream socket, closed with this). `stopping`, when given, ends every
  // wait with kStopping once it is set.
  explicit MailSocket(int fd, const std::atomic<bool>* stopping = nullptr);
  ~MailSocket();
  MailSocket(const MailSocket&) = delete;
  MailSocket& operator=(const MailSocket&) = delete;

  // Appends between 1 and `max` bytes to `out`.
  IoResult Read(size_t max, std::string& out, Deadline deadline);
  // Writes all of `bytes`.
  IoResult Write(std::string_view bytes, Deadline deadline);
  // Why the last kClosed happened ("connection closed by the peer", an errno text).
  const std::string& error() const { return error_; }

 private:
  // Waits until the socket is readable (`events` POLLIN) or writable (POLLOUT).
  IoResult WaitFor(short events, Deadline deadline);

  const int fd_;
  const std::atomic<bool>* const stopping_;
  std::string error_;
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

 private:
  MailSocket& socket_;
  std::string buffer_;     // never more than the longest line asked for
  bool skipping_ = false;  // inside a line already answered kTooLong
};

}  // namespace omni::connectors::email
