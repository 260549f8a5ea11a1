// Open streams cannot starve the web chat: with more streams open than the connector has HTTP
// threads, a new visitor still registers, writes and reads a reply, and the streams held stay
// within max_listeners (the rest are refused at once with Retry-After). Raw connections hold the
// streams, as pages that stay open would.
#include <memory>
#include <vector>

#include "tests/connectors/webchat/raw_http.h"
#include "tests/connectors/webchat/webchat_fixture.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using WebChatListenersTest = WebChatFixture;

std::string StreamRequest(const std::string& token) {
  return "GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\n\r\n";
}

struct OpenedStreams {
  std::vector<std::unique_ptr<RawHttpConnection>> connections;
  int held = 0;
  int refused_closed = 0;  // refused, and the connection closed by the server
};

// `count` stream requests sent at once, visitors taking turns. Each response head is read; a
// refusal is read to its end, which must be the server closing the connection: a refused client
// holds no thread while it waits to retry.
OpenedStreams OpenStreams(int port, const std::vector<std::string>& tokens, int count) {
  OpenedStreams opened;
  for (int i = 0; i < count; ++i) {
    opened.connections.push_back(std::make_unique<RawHttpConnection>(port));
    opened.connections.back()->Send(StreamRequest(tokens[i % tokens.size()]));
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (auto& stream : opened.connections) {
    stream->ReadUntil("\r\n\r\n", deadline);
    if (stream->status() == 200) {
      ++opened.held;
    } else if (stream->status() != 0 && stream->ClosedByServer(deadline)) {
      ++opened.refused_closed;
    }
  }
  return opened;
}

TEST_F(WebChatListenersTest, ManyOpenStreamsLeaveRoomForANewVisitor) {
  const WebChatOptions options = TestOptions();
  ASSERT_EQ(options.http_threads, 64);
  ASSERT_EQ(options.max_listeners, 48);
  constexpr int kStreams = 100;
  std::vector<std::string> tokens;
  for (int i = 0; i < kStreams / options.max_listeners_per_visitor; ++i)
    tokens.push_back(Register());

  auto streams = OpenStreams(connector->port(), tokens, kStreams);
  EXPECT_EQ(streams.held, options.max_listeners);
  EXPECT_EQ(streams.refused_closed, kStreams - options.max_listeners);
  for (auto& stream : streams.connections) {
    if (stream->status() != 503) continue;
    EXPECT_EQ(stream->Header("Retry-After"), "5");
    EXPECT_NE(stream->received().find("all 48 listening slots of the web chat are taken"),
              std::string::npos)
        << stream->received();
  }

  // A new visitor, within a deadline: registers, writes, and reads the reply by long-poll; with
  // no slot free the poll answers at once and says when to ask again.
  const auto started = std::chrono::steady_clock::now();
  httplib::Client visitor("127.0.0.1", connector->port());
  visitor.set_connection_timeout(5, 0);
  visitor.set_read_timeout(5, 0);
  auto registered = visitor.Post("/v1/visitors", "{}", "application/json");
  ASSERT_TRUE(registered) << "registration got no answer: " << registered.error();
  ASSERT_EQ(registered->status, 201);
  const std::string token = json::parse(registered->body)["token"];
  const httplib::Headers auth{{"Authorization", "Bearer " + token}};
  auto posted =
      visitor.Post("/v1/messages", auth, R"({"text":"anyone there?"})", "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 202);
  auto busy_poll = visitor.Get("/v1/messages?after=0&wait=30", auth);
  ASSERT_TRUE(busy_poll);
  EXPECT_EQ(busy_poll->status, 200);
  EXPECT_EQ(busy_poll->get_header_value("Retry-After"), "5");
  Reply(token, "reply-new", "yes, here");
  auto poll = visitor.Get("/v1/messages?after=0&wait=30", auth);
  ASSERT_TRUE(poll);
  ASSERT_EQ(poll->status, 200);
  const json messages = json::parse(poll->body)["messages"];
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["text"], "yes, here");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);

  // A page that goes frees its slot (noticed at the next keep-alive): a new stream gets it.
  for (auto& stream : streams.connections) {
    if (stream->status() == 200) {
      stream->Close();
      break;
    }
  }
  std::unique_ptr<RawHttpConnection> reopened;
  EXPECT_TRUE(omni::testing::WaitFor([&] {
    reopened = std::make_unique<RawHttpConnection>(connector->port());
    reopened->Send(StreamRequest(tokens[0]));
    reopened->ReadUntil("\r\n\r\n", std::chrono::steady_clock::now() + 5s);
    return reopened->status() == 200;
  })) << reopened->received();
}

TEST_F(WebChatListenersTest, OneVisitorHoldsAtMostItsOwnShare) {
  const std::string token = Register();
  const int per_visitor = TestOptions().max_listeners_per_visitor;
  auto streams = OpenStreams(connector->port(), {token}, per_visitor + 1);
  EXPECT_EQ(streams.held, per_visitor);
  EXPECT_EQ(streams.refused_closed, 1);
  for (auto& stream : streams.connections) {
    if (stream->status() != 429) continue;
    EXPECT_EQ(stream->Header("Retry-After"), "5");
    EXPECT_NE(stream->received().find("this visitor already listens on 4 streams or long-polls"),
              std::string::npos)
        << stream->received();
  }
  // Another visitor is not affected.
  EXPECT_EQ(OpenStreams(connector->port(), {Register()}, 1).held, 1);
}

TEST(WebChatListenerOptionsTest, ListenersMustLeaveThreadsForShortRequests) {
  WebChatOptions options;
  options.secret = "0123456789abcdef0123";
  options.max_listeners = options.http_threads;
  auto created = WebChatConnector::Create(options);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("must be at least 1 and below http_threads (64)"),
            std::string::npos)
      << created.status();
  options.max_listeners = 8;
  options.max_listeners_per_visitor = 0;
  EXPECT_FALSE(WebChatConnector::Create(options).ok());
}

}  // namespace
}  // namespace omni::connectors::webchat
