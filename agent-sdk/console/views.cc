// The views: each function draws one region from the state.
#include "views.h"

#include <ncursesw/curses.h>

#include <algorithm>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "base/time_util.h"
#include "conversation_text.h"
#include "wide_text.h"

namespace omni::console {
namespace {

// Writes `text` at (row, column), cut or padded to exactly `columns`.
void Put(int row, int column, const std::string& text, int columns, attr_t attributes = A_NORMAL) {
  if (columns <= 0) return;
  const std::wstring fitted = FitColumns(Widen(text), columns);
  attr_set(attributes, 0, nullptr);
  mvaddnwstr(row, column, fitted.c_str(), static_cast<int>(fitted.size()));
  attr_set(A_NORMAL, 0, nullptr);
}

attr_t Color(short pair) { return has_colors() ? COLOR_PAIR(pair) : A_NORMAL; }

void DrawHeader(const Screen& s, int columns) {
  const auto& agent = s.model.login().agent();
  const auto rows = s.model.Rows(s.now);
  int offers = 0;
  for (const auto& r : rows) offers += r.kind == ListRow::Kind::kOffer;
  const std::time_t t = std::chrono::system_clock::to_time_t(s.now);
  std::tm local{};
  localtime_r(&t, &local);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
  const std::string name = agent.display_name().empty() ? agent.id() : agent.display_name();
  Put(0, 0,
      absl::StrCat(" omni-console | ", name, " (", agent.id(), ") | ",
                   PresenceName(s.model.presence()), s.model.standing().empty() ? "" : " | ",
                   s.model.standing(), s.model.connected() ? "" : " | DISCONNECTED",
                   " | offers ", offers, " | conversations ", rows.size() - offers),
      columns, A_REVERSE);
  // The clock at the right edge, over whatever the left part could not fit.
  Put(0, columns - 10, absl::StrCat(" ", clock, " "), 10, A_REVERSE);
}

void DrawList(const Screen& s, const Layout& l, int columns) {
  Put(1, 0, "  kind  channel    customer              tier  waiting  deadline", columns, A_BOLD);
  const auto rows = s.model.Rows(s.now);
  const auto selected = s.model.Selected(s.now);
  int first = 0;  // scroll so the selected row is visible
  for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
    if (selected && rows[i].id == selected->id && i >= l.list_rows) first = i - l.list_rows + 1;
  }
  for (int i = 0; i < l.list_rows; ++i) {
    const int at = first + i;
    const int row = l.list_top + i;
    if (at >= static_cast<int>(rows.size())) {
      Put(row, 0, rows.empty() && i == 0 ? "  nothing yet: p switches presence to take work" : "",
          columns);
      continue;
    }
    const ListRow& r = rows[at];
    const bool is_selected = selected && r.id == selected->id;
    const attr_t base = is_selected ? A_REVERSE : A_NORMAL;
    const std::string kind = r.kind == ListRow::Kind::kOffer ? "OFFER" : "conv";
    Put(row, 0, absl::StrCat(is_selected ? "> " : "  ", kind), 8,
        base | (r.kind == ListRow::Kind::kOffer ? A_BOLD : 0));
    Put(row, 8, r.channel, 11, base);
    Put(row, 19, r.customer, 22, base);
    Put(row, 41, r.tier, 6, base | Color(2) | A_BOLD);
    Put(row, 47, r.waiting, 9, base);
    Put(row, 56, r.countdown, columns - 56, base | (r.urgent ? Color(1) | A_BOLD : 0));
  }
}

// The history's lines, wrapped to `columns`, with their attributes.
std::vector<std::pair<std::string, attr_t>> HistoryLines(const ConversationEntry& entry,
                                                         const std::string& me, int columns) {
  std::vector<std::pair<std::string, attr_t>> lines;
  for (const auto& event : entry.history) {
    const EventLine line = DescribeEvent(event, me);
    const attr_t attributes = line.internal ? Color(3) : A_NORMAL;
    lines.push_back({line.header, A_BOLD | attributes});
    for (const auto& part : WrapColumns(Widen(line.text), columns - 2)) {
      lines.push_back({"  " + Narrow(part), attributes});
    }
  }
  return lines;
}

void DrawCard(const std::vector<std::string>& card, const std::vector<std::string>& notes,
              const Layout& l) {
  const int column = l.history_columns + 1;
  for (int i = 0; i < l.body_rows; ++i) mvaddwstr(l.body_top + i, l.history_columns, L"│");
  std::vector<std::pair<std::string, attr_t>> lines;
  lines.push_back({"Customer", A_BOLD});
  for (const auto& c : card) lines.push_back({c, A_NORMAL});
  if (!notes.empty()) {
    lines.push_back({"Handoff notes", A_BOLD});
    for (const auto& n : notes) {
      for (const auto& part : WrapColumns(Widen(n), l.card_columns - 1)) {
        lines.push_back({Narrow(part), Color(3)});
      }
    }
  }
  for (int i = 0; i < l.body_rows && i < static_cast<int>(lines.size()); ++i) {
    Put(l.body_top + i, column, lines[i].first, l.card_columns, lines[i].second);
  }
}

void DrawConversation(const Screen& s, const Layout& l, const ConversationEntry& entry,
                      int columns) {
  const auto& c = entry.conversation;
  const std::string name = CustomerName(entry.customer, c.customer_identity());
  Put(l.body_top - 1, 0,
      absl::StrCat("── ", name, " · ", ChannelName(c.channel()), " ", c.provider(), " · ", c.id(),
                   " "),
      columns, A_BOLD);
  const auto lines = HistoryLines(entry, s.model.login().agent().id(), l.history_columns);
  const int end = std::max(0, static_cast<int>(lines.size()) - s.history_scroll);
  const int begin = std::max(0, end - l.body_rows);
  for (int i = 0; i < l.body_rows; ++i) {
    const int at = begin + i;
    if (at < end) {
      Put(l.body_top + i, 0, lines[at].first, l.history_columns, lines[at].second);
    } else {
      Put(l.body_top + i, 0, entry.history.empty() && i == 0 ? "(loading history…)" : "",
          l.history_columns);
    }
  }
  DrawCard(CustomerCard(entry.customer, c), HandoffNotes(entry.history), l);
}

void DrawOffer(const Screen& s, const Layout& l, const omnibroker::v1::Offer& offer, int columns) {
  const auto& c = offer.conversation();
  const std::string name = CustomerName(offer.customer(), c.customer_identity());
  const std::string left =
      FormatCountdown(std::max(FromProto(offer.expires_at()) - s.now, Duration::zero()));
  Put(l.body_top - 1, 0,
      absl::StrCat("── offer: ", name, " · ", ChannelName(c.channel()), " ", c.provider(),
                   " ── expires in ", left, " "),
      columns, A_BOLD);
  const EventLine line = DescribeEvent(offer.last_event(), s.model.login().agent().id());
  std::vector<std::string> lines = {line.header};
  for (const auto& part : WrapColumns(Widen(line.text), l.history_columns - 2))
    lines.push_back("  " + Narrow(part));
  lines.push_back("");
  lines.push_back("a accepts, d declines; the offer expires in " + left);
  for (int i = 0; i < l.body_rows; ++i) {
    Put(l.body_top + i, 0, i < static_cast<int>(lines.size()) ? lines[i] : "", l.history_columns,
        i == 0 ? A_BOLD : A_NORMAL);
  }
  DrawCard(CustomerCard(offer.customer(), c), {}, l);
}

void DrawPicker(const Screen& s, const Layout& l, int columns) {
  Put(l.body_top - 1, 0, "── " + s.picker.title + " ", columns, A_BOLD);
  Put(l.body_top, 0, "filter: " + s.picker.filter.Text() + "_", columns);
  const auto matches = s.picker.Matches();
  const int chosen = s.picker.Chosen();
  for (int i = 1; i < l.body_rows; ++i) {
    const int at = i - 1;
    if (at >= static_cast<int>(matches.size())) {
      Put(l.body_top + i, 0, matches.empty() && at == 0 ? "  (nothing matches)" : "", columns);
      continue;
    }
    std::string item = s.picker.items[matches[at]];
    std::replace(item.begin(), item.end(), '\n', ' ');
    const bool here = static_cast<int>(matches[at]) == chosen;
    Put(l.body_top + i, 0, (here ? "> " : "  ") + item, columns, here ? A_REVERSE : A_NORMAL);
  }
}

void DrawEditor(const Screen& s, const Layout& l, int columns) {
  const bool reply = s.mode == Mode::kCompose;
  const TextEditor& editor = reply ? s.reply : s.prompt.answer;
  Put(l.editor_top, 0,
      reply ? "── reply (^S sends, Enter adds a line) " : "── " + s.prompt.question, columns,
      A_BOLD);
  const auto& lines = editor.lines();
  const int visible = l.editor_rows - 1;
  const int first = std::max(0, static_cast<int>(editor.row()) - visible + 1);
  for (int i = 0; i < visible; ++i) {
    const int at = first + i;
    Put(l.editor_top + 1 + i, 0, at < static_cast<int>(lines.size()) ? Narrow(lines[at]) : "",
        columns);
  }
  // The cursor where the next character goes.
  const std::wstring before = lines[editor.row()].substr(0, editor.column());
  move(l.editor_top + 1 + static_cast<int>(editor.row()) - first,
       std::min(DisplayWidth(before), columns - 1));
}

}  // namespace

Selection SelectionOf(const ConsoleModel& model, TimePoint now) {
  const auto row = model.Selected(now);
  if (!row) return Selection::kNothing;
  if (row->kind == ListRow::Kind::kOffer) return Selection::kOffer;
  const auto* entry = model.conversation(row->id);
  return entry != nullptr && !entry->disposition.empty() ? Selection::kWrapUp
                                                         : Selection::kConversation;
}

void Draw(const Screen& s) {
  const int rows = getmaxy(stdscr);
  const int columns = getmaxx(stdscr);
  const bool editing = s.mode == Mode::kCompose || s.mode == Mode::kPrompt;
  const int editor_lines = s.mode == Mode::kCompose ? static_cast<int>(s.reply.lines().size()) : 1;
  const Layout l = ComputeLayout(rows, columns, editing, editor_lines);
  erase();
  DrawHeader(s, columns);
  DrawList(s, l, columns);
  const auto selected = s.model.Selected(s.now);
  if (s.mode == Mode::kPicker) {
    DrawPicker(s, l, columns);
  } else if (selected && selected->kind == ListRow::Kind::kOffer) {
    if (const auto* offer = s.model.offer(selected->id)) DrawOffer(s, l, *offer, columns);
  } else if (selected) {
    if (const auto* entry = s.model.conversation(selected->id))
      DrawConversation(s, l, *entry, columns);
  }
  Put(l.notice_row, 0, s.model.notice(), columns, A_BOLD);
  Put(l.bar_row, 0, ShortcutBar(Shortcuts(s.mode, SelectionOf(s.model, s.now)), columns), columns,
      A_REVERSE);
  if (editing) DrawEditor(s, l, columns);
  curs_set(editing ? 1 : 0);
  refresh();
}

}  // namespace omni::console
