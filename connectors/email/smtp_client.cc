#include "connectors/email/smtp_client.h"

#include <memory>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "connectors/email/mail_socket.h"

namespace omni::connectors::email {
namespace {

// RFC 5321 4.5.3.1.5 allows 512 bytes; a relay's longer line is still taken.
constexpr size_t kMaxReplyLine = 1000;

// What an EHLO reply offers: its keywords ("STARTTLS", "SIZE"…) and AUTH's mechanisms.
struct Extensions {
  std::set<std::string> keywords;
  std::set<std::string> auth;
};

Extensions ExtensionsOf(const std::vector<std::string>& reply) {
  Extensions extensions;
  for (size_t i = 1; i < reply.size(); ++i) {  // the first line is the relay's name
    if (reply[i].size() < 4) continue;
    std::vector<std::string> words = absl::StrSplit(absl::AsciiStrToUpper(reply[i].substr(4)),
                                                    absl::ByAnyChar(" ="), absl::SkipEmpty());
    if (words.empty()) continue;
    extensions.keywords.insert(words[0]);
    if (words[0] == "AUTH") extensions.auth.insert(words.begin() + 1, words.end());
  }
  return extensions;
}

class RelayConnection {
 public:
  explicit RelayConnection(const RelayOptions& relay)
      : relay_(relay), where_(absl::StrCat(relay.host, ":", relay.port)) {}

  absl::Status Connect() {
    auto socket = MailSocket::Connect(relay_.host, relay_.port, NextDeadline());
    if (!socket.ok()) {
      return absl::UnavailableError(absl::StrCat("email relay ", socket.status().message()));
    }
    socket_ = *std::move(socket);
    reader_ = std::make_unique<LineReader>(*socket_);
    if (relay_.security == RelaySecurity::kTls) OMNI_RETURN_IF_ERROR(StartTls());
    return Expect("greeting", 220).status();
  }

  absl::StatusOr<Extensions> Hello() {
    OMNI_ASSIGN_OR_RETURN(std::vector<std::string> reply,
                          Command(absl::StrCat("EHLO ", relay_.hostname), 250, "EHLO"));
    return ExtensionsOf(reply);
  }

  absl::Status StartTls() {
    if (socket_->StartTlsClient(relay_.tls.get(), relay_.host, NextDeadline()) == IoResult::kOk) {
      reader_->Discard();  // nothing the relay sent in the clear counts
      return absl::OkStatus();
    }
    const std::string message =
        absl::StrCat("email relay ", where_, ": TLS handshake failed: ", socket_->error());
    return socket_->certificate_refused() ? absl::FailedPreconditionError(message)
                                          : absl::UnavailableError(message);
  }

  // AUTH PLAIN, else LOGIN (RFC 4954), never over a plaintext connection unless kInsecure.
  absl::Status Authenticate(const Extensions& extensions) {
    if (!socket_->secure() && relay_.security != RelaySecurity::kInsecure) {
      return absl::FailedPreconditionError(absl::StrCat(
          "email relay ", where_, ": refusing to send the password over a plaintext connection"));
    }
    if (extensions.auth.contains("PLAIN")) {
      const std::string credentials = absl::StrCat(std::string(1, '\0'), relay_.username,
                                                   std::string(1, '\0'), relay_.password);
      return Command(absl::StrCat("AUTH PLAIN ", absl::Base64Escape(credentials)), 235,
                     "AUTH PLAIN")
          .status();
    }
    if (extensions.auth.contains("LOGIN")) {
      OMNI_RETURN_IF_ERROR(Command("AUTH LOGIN", 334, "AUTH LOGIN").status());
      OMNI_RETURN_IF_ERROR(
          Command(absl::Base64Escape(relay_.username), 334, "AUTH LOGIN's username").status());
      return Command(absl::Base64Escape(relay_.password), 235, "AUTH LOGIN's password").status();
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "email relay ", where_, " offers ",
        extensions.auth.empty() ? "no AUTH"
                                : absl::StrCat("AUTH ", absl::StrJoin(extensions.auth, " ")),
        ": PLAIN or LOGIN is needed to log in as relay_username"));
  }

  // Sends `line` (CRLF added) and expects a reply with `code`; `what` names it in errors (never
  // the line itself, which may carry a password).
  absl::StatusOr<std::vector<std::string>> Command(const std::string& line, int code,
                                                   absl::string_view what) {
    OMNI_RETURN_IF_ERROR(Write(absl::StrCat(line, "\r\n")));
    return Expect(what, code);
  }

  absl::Status Write(absl::string_view bytes) {
    const IoResult result =
        socket_->Write(std::string_view(bytes.data(), bytes.size()), NextDeadline());
    if (result == IoResult::kOk) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        "email relay ", where_, ": send: ",
        result == IoResult::kTimeout ? "the relay takes nothing more" : socket_->error()));
  }

  // Reads one (possibly multi-line) reply and checks its code.
  absl::StatusOr<std::vector<std::string>> Expect(absl::string_view what, int code) {
    std::vector<std::string> reply;
    while (true) {
      std::string line;
      const LineReader::Result read = reader_->Next(line, kMaxReplyLine, NextDeadline());
      if (read != LineReader::Result::kLine) {
        return absl::UnavailableError(
            absl::StrCat("email relay ", where_, " after ", what, ": ",
                         read == LineReader::Result::kTooLong   ? "a reply line over 1000 bytes"
                         : read == LineReader::Result::kTimeout ? "no reply in time"
                                                                : socket_->error()));
      }
      reply.push_back(line);
      if (line.size() < 4 || line[3] != '-') break;
    }
    const std::string text = absl::StrJoin(reply, " / ");
    int got = 0;
    if (text.size() < 3 || !absl::SimpleAtoi(absl::string_view(text).substr(0, 3), &got)) {
      return absl::UnavailableError(
          absl::StrCat("email relay ", where_, ": not an SMTP reply: '", text, "'"));
    }
    if (got == code) return reply;
    const std::string message = absl::StrCat("email relay after ", what, ": ", text);
    if (got >= 500) return absl::FailedPreconditionError(message);
    return absl::UnavailableError(message);
  }

 private:
  Deadline NextDeadline() const { return std::chrono::steady_clock::now() + relay_.timeout; }

  const RelayOptions& relay_;
  const std::string where_;
  std::unique_ptr<MailSocket> socket_;
  std::unique_ptr<LineReader> reader_;
};

// CRLF line ends, a leading dot doubled, then the end-of-data line.
std::string DotStuffed(const std::string& raw) {
  absl::string_view body = raw;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  std::string data;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::StrAppend(&data, line.empty() || line.front() != '.' ? "" : ".", line, "\r\n");
  }
  absl::StrAppend(&data, ".\r\n");
  return data;
}

}  // namespace

absl::Status SendThroughRelay(const RelayOptions& relay, const std::string& from,
                              const std::string& to, const std::string& raw) {
  RelayConnection connection(relay);
  OMNI_RETURN_IF_ERROR(connection.Connect());
  OMNI_ASSIGN_OR_RETURN(Extensions extensions, connection.Hello());
  if (relay.security == RelaySecurity::kStartTls) {
    if (!extensions.keywords.contains("STARTTLS")) {
      return absl::FailedPreconditionError(
          absl::StrCat("email relay ", relay.host, ":", relay.port,
                       " offers no STARTTLS: not sending in the clear (relay_security: starttls)"));
    }
    OMNI_RETURN_IF_ERROR(connection.Command("STARTTLS", 220, "STARTTLS").status());
    OMNI_RETURN_IF_ERROR(connection.StartTls());
    OMNI_ASSIGN_OR_RETURN(extensions, connection.Hello());  // RFC 3207: everything anew
  }
  if (!relay.username.empty()) OMNI_RETURN_IF_ERROR(connection.Authenticate(extensions));
  OMNI_RETURN_IF_ERROR(
      connection.Command(absl::StrCat("MAIL FROM:<", from, ">"), 250, "MAIL").status());
  OMNI_RETURN_IF_ERROR(
      connection.Command(absl::StrCat("RCPT TO:<", to, ">"), 250, "RCPT").status());
  OMNI_RETURN_IF_ERROR(connection.Command("DATA", 354, "DATA").status());
  OMNI_RETURN_IF_ERROR(connection.Write(DotStuffed(raw)));
  OMNI_RETURN_IF_ERROR(connection.Expect("end of data", 250).status());
  connection.Command("QUIT", 221, "QUIT")
      .status()
      .IgnoreError();  // the mail is accepted; a rude close is fine
  return absl::OkStatus();
}

}  // namespace omni::connectors::email
