// The email parser on every corpus mail (normalized with key fields checked, or rejected with a
// reason) and on malformed input.
#include "connectors/email/email_parser.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "connectors/sdk/file_name.h"
#include "tests/support/corpus_table.h"

namespace omni::connectors::email {
namespace {

using omnibroker::v1::EVENT_KIND_DELIVERY_STATUS;
using omnibroker::v1::EVENT_KIND_MESSAGE;
using omnibroker::v1::EVENT_KIND_SYSTEM;
using omnibroker::v1::EventKind;

struct Expected {
  std::string rejected;  // a part of the rejection text, or "" when normalized
  EventKind kind = EVENT_KIND_MESSAGE;
  std::string sender;
  std::string thread_key;
};

TimePoint Now() { return TimePoint{}; }

TEST(EmailParserTest, EveryCorpusMail) {
  const std::map<std::string, Expected> table = {
      {"chatwoot/non_utf_encoded_mail.eml", {.kind = EVENT_KIND_SYSTEM, .sender = "example@gmail.com", .thread_key = "4e6e35f5a38b4_479f13bb90078178@small-app-01.mail"}},
      {"mikel_mail/attachment_message_rfc822.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "foo@example.com", .thread_key = "9169D984-4E0B-45EF-82D4-8F5E53AD7012@example.com"}},
      {"mikel_mail/attachment_nonascii_filename.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "foo@example.com", .thread_key = "9169D984-4E0B-45EF-82D4-8F5E53AD7012@example.com"}},
      {"mikel_mail/attachment_with_encoded_name.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "xxxxxxxxx.xxxxxxx@gmail.com", .thread_key = "F6E2D0B4-CC35-4A91-BA4C-C7C712B10C13@mac.com"}},
      {"mikel_mail/bad_encoded_subject.eml", {.rejected = "mail: the From header has no address"}},
      {"mikel_mail/basic_email_lf.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "test@lindsaar.net", .thread_key = "6B7EC235-5B17-4CA8-B2B8-39290DEB43A3@test.lindsaar.net"}},
      {"mikel_mail/content_transfer_encoding_x_uuencode.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "lpeters@pacifier.com", .thread_key = "1168BAF252B7D41194810001028D743108913C@SERVER"}},
      {"mikel_mail/email_with_similar_boundaries.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "xxxxxx@xxxxxxxx.xxx", .thread_key = "e4b473$b3jkq@xxxx.xxxx.xxxxxxxx.xxx"}},
      {"mikel_mail/empty_in_reply_to.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "ak@g.com", .thread_key = "F194F88AF3E341A6B2B135CC17912811@articondell"}},
      {"mikel_mail/japanese_iso_2022.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "raasdnil@gmail.com", .thread_key = "sha256:82004fe1135e935d53ce728024672ecad5cacc0acacf93db1e7098013b0275ad"}},
      {"mikel_mail/ks_c_5601-1987.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "from@example.com", .thread_key = "from@example.com"}},
      {"mikel_mail/missing_body.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "redacted@attglobal.net", .thread_key = "001301c17797$9cd0ef30$a3ab620c@vaio"}},
      {"mikel_mail/new_line_in_to_header.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "l@gcn-example.com", .thread_key = "4cb5c7d0a3cce_120e..fdbed2b861958562@s.t-example.com.tmail"}},
      {"mikel_mail/raw_email_reply.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "xxxxxxxx@xxx.org", .thread_key = "473FF3B8.9020707@xxx.org"}},
      {"mikel_mail/raw_email_with_binary_encoded.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "email_test@me.nowhere", .thread_key = "009601c813c6$19df3510$0437d30a@mikel091a"}},
      {"mikel_mail/raw_email_with_nested_attachment.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "jamis@37signals.com", .thread_key = "2CCE0408-10C7-4045-9B16-A1C11C31469B@37signals.com"}},
      {"mikel_mail/report_530.eml", {.kind = EVENT_KIND_DELIVERY_STATUS, .sender = "mailer-daemon@tttttt.com.au", .thread_key = "200712232303.lBNN3jDq002941@mail12.rrrr.com.au"}},
      {"mikel_mail/utf8_headers.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "jdöe@mächine.example", .thread_key = "sha256:8aaa31047f56455d4cc7c6fdf853362771deca0d22add5481135cbc2b34abb07"}},
      {"omnibroker/alternative_empty_text.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "li.wei@example.org", .thread_key = "20241205142005.5f1c@mail.example.org"}},
      {"omnibroker/outlook_html_only.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "renee.obrien@example.net", .thread_key = "AM9PR07MB7187A1C2D3E4F5A6B7C8D9E0F1A2B3C4D5@AM9PR07MB7187.eurprd07.prod.outlook.com"}},
      {"omnibroker/thunderbird_html_only.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "jana@example.org", .thread_key = "3b1f2a8e-6c2d-4b8e-9a41-7f0d2c5e8a10@example.org"}},
      {"rspamd/bad_message.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "nasutkadqw@esumare.ru", .thread_key = "588d01d0b859$92a6a7e0$10a887d3@nasutkadqw"}},
      {"rspamd/badboundary.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "test@example.org", .thread_key = "156951315267.43830.14912869070271436609@example.org"}},
      {"rspamd/from_dn_base64.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "user@example.org", .thread_key = "sha256:c773bbb0ea18ae2d6f0efd996aedd73aab1a08f2ef9aa2d5c28058fa7db9fa36"}},
      {"rspamd/next2last-doublebad.eml", {.rejected = "mail: the From header has no address"}},
      {"rspamd/spam.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "info@jbshvnthwigaf.ru", .thread_key = "07FDB7CD95416D1EC2C78E3490CA97E8@jbshvnthwigaf.ru"}},
      {"rspamd/spam_message.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "upwest201diana@outlook.com", .thread_key = "sha256:bede780c8c086af86a6d1b58b1e12bf08d1e0b7051ca71079c59740935af4482"}},
      {"rspamd/utf.eml", {.kind = EVENT_KIND_MESSAGE, .sender = "yy@example.com", .thread_key = "f13bcdad-273b-9a44-6209-cb1631c01dca@example.com"}},
  };
  testing::CheckEveryCorpusFile("email", table, [](const std::string& name,
                                                   const std::string& raw,
                                                   const Expected& expected) {
    auto event = ParseMail(raw, Now());
    if (!expected.rejected.empty()) {
      EXPECT_TRUE(testing::RejectedWith(event.status(), expected.rejected));
      return;
    }
    ASSERT_TRUE(event.ok()) << event.status();
    EXPECT_EQ(event->kind(), expected.kind);
    EXPECT_EQ(event->sender().handle(), expected.sender);
    EXPECT_EQ(event->thread_key(), expected.thread_key);
    EXPECT_TRUE(event->id().starts_with("email:"));
  });
}

TEST(EmailParserTest, MalformedInput) {
  EXPECT_TRUE(testing::RejectedWith(ParseMail("", Now()).status(), "not an RFC 5322 message"));
  EXPECT_TRUE(testing::RejectedWith(ParseMail("Subject: x\r\n\r\nhi", Now()).status(), "From"));
  EXPECT_TRUE(testing::RejectedWith(ParseMail(std::string(1 << 20, 'a'), Now()).status(),
                                    "not an RFC 5322 message"));
  auto nul = ParseMail(std::string("From: a@b.c\r\nSubject: x\0y\r\n\r\nb\0dy", 33), Now());
  ASSERT_TRUE(nul.ok()) << nul.status();
  EXPECT_EQ(nul->sender().handle(), "a@b.c");
  auto unclosed = ParseMail(
      "From: A <A@B.C>\r\nMessage-ID: <m1@b.c>\r\nContent-Type: multipart/mixed; boundary=zz\r\n"
      "\r\n--zz\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n",
      Now());
  ASSERT_TRUE(unclosed.ok()) << unclosed.status();
  EXPECT_EQ(unclosed->sender().handle(), "a@b.c");
  EXPECT_EQ(unclosed->id(), "email:m1@b.c");
  EXPECT_NE(unclosed->content().text().find("\xd0\x9f\xd1\x80\xd0\xb8"), std::string::npos);
}

omnibroker::v1::Event ParseCorpusMail(const std::string& name) {
  auto event = ParseMail(testing::ReadFile(testing::CorpusDir() / "email" / name), Now());
  EXPECT_TRUE(event.ok()) << name << ": " << event.status();
  return event.ok() ? *event : omnibroker::v1::Event{};
}

// HTML-only mail as Thunderbird and Outlook send it: the agent reads a rendering of the HTML as
// the text (charset and transfer encoding undone by GMime first), and the HTML is kept as it came.
TEST(EmailParserTest, HtmlOnlyMailGetsItsHtmlRenderedAsText) {
  const auto thunderbird = ParseCorpusMail("omnibroker/thunderbird_html_only.eml");
  EXPECT_EQ(thunderbird.content().text(),
            "Dobrý den,\n\n"
            "my order #4711 arrived damaged. The photos are here: "
            "https://photos.example.org/album/4711\n\n"
            "- the box was crushed\n"
            "- two cups are broken & one is chipped\n\n"
            "Could you send a replacement? See the returns policy "
            "(https://shop.example.com/terms#returns).\n\n"
            "--\n"
            "Jana Nováková\n"
            "jana@example.org");
  EXPECT_NE(thunderbird.content().html().find("<div class=\"moz-signature\">"), std::string::npos);
  EXPECT_EQ(thunderbird.content().subject(), "Rozbité hrnky / broken cups");
  EXPECT_EQ(thunderbird.content().attachments_size(), 0);

  // Windows-1252 in quoted-printable, Word's styles and conditional comments, a table.
  const auto outlook = ParseCorpusMail("omnibroker/outlook_html_only.eml");
  EXPECT_EQ(outlook.content().text(),
            "Hello,\n\n"
            "I was charged twice for invoice INV-2024-118 – please refund one of the payments:\n\n"
            "Date Amount\n"
            "02/12/2024 €149.00\n\n"
            "My account: customer portal (https://billing.example.com/account/88213)\n\n"
            "Kind regards,\n\n"
            "Renée O’Brien");
  EXPECT_EQ(outlook.sender().display_name(), "Renée O’Brien");
  EXPECT_NE(outlook.content().html().find("<o:shapedefaults"), std::string::npos);
}

// multipart/alternative with an empty text/plain beside multipart/related HTML: the text comes
// from the HTML (the inline image's alt text in brackets), and the inline image stays an
// attachment reference.
TEST(EmailParserTest, EmptyTextPartBesideHtmlGetsTheHtmlRendered) {
  const auto event = ParseCorpusMail("omnibroker/alternative_empty_text.eml");
  EXPECT_EQ(event.content().text(),
            "The app shows this error when I pay:\n[error screenshot]\nOrder № 99812");
  EXPECT_NE(event.content().html().find("cid:ii_m4b2x1y50"), std::string::npos);
  ASSERT_EQ(event.content().attachments_size(), 1);
  EXPECT_EQ(event.content().attachments(0).content_type(), "image/png");
  EXPECT_EQ(event.content().attachments(0).filename(), "error.png");
  EXPECT_EQ(event.content().attachments(0).size_bytes(), 70);
}

// A mail with text keeps its own text, HTML beside it or not; malformed HTML still gives text.
TEST(EmailParserTest, TextPartWinsAndMalformedHtmlStillRenders) {
  auto both = ParseMail(
      "From: a@b.c\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nThe text.\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>The <b>html</b>.</p>\r\n--b--\r\n",
      Now());
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->content().text(), "The text.");
  EXPECT_EQ(both->content().html(), "<p>The <b>html</b>.</p>");

  auto broken = ParseMail(
      "From: a@b.c\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "<html><body><div><p>Hi &amp; bye<table><tr><td>cell <a href=\"https://x.example\">link"
      "<script>alert(1)\r\n",
      Now());
  ASSERT_TRUE(broken.ok()) << broken.status();
  EXPECT_EQ(broken->content().text(), "Hi & bye\n\ncell link (https://x.example)");
}

// Attachment names as mail programs write them: RFC 2231 (charset, language, continuations) and
// RFC 2047 encoded words, decoded from their charsets; and names a sender chose to attack with,
// made safe (connectors/sdk/file_name.h) while the attachment itself stays.
TEST(EmailParserTest, AttachmentNamesAreDecodedAndMadeSafe) {
  std::string long_name_parameters;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&long_name_parameters, ";\r\n filename*", i, "=\"", std::string(100, 'a'),
                    i == 49 ? ".pdf\"" : "\"");
  }
  const std::string raw = absl::StrCat(
      "From: Ann <ann@example.org>\r\nMessage-ID: <names@example.org>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
      "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the files.\r\n"
      // 2: RFC 2231, UTF-8 (Thunderbird, Apple Mail)
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
      " filename*=utf-8''%C3%9Cberweisung%20M%C3%A4rz%202024.pdf\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
      // 3: RFC 2231 with a language and continuations
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
      " filename*0*=utf-8'de'Rechnung%20; filename*1*=%E2%84%96%2017.pdf\r\n\r\nx\r\n"
      // 4: RFC 2047 in KOI8-R (Outlook, The Bat!), in name= and filename=
      "--b\r\nContent-Type: application/pdf; name=\"=?koi8-r?B?896j1CDawSDNwdLULnBkZg==?=\"\r\n"
      "Content-Disposition: attachment; filename=\"=?koi8-r?B?896j1CDawSDNwdLULnBkZg==?=\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
      // 5: only Content-Type's name=, in ISO-8859-1 RFC 2231
      "--b\r\nContent-Type: application/octet-stream;\r\n"
      " name*=iso-8859-1''na%EFve%20r%E9sum%E9.txt\r\n\r\nx\r\n"
      // 6: a path out of any folder it is saved in
      "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
      " filename=\"../../etc/passwd\"\r\n\r\nroot:x:0:0\r\n"
      // 7: CR LF and NUL in an encoded word
      "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
      " filename=\"=?utf-8?Q?a=0D=0AX-Evil:_1=00.txt?=\"\r\n\r\nx\r\n"
      // 8: a right-to-left override making "exe" read as "pdf"
      "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;"
      " filename*=utf-8''invoice%E2%80%AEfdp.exe\r\n\r\nMZ\r\n"
      // 9: 5000 characters in 50 continuations
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment",
      long_name_parameters, "\r\n\r\nx\r\n",
      // 10: nothing usable left
      "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment;"
      " filename=\"/..\"\r\n\r\nx\r\n"
      // 11: no name at all: none made up
      "--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\nx\r\n"
      "--b--\r\n");
  auto event = ParseMail(raw, Now());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->content().text(), "See the files.");
  const auto& attachments = event->content().attachments();
  ASSERT_EQ(attachments.size(), 10);
  const std::string expected[] = {"Überweisung März 2024.pdf",
                                  "Rechnung № 17.pdf",
                                  "Счёт за март.pdf",
                                  "naïve résumé.txt",
                                  "passwd",
                                  "a__X-Evil_ 1_.txt",
                                  "invoice_fdp.exe",
                                  std::string(connectors::kMaxFileNameBytes - 4, 'a') + ".pdf",
                                  "attachment",
                                  ""};
  for (int i = 0; i < attachments.size(); ++i) {
    EXPECT_EQ(attachments[i].filename(), expected[i]) << "attachment " << i;
    EXPECT_EQ(attachments[i].url(), absl::StrCat("email:names@example.org/", i + 3));
  }
  EXPECT_EQ(attachments[0].size_bytes(), 5);  // "%PDF-", base64-decoded
}

// Every part reaches the agent: a forwarded message (message/rfc822) and a text part after the
// first (Apple Mail puts the text after an inline image in one) are attachment references too.
TEST(EmailParserTest, ForwardedMessagesAndLaterTextPartsAreKept) {
  const auto forwarded = ParseCorpusMail("mikel_mail/attachment_message_rfc822.eml");
  EXPECT_EQ(forwarded.content().text(), "This is the first part.\r\n");
  ASSERT_EQ(forwarded.content().attachments_size(), 1);
  const auto& message = forwarded.content().attachments(0);
  EXPECT_EQ(message.content_type(), "message/rfc822");
  EXPECT_EQ(message.filename(), "ForwardedMessage.eml");
  EXPECT_EQ(message.url(), "email:9169D984-4E0B-45EF-82D4-8F5E53AD7012@example.com/3");
  EXPECT_GT(message.size_bytes(), 1000);

  auto apple = ParseMail(
      "From: a@b.c\r\nMessage-ID: <parts@b.c>\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nBefore the photo.\r\n"
      "--b\r\nContent-Type: image/jpeg; name=photo.jpg\r\nContent-Disposition: inline;"
      " filename=photo.jpg\r\n\r\nJPEG\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nAfter the photo.\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>first html</p>\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>second html</p>\r\n--b--\r\n",
      Now());
  ASSERT_TRUE(apple.ok()) << apple.status();
  EXPECT_EQ(apple->content().text(), "Before the photo.");
  EXPECT_EQ(apple->content().html(), "<p>first html</p>");
  ASSERT_EQ(apple->content().attachments_size(), 3);
  EXPECT_EQ(apple->content().attachments(0).filename(), "photo.jpg");
  EXPECT_EQ(apple->content().attachments(1).content_type(), "text/plain");
  EXPECT_EQ(apple->content().attachments(1).url(), "email:parts@b.c/4");
  EXPECT_EQ(apple->content().attachments(1).size_bytes(), 16);  // "After the photo."
  EXPECT_EQ(apple->content().attachments(2).content_type(), "text/html");
}

TEST(EmailParserTest, DeliveryReportFieldsFromTheCorpus) {
  auto event = ParseMail(
      testing::ReadFile(testing::CorpusDir() / "email" / "mikel_mail" / "report_530.eml"), Now());
  ASSERT_TRUE(event.ok()) << event.status();
  const auto& metadata = event->provider_metadata();
  EXPECT_EQ(metadata.at("dsn_recipient"), "edwin@zzzzzzz.com");
  EXPECT_EQ(metadata.at("dsn_action"), "failed");
  EXPECT_EQ(metadata.at("dsn_status"), "5.3.0");
  EXPECT_EQ(metadata.at("original_message_id"), "200712232303.lBNN3jDq002941@mail12.rrrr.com.au");
}

// A bounce of our reply returns it as message/rfc822: threaded on the customer's first mail, the
// root of the reply's References, so it lands in that conversation.
TEST(EmailParserTest, BounceOfOurReplyThreadsOnTheCustomersMail) {
  auto event = ParseMail(
      "From: Mail Delivery System <MAILER-DAEMON@relay.example.com>\r\n"
      "Message-ID: <bounce1@relay.example.com>\r\nSubject: Undelivered Mail\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
      "--b1\r\nContent-Type: text/plain\r\n\r\nIt bounced.\r\n"
      "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay\r\n\r\n"
      "Original-Recipient: rfc822;Customer@Example.org\r\n"
      "Final-Recipient: rfc822; customer@mx.example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
      "--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: support@example.com\r\n"
      "To: customer@example.org\r\nMessage-ID: <ours@help.example.com>\r\n"
      "In-Reply-To: <q2@example.org>\r\nReferences: <q1@example.org> <q2@example.org>\r\n"
      "Subject: Re: Order 42\r\n\r\nOur answer.\r\n--b1--\r\n",
      TimePoint{} + std::chrono::seconds(1'800'000'000));
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->kind(), EVENT_KIND_DELIVERY_STATUS);
  EXPECT_EQ(event->thread_key(), "q1@example.org");
  EXPECT_EQ(event->provider_metadata().at("dsn_recipient"), "customer@example.org");
  EXPECT_EQ(event->provider_metadata().at("dsn_status"), "5.1.1");
  EXPECT_EQ(event->provider_metadata().at("original_message_id"), "ours@help.example.com");
  // No Date header: it happened when it arrived.
  EXPECT_EQ(event->occurred_at().seconds(), 1'800'000'000);
}

}  // namespace
}  // namespace omni::connectors::email
