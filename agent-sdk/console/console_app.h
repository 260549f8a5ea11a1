// ConsoleApp: the console's loop on its one UI thread. Reads keys (with a short timeout so the
// countdowns tick), drains the broker's updates into the model, turns actions into AgentClient
// requests, and redraws. Returns when the agent quits.
#pragma once

#include <string>

#include "base/clock.h"
#include "console_model.h"
#include "omni/agent/agent_client.h"
#include "templates.h"
#include "terminal.h"
#include "text_editor.h"
#include "ui_state.h"

namespace omni::console {

class ConsoleApp {
 public:
  ConsoleApp(agent::AgentClient& client, TemplateSet templates, const Clock& clock);

  void Run(Terminal& terminal);

 private:
  enum class PickerPurpose { kTemplate, kDisposition };
  enum class PromptPurpose { kTransferTarget, kTransferNote };

  void DrainUpdates();
  // Handles one key; false when the agent quits.
  bool Handle(const Key& key);
  bool HandleList(const Key& key);
  void HandleCompose(const Key& key);
  void HandlePrompt(const Key& key);
  void HandlePicker(const Key& key);
  void EditLine(TextEditor& editor, const Key& key);

  void Accept(const std::string& offer_id);
  void StartCompose(const std::string& conversation_id);
  void Send();
  void OpenPicker(PickerPurpose purpose);
  void UsePick(int index);
  void Transfer(const std::string& target, const std::string& note);
  void LoadHistory(const std::string& conversation_id);
  void CyclePresence();
  // The selected conversation of mine (not an offer, not in wrap-up), or "" with a notice.
  std::string SelectedConversation();
  void Report(const absl::Status& status, const std::string& done);

  agent::AgentClient& client_;
  TemplateSet templates_;
  const Clock& clock_;
  ConsoleModel model_;
  Mode mode_ = Mode::kList;
  TextEditor reply_{/*multi_line=*/true};
  std::string reply_to_;  // the conversation the reply goes to
  std::string reply_id_;  // client_message_id: a resend after an error is the same message
  PromptState prompt_;
  PromptPurpose prompt_purpose_ = PromptPurpose::kTransferTarget;
  std::string transfer_target_;
  std::string action_conversation_;  // what the prompt or the disposition picker is about
  PickerState picker_;
  PickerPurpose picker_purpose_ = PickerPurpose::kTemplate;
  Mode picker_return_ = Mode::kList;  // where a template lands: in the reply being written
  int history_scroll_ = 0;
};

}  // namespace omni::console
