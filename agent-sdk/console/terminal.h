// The terminal through ncursesw: opens the screen in raw mode (so ^S reaches the console instead
// of stopping the terminal), reads keys with a timeout as console Keys, and restores the terminal
// on destruction. Only the UI thread touches it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "key_bindings.h"

struct screen;  // ncurses' SCREEN

namespace omni::console {

class Terminal {
 public:
  static absl::StatusOr<std::unique_ptr<Terminal>> Open();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  ~Terminal();

  // The next key, or nullopt when none came within `timeout`.
  std::optional<Key> ReadKey(std::chrono::milliseconds timeout);
  int rows() const;
  int columns() const;

 private:
  explicit Terminal(screen* s) : screen_(s) {}
  screen* screen_;
};

}  // namespace omni::console
