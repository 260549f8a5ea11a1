// The HTML rendering of mail with no text of its own: what each kind of markup becomes, malformed
// and hostile HTML (cut-off tags, deep unclosed nesting, huge bodies) rendered in bounded work.
#include "connectors/email/html_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "base/utf8.h"

namespace omni::connectors::email {
namespace {

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out.append(piece);
  return out;
}

struct Case {
  std::string name;
  std::string html;
  std::string text;
};

TEST(HtmlTextTest, RendersEachKindOfMarkup) {
  const Case cases[] = {
      {"plain text", "Hello world", "Hello world"},
      {"whitespace collapsed", "  Hello \r\n\t  world  ", "Hello world"},
      {"inline elements join words", "<b>Hel</b>lo <i>world</i>!", "Hello world!"},
      {"paragraphs", "<p>One</p><p>Two</p>", "One\n\nTwo"},
      {"divs", "<div>One</div><div>Two</div>three", "One\nTwo\nthree"},
      {"br", "a<br>b<br/>c<BR >d", "a\nb\nc\nd"},
      {"at most one blank line", "a<br><br><br><br>b<p></p><p></p><p>c</p>", "a\n\nb\n\nc"},
      {"headings", "<h1>Title</h1>text", "Title\n\ntext"},
      {"list", "<p>Items:</p><ul><li>one</li><li>two</li></ul>after",
       "Items:\n\n- one\n- two\n\nafter"},
      {"ordered list, items not closed", "<ol><li>one<li>two</ol>", "- one\n- two"},
      {"nested list indented", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>",
       "- a\n  - b\n- c"},
      {"paragraph in a list item", "<ul><li><p>one</p></li><li><p>two</p></li></ul>",
       "- one\n- two"},
      {"empty list item", "<ul><li></li></ul><p>x</p>", "x"},
      {"link", "See <a href=\"https://x.example/a?b=1&amp;c=2\">the page</a>.",
       "See the page (https://x.example/a?b=1&c=2)."},
      {"link whose text is its url", "<a href=\"https://x.example/\">https://x.example/</a>",
       "https://x.example/"},
      {"link whose text is its url without scheme",
       "<a href='https://www.x.example/'>www.x.example</a>", "www.x.example"},
      {"mailto link", "<a href=\"mailto:ann@x.example\">ann@x.example</a>", "ann@x.example"},
      {"link around an image without alt", "<p>x</p><a href=\"https://x.example/\"><img src=a></a>",
       "x\n\nhttps://x.example/"},
      {"link around an image with alt", "<a href=\"https://x.example/\"><img alt=\"Logo\"></a>",
       "[Logo] (https://x.example/)"},
      {"link with a block inside", "<a href=\"https://x.example\"><p>Shop</p></a>next",
       "Shop (https://x.example)\n\nnext"},
      {"href folded over lines", "<a\n href=\"https://x.example/\nlong\">go</a>",
       "go (https://x.example/long)"},
      {"anchor, script and data links show their text only",
       "<a href=\"#top\">top</a> <a href=\"JavaScript:alert(1)\">js</a> "
       "<a href=\"data:text/html,x\">data</a> <a name=\"n\">plain</a>",
       "top js data plain"},
      {"unclosed link closed by the next",
       "<a href=\"https://a.example\">a<a href=\"https://b.example\">b",
       "a (https://a.example)b (https://b.example)"},
      {"image alt", "before<img src=\"cid:x\" alt=\" a  chart \">after", "before [a chart] after"},
      {"script, style and title dropped",
       "<html><head><title>T</title><style>p { color: red }</style>"
       "<script>if (a < b) document.write('<p>x</p>');</script></head><body>Body</body></html>",
       "Body"},
      {"raw text end tag in any case", "<SCRIPT type=x>a</sCrIpT >b", "b"},
      {"comments dropped", "a<!-- hidden <p>x</p> -->b<!--[if mso]><p>mso</p><![endif]-->c", "abc"},
      {"outlook downlevel-revealed markers", "<![if !supportLists]>1.<![endif]> item", "1. item"},
      {"doctype and xml declaration", "<?xml version=\"1.0\"?><!DOCTYPE html>text", "text"},
      {"entities",
       "&lt;tag&gt; &amp; &quot;q&quot; &apos;a&apos; caf&eacute; &euro;5 &#x1F600; &#233;",
       "<tag> & \"q\" 'a' café €5 😀 é"},
      {"windows-1252 numeric references", "don&#146;t &#150; &#151;", "don’t – —"},
      {"nbsp collapses", "a&nbsp;&nbsp; b<p>&nbsp;</p><p>c</p>", "a b\n\nc"},
      {"unknown or unterminated entities are text", "AT&T &bogus; &amp &#; &#xZZ;",
       "AT&T &bogus; &amp &#; &#xZZ;"},
      {"numeric references to nothing", "a&#0;b&#xD800;c&#99999999999;d&#1;e",
       "a\xEF\xBF\xBD"
       "b\xEF\xBF\xBD"
       "c\xEF\xBF\xBD"
       "de"},
      {"controls dropped",
       std::string("a\0b\x01\x7F"
                   "c",
                   6),
       "abc"},
      {"pre keeps whitespace", "<pre>  a\n    b</pre>after", "a\n    b\n\nafter"},
      {"table cells",
       "<table><tr><td>Date</td><td>Amount</td></tr><tr><td>1</td><td>2</td></tr>"
       "</table>end",
       "Date Amount\n1 2\n\nend"},
      {"outlook's paragraphs in cells",
       "<p>Hi</p><table><tr><td><p>Date</p></td><td><p>Amount</p></td></tr><tr><td><p>1</p>"
       "</td><td><p>2</p><p>3</p></td></tr></table><p>end</p>",
       "Hi\n\nDate Amount\n1 2\n3\n\nend"},
      {"less-than that starts no tag", "1 < 2 and 3 <= 4, x<3", "1 < 2 and 3 <= 4, x<3"},
      {"uppercase tags and attributes", "<P>One</P><A HREF=\"https://x.example\">x</A>",
       "One\n\nx (https://x.example)"},
      {"quoted '>' inside an attribute", "<a title=\"a>b\" href=\"https://x.example\">x</a>",
       "x (https://x.example)"},
      {"unquoted attributes", "<a href=https://x.example/q?a=1 target=_blank>x</a>",
       "x (https://x.example/q?a=1)"},
      {"namespaced tags ignored", "<o:p>a</o:p><v:shape>b</v:shape>", "ab"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HtmlToText(c.html), c.text) << c.name;
  }
}

TEST(HtmlTextTest, MalformedHtmlRendersWhatReads) {
  const Case cases[] = {
      {"empty", "", ""},
      {"only markup", "<html><body></body></html>", ""},
      {"tag cut off", "Hello <b class=\"x", "Hello"},
      {"quote never closed", "Hi <a href=\"https://x.example>there</a> all", "Hi"},
      {"comment never closed", "Hi <!-- forever", "Hi"},
      {"script never closed", "Hi <script>alert(1)", "Hi"},
      {"stray end tags", "</b></a>Hi</span></a></i> there", "Hi there"},
      {"stray block end tags", "</div></p>Hi</li></ul></pre>there", "Hi\n\nthere"},
      {"end tag without a name", "a</>b</ 3>c", "abc"},
      {"lone angle brackets", "<<>>", "<<>>"},
      {"lone ampersands", "& && &;", "& && &;"},
      {"attribute soup", "<p ===\"x\" '' / / a=>Hi</p>", "Hi"},
      {"invalid UTF-8 passes through for the event's repair", "caf\xE9", "caf\xE9"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HtmlToText(c.html), c.text) << c.name;
  }
}

// Deep unclosed nesting with end tags that close nothing made libxml2's HTML parser take a minute
// on 1.5 MB; here each hostile body of several MB takes one pass.
TEST(HtmlTextTest, HostileNestingTakesOnePass) {
  const std::pair<std::string, std::string_view> bodies[] = {
      {Repeat("<div>", 400'000) + Repeat("</span>", 400'000) + "end", "end"},
      {Repeat("<font><i><u>", 200'000) + Repeat("</p>", 400'000) + "end", "end"},
      {Repeat("<ul><li>", 300'000) + "end", "- end"},
      {Repeat("<pre>", 400'000) + "end", "end"},
      {Repeat("<table><tr><td>", 200'000) + Repeat("<body>", 200'000) + "end", "end"},
      {Repeat("<blockquote>", 400'000) + Repeat("<br>", 400'000) + "end", "end"},
      // every link without text shows its url: cut at the limit
      {Repeat("<a href=\"https://x.example\">", 100'000) + "end", "\n[…]"},
  };
  const auto start = std::chrono::steady_clock::now();
  for (const auto& [html, ending] : bodies) {
    const std::string text = HtmlToText(html);
    EXPECT_TRUE(text.ends_with(ending))
        << text.substr(text.size() - std::min<size_t>(80, text.size()));
    EXPECT_LE(text.size(), kMaxHtmlTextBytes + kHtmlTextCutMark.size());
  }
  // Linear work is well under a second for all of them, even unoptimised; quadratic is minutes.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(HtmlTextTest, AHugeBodyIsCutAtTheLimitOnACharacterBoundary) {
  const std::string html = "<p>" + Repeat("žluťoučký kůň ", 50'000) + "</p>";
  const std::string text = HtmlToText(html);
  EXPECT_TRUE(text.ends_with(kHtmlTextCutMark)) << text.substr(text.size() - 20);
  EXPECT_LE(text.size(), kMaxHtmlTextBytes + kHtmlTextCutMark.size());
  EXPECT_GT(text.size(), kMaxHtmlTextBytes - 4);
  EXPECT_TRUE(IsUtf8(text));
  EXPECT_TRUE(text.starts_with("žluťoučký kůň žluťoučký"));
}

}  // namespace
}  // namespace omni::connectors::email
