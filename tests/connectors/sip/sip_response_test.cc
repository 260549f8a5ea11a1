// Responses copy what RFC 3261 8.2.6 says from the request.
#include <gtest/gtest.h>

#include "connectors/sip/sip_response.h"

namespace omni::connectors::sip {
namespace {

constexpr char kInvite[] =
    "INVITE sip:support@pbx SIP/2.0\r\n"
    "Via: SIP/2.0/UDP a.example:5060;branch=z9hG4bK1\r\n"
    "Via: SIP/2.0/UDP b.example:5060;branch=z9hG4bK2\r\n"
    "From: <sip:bob@a.example>;tag=f1\r\nTo: <sip:support@pbx>\r\nCall-ID: r1@a\r\n"
    "CSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n";

TEST(SipResponseTest, CopiesViasFromCallIdCseqAndTagsTheTo) {
  auto invite = ParseSipRequest(kInvite);
  ASSERT_TRUE(invite.ok()) << invite.status();
  const std::string redirect = Response(*invite, 302, "t9", {"Contact: <sip:alice@10.0.0.1>"});
  EXPECT_EQ(redirect,
            "SIP/2.0 302 Moved Temporarily\r\n"
            "Via: SIP/2.0/UDP a.example:5060;branch=z9hG4bK1\r\n"
            "Via: SIP/2.0/UDP b.example:5060;branch=z9hG4bK2\r\n"
            "From: <sip:bob@a.example>;tag=f1\r\nTo: <sip:support@pbx>;tag=t9\r\nCall-ID: r1@a\r\n"
            "CSeq: 7 INVITE\r\nContact: <sip:alice@10.0.0.1>\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(Response(*invite, 100, "t9").find(";tag=t9"), std::string::npos) << "100 Trying carries no tag";
}

}  // namespace
}  // namespace omni::connectors::sip
