#include "connectors/email/html_text.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "base/strings.h"
#include "connectors/sdk/html_entities.h"

namespace omni::connectors::email {
namespace {

constexpr size_t kMaxTagName = 16;     // longer names are no element this renders
constexpr size_t kMaxUrlBytes = 4096;  // a link with a longer href shows its text alone
constexpr size_t kMaxListIndent = 8;   // nesting levels indented; deeper items stay there

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == ':' || c == '-' || c == '_'; }

// 1 for an ASCII space, 2 for U+00A0 (&nbsp;, which Outlook writes for every blank line), else 0.
size_t SpaceAt(std::string_view text, size_t i) {
  if (IsSpace(text[i])) return 1;
  return text.substr(i, 2) == "\xC2\xA0" ? 2 : 0;
}

// The content of these is raw text up to their end tag, and is not shown.
bool IsDroppedRawText(std::string_view name) {
  return name == "script" || name == "style" || name == "title";
}

// The line breaks an element's start and end ask for: 2 a blank line, 1 a new line, 0 none.
int BreaksAround(std::string_view name) {
  static constexpr std::string_view kParagraphs[] = {"p",  "h1",         "h2",  "h3", "h4", "h5",
                                                     "h6", "blockquote", "pre", "hr", "dl"};
  static constexpr std::string_view kLines[] = {
      "div",      "tr",     "dt",     "dd",      "address", "center",  "form",
      "fieldset", "legend", "header", "footer",  "nav",     "section", "article",
      "aside",    "main",   "figure", "caption", "details", "summary", "figcaption"};
  if (std::find(std::begin(kParagraphs), std::end(kParagraphs), name) != std::end(kParagraphs)) {
    return 2;
  }
  return std::find(std::begin(kLines), std::end(kLines), name) != std::end(kLines) ? 1 : 0;
}

// Character references decoded, NUL and other controls dropped (whitespace stays).
std::string Decode(std::string_view raw) {
  std::string decoded;
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '&') {
      if (const size_t taken = DecodeCharacterReference(raw.substr(i + 1), decoded)) {
        i += taken;
        continue;
      }
    }
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && !IsSpace(c)) || byte == 0x7F) continue;
    decoded.push_back(c);
  }
  return decoded;
}

// Runs of whitespace as one space, none at either end.
std::string Collapse(std::string_view text) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < text.size();) {
    if (const size_t n = SpaceAt(text, i)) {
      space = !out.empty();
      i += n;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(text[i++]);
  }
  return out;
}

// The href a link is shown with, or "" for one not worth showing: in-page anchors, scripts,
// inline data, and hrefs too long to read.
std::string LinkTarget(std::string_view raw) {
  std::string href;
  for (char c : Decode(raw)) {
    if (!IsSpace(c)) href.push_back(c);  // mail programs fold long hrefs over lines
  }
  const absl::string_view h = ToAbsl(href);
  if (href.empty() || href.size() > kMaxUrlBytes || href.front() == '#' ||
      absl::StartsWithIgnoreCase(h, "javascript:") || absl::StartsWithIgnoreCase(h, "vbscript:") ||
      absl::StartsWithIgnoreCase(h, "data:")) {
    return "";
  }
  return href;
}

// Whether a link's text already says where it goes: "www.example.com" for
// "https://www.example.com/", "ann@example.com" for "mailto:ann@example.com".
bool ShownIsTarget(std::string_view shown, std::string_view href) {
  const auto trim_slash = [](std::string_view s) {
    return s.ends_with('/') ? s.substr(0, s.size() - 1) : s;
  };
  shown = trim_slash(shown);
  href = trim_slash(href);
  if (shown == href) return true;
  for (std::string_view scheme : {"mailto:", "tel:", "https://", "http://"}) {
    if (absl::StartsWithIgnoreCase(ToAbsl(href), ToAbsl(scheme)) &&
        href.substr(scheme.size()) == shown) {
      return true;
    }
  }
  return false;
}

struct Tag {
  std::string name;  // lower case
  bool end = false;
  std::string href;  // <a>'s, as LinkTarget gives it
  std::string alt;   // <img>'s, collapsed
};

class Renderer {
 public:
  explicit Renderer(std::string_view html) : html_(html) {}

  std::string Render() && {
    size_t at = 0;
    while (at < html_.size() && !full_) {
      const size_t lt = html_.find('<', at);
      Text(html_.substr(at, lt == std::string_view::npos ? std::string_view::npos : lt - at));
      if (lt == std::string_view::npos) break;
      at = Markup(lt);
    }
    CloseLink();
    if (!full_) {
      while (!out_.empty() && IsSpace(out_.back())) out_.pop_back();
    }
    const size_t lead =
        std::find_if(out_.begin(), out_.end(), [](char c) { return !IsSpace(c); }) - out_.begin();
    out_.erase(0, lead);
    return std::move(out_);
  }

 private:
  struct Link {
    std::string href;
    size_t start;  // where its text begins in out_
  };

  // The markup at html_[lt] == '<' applied; returns where the text after it starts.
  size_t Markup(size_t lt) {
    const std::string_view rest = html_.substr(lt);
    if (rest.starts_with("<!--")) return After(html_.find("-->", lt + 4), 3);
    const bool end = rest.size() > 1 && rest[1] == '/';
    const size_t name_at = lt + (end ? 2 : 1);
    if (rest.size() > 1 && (rest[1] == '!' || rest[1] == '?')) {
      return After(html_.find('>', lt + 2), 1);  // <!DOCTYPE>, <![if mso]>, <?xml?>
    }
    if (name_at >= html_.size() || !absl::ascii_isalpha(html_[name_at])) {
      if (end) return After(html_.find('>', name_at), 1);  // "</>", "</ 3>": nothing
      Text("<");
      return lt + 1;
    }
    Tag tag;
    tag.end = end;
    const size_t after = ReadTag(name_at, tag);
    Apply(tag);
    if (!end && IsDroppedRawText(tag.name)) return SkipRawText(after, tag.name);
    return after;
  }

  // html_.size() for a position not found (the rest is markup), else just past `found`'s match.
  size_t After(size_t found, size_t match_length) const {
    return found == std::string_view::npos ? html_.size() : found + match_length;
  }

  // Reads the tag whose name starts at `at`, up to its '>' (quotes respected); returns what
  // follows it. A tag cut off at the end of the input takes the rest.
  size_t ReadTag(size_t at, Tag& tag) {
    size_t i = at;
    while (i < html_.size() && IsNameChar(html_[i])) ++i;
    if (i - at <= kMaxTagName) tag.name = absl::AsciiStrToLower(ToAbsl(html_.substr(at, i - at)));
    while (true) {
      while (i < html_.size() && (IsSpace(html_[i]) || html_[i] == '/')) ++i;
      if (i >= html_.size()) {
        tag.name.clear();  // cut off: not applied
        return html_.size();
      }
      if (html_[i] == '>') return i + 1;
      const size_t name_start = i;
      while (i < html_.size() && !IsSpace(html_[i]) && html_[i] != '=' && html_[i] != '>' &&
             html_[i] != '/') {
        ++i;
      }
      const std::string_view attribute = html_.substr(name_start, i - name_start);
      while (i < html_.size() && IsSpace(html_[i])) ++i;
      if (i >= html_.size() || html_[i] != '=') continue;
      ++i;
      while (i < html_.size() && IsSpace(html_[i])) ++i;
      std::string_view value;
      if (i < html_.size() && (html_[i] == '"' || html_[i] == '\'')) {
        const size_t close = html_.find(html_[i], i + 1);
        if (close == std::string_view::npos) {
          tag.name.clear();
          return html_.size();
        }
        value = html_.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        const size_t start = i;
        while (i < html_.size() && !IsSpace(html_[i]) && html_[i] != '>') ++i;
        value = html_.substr(start, i - start);
      }
      if (tag.end) continue;
      if (tag.name == "a" && absl::EqualsIgnoreCase(ToAbsl(attribute), "href")) {
        tag.href = LinkTarget(value);
      } else if (tag.name == "img" && absl::EqualsIgnoreCase(ToAbsl(attribute), "alt")) {
        tag.alt = Collapse(Decode(value));
      }
    }
  }

  // Past the end tag of the raw-text element `name` that starts at `from`; the rest when none.
  size_t SkipRawText(size_t from, std::string_view name) const {
    for (size_t at = html_.find("</", from); at != std::string_view::npos;
         at = html_.find("</", at + 2)) {
      const size_t after = at + 2 + name.size();
      if (after <= html_.size() &&
          absl::EqualsIgnoreCase(ToAbsl(html_.substr(at + 2, name.size())), ToAbsl(name)) &&
          (after == html_.size() || !IsNameChar(html_[after]))) {
        return After(html_.find('>', after), 1);
      }
    }
    return html_.size();
  }

  void Apply(const Tag& tag) {
    const std::string_view name = tag.name;
    if (name == "br") {
      LineBreak();
    } else if (name == "a") {
      CloseLink();
      if (!tag.end && !tag.href.empty()) link_ = Link{tag.href, out_.size()};
    } else if (name == "img") {
      if (!tag.alt.empty()) {
        space_ = true;
        Put("[" + tag.alt + "]");
        space_ = true;
      }
    } else if (name == "li") {
      prefix_.clear();
      keep_line_ = false;
      Break(1);
      if (!tag.end) {
        const size_t indent = std::min(std::max(list_depth_, size_t{1}) - 1, kMaxListIndent);
        prefix_ = std::string(2 * indent, ' ') + "- ";
        keep_line_ = true;
      }
    } else if (name == "ul" || name == "ol") {
      prefix_.clear();
      keep_line_ = false;
      Nest(list_depth_, tag.end);
    } else if (name == "table") {
      Nest(table_depth_, tag.end);
    } else if (name == "tr") {
      cells_in_row_ = 0;
      Break(1);
    } else if (name == "td" || name == "th") {
      // A row's cells on one line: "Date Amount", though Outlook puts each in a <p>.
      if (!tag.end && cells_in_row_++ > 0) {
        breaks_ = 0;
        keep_line_ = true;
      }
      space_ = true;
    } else {
      if (name == "pre" && !tag.end) ++pre_depth_;
      if (name == "pre" && tag.end && pre_depth_ > 0) --pre_depth_;
      Break(Nested() ? std::min(BreaksAround(name), 1) : BreaksAround(name));
    }
  }

  // Inside a list or a table blocks only start new lines: its items and rows stay together.
  bool Nested() const { return list_depth_ > 0 || table_depth_ > 0; }

  // A list's or table's start or end: a blank line around the outermost, a new line inside.
  void Nest(size_t& depth, bool end) {
    if (end && depth > 0) --depth;
    Break(Nested() ? 1 : 2);
    if (!end) ++depth;
  }

  void Text(std::string_view raw) {
    if (raw.empty() || full_) return;
    const std::string decoded = Decode(raw);
    if (pre_depth_ > 0) {
      std::string kept;
      for (char c : decoded) {
        if (c != '\r' && c != '\f') kept.push_back(c);
      }
      Put(kept);
      return;
    }
    size_t word = 0;
    for (size_t i = 0; i < decoded.size();) {
      if (const size_t n = SpaceAt(decoded, i)) {
        Put(std::string_view(decoded).substr(word, i - word));
        space_ = true;
        i += n;
        word = i;
      } else {
        ++i;
      }
    }
    Put(std::string_view(decoded).substr(word));
  }

  // Appends `text`, after the line breaks or the space asked for since the last text.
  void Put(std::string_view text) {
    if (text.empty() || full_) return;
    if (!out_.empty()) {
      if (breaks_ > 0) {
        while (!out_.empty() && out_.back() == ' ') out_.pop_back();
        for (int have = TrailingNewlines(); have < breaks_; ++have) out_.push_back('\n');
      } else if (space_ && !IsSpace(out_.back())) {
        out_.push_back(' ');
      }
    }
    breaks_ = 0;
    space_ = false;
    keep_line_ = false;
    out_.append(prefix_);
    prefix_.clear();
    out_.append(text);
    if (out_.size() > kMaxHtmlTextBytes) Cut();
  }

  // A block's edge: the next text starts `lines` lines down, unless it is the first text of a
  // list item (after its "- ") or of a row's later cell.
  void Break(int lines) {
    if (!keep_line_) breaks_ = std::max(breaks_, lines);
  }

  // <br>: a new line now, never more than one blank line in a row.
  void LineBreak() {
    if (out_.empty() || full_) return;
    while (out_.back() == ' ') out_.pop_back();
    if (TrailingNewlines() < 2) out_.push_back('\n');
    space_ = false;
  }

  int TrailingNewlines() const {
    int count = 0;
    for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n' && count < 2; ++it) ++count;
    return count;
  }

  // A link's end: "text (url)", or the url alone when it has no text.
  void CloseLink() {
    if (!link_ || full_) return;
    const Link link = std::move(*link_);
    link_.reset();
    const std::string_view shown = ToStd(absl::StripAsciiWhitespace(
        ToAbsl(std::string_view(out_).substr(std::min(link.start, out_.size())))));
    if (ShownIsTarget(shown, link.href)) return;
    if (shown.empty()) {
      space_ = true;
      Put(link.href);
      return;
    }
    const int breaks = breaks_;  // a block that ended inside the link: "(url)" stays on its line
    breaks_ = 0;
    space_ = true;
    Put("(" + link.href + ")");
    breaks_ = breaks;
  }

  void Cut() {
    size_t cut = kMaxHtmlTextBytes;
    while (cut > 0 && (static_cast<unsigned char>(out_[cut]) & 0xC0) == 0x80) --cut;
    out_.resize(cut);
    out_.append(kHtmlTextCutMark);
    full_ = true;
  }

  const std::string_view html_;
  std::string out_;
  int breaks_ = 0;          // line breaks wanted before the next text
  bool space_ = false;      // a space wanted before the next text
  std::string prefix_;      // a list item's "- ", written with its first text
  bool keep_line_ = false;  // the next text stays on this line (see Break)
  size_t list_depth_ = 0;
  size_t table_depth_ = 0;
  size_t cells_in_row_ = 0;
  size_t pre_depth_ = 0;
  std::optional<Link> link_;
  bool full_ = false;
};

}  // namespace

std::string HtmlToText(std::string_view html) { return Renderer(html).Render(); }

}  // namespace omni::connectors::email
