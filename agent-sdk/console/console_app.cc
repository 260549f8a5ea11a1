// ConsoleApp: keys to actions, actions to broker requests, updates to the model.
#include "console_app.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "base/ids.h"
#include "conversation_text.h"
#include "views.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;

constexpr auto kTick = 200ms;  // the countdowns' resolution
constexpr int kHistoryPage = 200;
constexpr int kScrollStep = 5;

}  // namespace

ConsoleApp::ConsoleApp(agent::AgentClient& client, TemplateSet templates, const Clock& clock)
    : client_(client), templates_(std::move(templates)), clock_(clock), model_(client.login()) {
  model_.SetNotice("logged in; p switches presence (BUSY takes no offers)");
  for (const auto& given : client.login().assigned()) LoadHistory(given.conversation().id());
}

void ConsoleApp::Run(Terminal& terminal) {
  while (true) {
    DrainUpdates();
    Draw(Screen{.model = model_,
                .mode = mode_,
                .reply = reply_,
                .prompt = prompt_,
                .picker = picker_,
                .history_scroll = history_scroll_,
                .now = clock_.Now()});
    const auto key = terminal.ReadKey(kTick);
    if (key && !Handle(*key)) return;
  }
}

void ConsoleApp::DrainUpdates() {
  while (auto update = client_.Next(0ms)) {
    model_.Apply(*update, clock_.Now());
    if (update->has_assigned()) {
      const auto* entry = model_.conversation(update->assigned().conversation().id());
      if (entry != nullptr && entry->history.empty()) LoadHistory(entry->conversation.id());
    }
  }
}

void ConsoleApp::LoadHistory(const std::string& conversation_id) {
  const auto* entry = model_.conversation(conversation_id);
  if (entry == nullptr) return;
  // The customer's whole history across channels, newest page; the conversation's own if the
  // broker refuses (a customer id the login did not carry).
  auto page = client_.CustomerHistory(entry->conversation.customer_id(), kHistoryPage,
                                      /*newest_first=*/true);
  if (!page.ok()) page = client_.History(conversation_id, kHistoryPage, /*newest_first=*/true);
  if (!page.ok()) return model_.SetNotice("history: " + std::string(page.status().message()));
  std::vector<omnibroker::v1::Event> events(page->events().rbegin(), page->events().rend());
  model_.SetHistory(conversation_id, std::move(events));
}

void ConsoleApp::Report(const absl::Status& status, const std::string& done) {
  model_.SetNotice(status.ok() ? done : "error: " + std::string(status.message()));
}

bool ConsoleApp::Handle(const Key& key) {
  if (key.type == Key::Type::kResize) return true;  // the next Draw lays out the new size
  switch (mode_) {
    case Mode::kList:
      return HandleList(key);
    case Mode::kCompose:
      HandleCompose(key);
      break;
    case Mode::kPrompt:
      HandlePrompt(key);
      break;
    case Mode::kPicker:
      HandlePicker(key);
      break;
  }
  return true;
}

std::string ConsoleApp::SelectedConversation() {
  const Selection selection = SelectionOf(model_, clock_.Now());
  if (selection == Selection::kConversation) return model_.Selected(clock_.Now())->id;
  model_.SetNotice(selection == Selection::kOffer ? "accept the offer first (a)"
                   : selection == Selection::kWrapUp
                       ? "this conversation is closed; e ends its wrap-up"
                       : "no conversation selected");
  return "";
}

bool ConsoleApp::HandleList(const Key& key) {
  const TimePoint now = clock_.Now();
  const auto selected = model_.Selected(now);
  const bool offer = selected && selected->kind == ListRow::Kind::kOffer;
  switch (ListAction(key)) {
    case Action::kNone:
      break;
    case Action::kQuit:
      return false;
    case Action::kUp:
    case Action::kDown:
      model_.MoveSelection(ListAction(key) == Action::kUp ? -1 : 1, now);
      history_scroll_ = 0;
      break;
    case Action::kPageUp:
      history_scroll_ += kScrollStep;
      break;
    case Action::kPageDown:
      history_scroll_ = std::max(0, history_scroll_ - kScrollStep);
      break;
    case Action::kPresence:
      CyclePresence();
      break;
    case Action::kAccept:
      if (offer) {
        Accept(selected->id);
      } else {
        model_.SetNotice("select an offer to accept");
      }
      break;
    case Action::kDecline:
      if (offer) {
        Report(client_.Decline(selected->id), "offer declined");
        model_.RemoveOffer(selected->id);
      } else {
        model_.SetNotice("select an offer to decline");
      }
      break;
    case Action::kReply:
      if (auto id = SelectedConversation(); !id.empty()) StartCompose(id);
      break;
    case Action::kTemplates:
      if (auto id = SelectedConversation(); !id.empty()) {
        StartCompose(id);
        OpenPicker(PickerPurpose::kTemplate);
      }
      break;
    case Action::kTransfer:
      action_conversation_ = SelectedConversation();
      if (action_conversation_.empty()) break;
      prompt_.question = "transfer to: an agent id, or skill:<name>[:<level>] for a queue";
      prompt_.answer.Clear();
      prompt_purpose_ = PromptPurpose::kTransferTarget;
      mode_ = Mode::kPrompt;
      break;
    case Action::kWrapUp:
      action_conversation_ = SelectedConversation();
      if (!action_conversation_.empty()) OpenPicker(PickerPurpose::kDisposition);
      break;
    case Action::kEndWrapUp:
      if (SelectionOf(model_, now) != Selection::kWrapUp) {
        model_.SetNotice("e ends a wrap-up: close a conversation first (w)");
        break;
      }
      // A broker without wrap-up time has freed the capacity at the close already.
      if (auto s = client_.EndWrapUp(selected->id);
          !s.ok() && s.code() != absl::StatusCode::kFailedPrecondition) {
        Report(s, "");
        break;
      }
      model_.Remove(selected->id);
      model_.SetNotice("wrap-up of " + selected->id + " ended");
      break;
  }
  return true;
}

void ConsoleApp::Accept(const std::string& offer_id) {
  auto conversation = client_.Accept(offer_id);
  if (!conversation.ok()) {
    model_.RemoveOffer(offer_id);  // expired or taken: it will not come back
    return Report(conversation.status(), "");
  }
  model_.Accepted(offer_id, *conversation);
  LoadHistory(*conversation);
  history_scroll_ = 0;
  model_.SetNotice("accepted; r replies, t picks a template");
}

void ConsoleApp::CyclePresence() {
  using omnibroker::v1::Presence;
  const Presence next =
      model_.presence() == omnibroker::v1::PRESENCE_BUSY        ? omnibroker::v1::PRESENCE_AVAILABLE
      : model_.presence() == omnibroker::v1::PRESENCE_AVAILABLE ? omnibroker::v1::PRESENCE_AWAY
                                                                : omnibroker::v1::PRESENCE_BUSY;
  const absl::Status status = client_.SetPresence(next);
  if (status.ok()) model_.SetPresence(next);
  Report(status, "presence " + PresenceName(next));
}

void ConsoleApp::StartCompose(const std::string& conversation_id) {
  if (reply_to_ != conversation_id) {
    reply_.Clear();
    reply_id_.clear();
  }
  reply_to_ = conversation_id;
  if (reply_id_.empty()) reply_id_ = NewId("reply_");
  mode_ = Mode::kCompose;
}

void ConsoleApp::HandleCompose(const Key& key) {
  if (key.type == Key::Type::kEscape) {
    mode_ = Mode::kList;
    model_.SetNotice("reply kept as a draft; r goes back to it");
  } else if (key.IsControl('s')) {
    Send();
  } else if (key.IsControl('t')) {
    OpenPicker(PickerPurpose::kTemplate);
  } else if (key.type == Key::Type::kEnter) {
    reply_.NewLine();
  } else {
    EditLine(reply_, key);
  }
}

void ConsoleApp::Send() {
  const std::string text = reply_.Text();
  if (text.find_first_not_of(" \n") == std::string::npos)
    return model_.SetNotice("the reply is empty");
  auto sent = client_.SendText(reply_to_, text, reply_id_);
  if (!sent.ok()) return Report(sent.status(), "");  // the draft stays; ^S again resends it
  model_.ReplySent(reply_to_, clock_.Now());
  reply_.Clear();
  reply_id_.clear();
  mode_ = Mode::kList;
  LoadHistory(reply_to_);
  history_scroll_ = 0;
  model_.SetNotice("reply sent");
}

void ConsoleApp::EditLine(TextEditor& editor, const Key& key) {
  switch (key.type) {
    case Key::Type::kBackspace:
      editor.Backspace();
      break;
    case Key::Type::kLeft:
      editor.Left();
      break;
    case Key::Type::kRight:
      editor.Right();
      break;
    case Key::Type::kUp:
      editor.Up();
      break;
    case Key::Type::kDown:
      editor.Down();
      break;
    case Key::Type::kChar:
      if (key.ch >= 32 && key.ch != 127) editor.Insert(key.ch);
      break;
    default:
      break;
  }
}

void ConsoleApp::HandlePrompt(const Key& key) {
  if (key.type == Key::Type::kEscape) {
    mode_ = Mode::kList;
    return model_.SetNotice("transfer cancelled");
  }
  if (key.type != Key::Type::kEnter) return EditLine(prompt_.answer, key);
  const std::string answer = prompt_.answer.Text();
  if (prompt_purpose_ == PromptPurpose::kTransferTarget) {
    if (answer.empty()) return model_.SetNotice("name an agent or a skill to transfer to");
    transfer_target_ = answer;
    prompt_.question = "handoff note for " + answer + " (what they should know):";
    prompt_.answer.Clear();
    prompt_purpose_ = PromptPurpose::kTransferNote;
    return;
  }
  mode_ = Mode::kList;
  Transfer(transfer_target_, answer);
}

void ConsoleApp::Transfer(const std::string& target, const std::string& note) {
  absl::Status status;
  constexpr std::string_view kSkill = "skill:";
  if (target.starts_with(kSkill)) {
    omnibroker::v1::Requirements queue;
    auto* skill = queue.add_skills();
    const std::string spec = target.substr(kSkill.size());
    const auto colon = spec.find(':');
    skill->set_skill(spec.substr(0, colon));
    int level = 1;
    if (colon != std::string::npos &&
        (!absl::SimpleAtoi(spec.substr(colon + 1), &level) || level < 1 || level > 10)) {
      return model_.SetNotice("transfer: the level in \"" + target + "\" must be 1..10");
    }
    skill->set_min_proficiency(level);
    status = client_.TransferToQueue(action_conversation_, queue, note);
  } else {
    status = client_.TransferToAgent(action_conversation_, target, note);
  }
  if (status.ok()) model_.Remove(action_conversation_);
  Report(status, "transferred to " + target + " with a note");
}

void ConsoleApp::OpenPicker(PickerPurpose purpose) {
  picker_purpose_ = purpose;
  picker_return_ = mode_;
  picker_.items.clear();
  picker_.filter.Clear();
  picker_.cursor = 0;
  if (purpose == PickerPurpose::kTemplate) {
    picker_.title = "templates: type to search (greeting, claim, conflict…)";
    for (const auto& t : templates_.templates)
      picker_.items.push_back("[" + t.situation + "] " + t.title + ": " + t.text);
  } else {
    picker_.title = "wrap-up of " + action_conversation_ + ": choose the disposition";
    picker_.items = templates_.dispositions;
  }
  mode_ = Mode::kPicker;
}

void ConsoleApp::HandlePicker(const Key& key) {
  switch (key.type) {
    case Key::Type::kEscape:
      mode_ = picker_return_;
      return;
    case Key::Type::kUp:
      return picker_.Move(-1);
    case Key::Type::kDown:
      return picker_.Move(1);
    case Key::Type::kEnter:
      return UsePick(picker_.Chosen());
    default:
      EditLine(picker_.filter, key);
      picker_.cursor = 0;
  }
}

void ConsoleApp::UsePick(int index) {
  if (index < 0) return model_.SetNotice("nothing matches the filter");
  if (picker_purpose_ == PickerPurpose::kTemplate) {
    const auto* entry = model_.conversation(reply_to_);
    const auto& agent = model_.login().agent();
    std::map<std::string, std::string> values = {
        {"agent_name", agent.display_name().empty() ? agent.id() : agent.display_name()},
        {"conversation_id", reply_to_}};
    if (entry != nullptr)
      values["customer_name"] =
          CustomerName(entry->customer, entry->conversation.customer_identity());
    reply_.InsertText(FillPlaceholders(templates_.templates[index].text, values));
    mode_ = Mode::kCompose;
    return;
  }
  const std::string& code = templates_.dispositions[index];
  mode_ = Mode::kList;
  const absl::Status status = client_.CloseConversation(action_conversation_, code);
  if (status.ok()) model_.Closed(action_conversation_, code);
  Report(status, "closed as " + code + "; e ends the wrap-up");
}

}  // namespace omni::console
