// The widget in a real browser: the broker with the web chat connector on free ports, an agent on
// agent-sdk, and a visitor in headless Debian chromium (tests/browser/webchat_visitor.mjs, driven
// by playwright-core) who writes, sees replies live over SSE opened with a single-use ticket,
// reloads, writes again, opens a second tab whose stream is refused (which long-polls instead),
// and comes back with an old-format token (refused; the widget registers again). No token ever
// appears in a URL.
// Fails, never skips, when chromium or tests/browser/node_modules is missing.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "broker/app/broker_app.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::agent::AgentClient;

// The child's stdout and stderr, gathered on a thread while the test plays the agent.
class NodeScript {
 public:
  NodeScript(const std::string& script, const std::string& url) {
    pipe_ = popen(("node '" + script + "' '" + url + "' 2>&1").c_str(), "r");
    reader_ = std::thread([this] {
      char buf[4096];
      while (pipe_ && fgets(buf, sizeof buf, pipe_)) {
        std::lock_guard lock(mu_);
        output_ += buf;
      }
    });
  }
  // Waits for the script to end: its exit status.
  int Wait() {
    if (reader_.joinable()) reader_.join();
    int status = pipe_ ? pclose(pipe_) : -1;
    pipe_ = nullptr;
    return status;
  }
  ~NodeScript() { Wait(); }
  std::string output() {
    std::lock_guard lock(mu_);
    return output_;
  }

 private:
  FILE* pipe_ = nullptr;
  std::thread reader_;
  std::mutex mu_;
  std::string output_;
};

TEST(WebChatBrowserTest, VisitorChatsThroughTheWidgetAcrossAReload) {
  const std::filesystem::path browser_dir = OMNI_BROWSER_TEST_DIR;
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "chromium missing: deploy/setup-debian.sh";
  ASSERT_TRUE(std::filesystem::exists(browser_dir / "node_modules/playwright-core"))
      << "tests/browser/node_modules missing: deploy/setup-debian.sh runs npm ci";

  omni::testing::TempDir dir;
  app::BrokerApp broker(omni::testing::TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  auto agent = AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());

  const std::string url =
      "http://127.0.0.1:" + std::to_string(omni::testing::WebChatPort(broker)) + "/";
  NodeScript visitor((browser_dir / "webchat_visitor.mjs").string(), url);

  auto offer = omni::testing::NextOffer(**agent, 60s);
  ASSERT_TRUE(offer.has_value()) << visitor.output();
  EXPECT_EQ(offer->last_event().content().text(), "Hello from the browser");
  EXPECT_EQ(offer->customer().display_name(), "Ann Browser");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  ASSERT_TRUE((*agent)->SendText(*conversation, "REPLY-1 it ships today", "r1").ok());

  std::optional<omnibroker::v1::Event> second;
  ASSERT_TRUE(omni::testing::WaitFor(
      [&] {
        auto u = (*agent)->Next(100ms);
        if (u && u->has_message() && u->message().event().content().text() == "Second message") {
          second = u->message().event();
        }
        return second.has_value();
      },
      60s))
      << visitor.output();
  EXPECT_EQ(second->conversation_id(), *conversation);
  ASSERT_TRUE((*agent)
                  ->SendText(*conversation,
                             "REPLY-2 <img src=x onerror=\"window.omniInjected=true\"><i>not html</i>"
                             "<script>window.omniInjected=true</script>",
                             "r2")
                  .ok());

  const int status = visitor.Wait();
  const std::string output = visitor.output();
  EXPECT_EQ(status, 0) << output;
  for (const char* step : {"sent-first", "reply-live", "stream-by-ticket",
                           "transcript-after-reload", "sent-second", "second-reply-as-text",
                           "transcript-by-long-poll", "old-token-replaced", "no-token-in-urls"}) {
    EXPECT_NE(output.find(std::string("STEP ") + step + "\n"), std::string::npos)
        << "missing step " << step << "\n" << output;
  }
  (*agent)->Close();
}

}  // namespace
}  // namespace omni
