// Holding the customer's physical keyboard and mouse while the technician's injected input goes on
// (docs/native.md, "Blocking the customer's input"). Napi-free, like clipboard.h.
//
// One X11InputBlock owns its own X connection and one thread. Block() takes an XI2 active grab
// (XIGrabDevice) on every slave pointer and keyboard except the XTEST slaves of the core master
// ("Virtual core XTEST pointer/keyboard"), which are what X11Screen's XTest injection goes through.
// An actively grabbed slave is detached from its master for the time of the grab, so its events
// reach this client only, never the focused window, while XTest events still flow through the core
// master. The grabs belong to the connection: when the process exits or is killed, the X server
// drops them, so a dead agent can never leave the desktop blocked.
//
// The thread sleeps in poll() on the connection. While blocked it
//  - grabs devices plugged in meanwhile (XI2 hierarchy events) and retries any device another
//    client held when Block() ran;
//  - watches the grabbed keyboards for the emergency release: Escape pressed three times in a row
//    within kEmergencyWindowMs. It then ungrabs everything and tells `onEvent("released",
//    "emergency-key")` (on the block thread).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tandem {

// Escape presses (without another key between) that release a block.
constexpr int kEmergencyPresses = 3;
// ...within this many milliseconds from the first to the last (X server time).
constexpr unsigned long kEmergencyWindowMs = 3000;

struct InputBlockStatus {
  bool blocked = false;
  std::vector<std::string> devices;  // the names of the devices held now
};

class X11InputBlock {
 public:
  // kind "released": the block ended on its own, detail "emergency-key" or "display-lost";
  // kind "grabbed": a device plugged in while blocked is held too, detail its name.
  using OnEvent = std::function<void(const std::string& kind, const std::string& detail)>;
  // Throws NativeError DISPLAY_UNAVAILABLE, or UNSUPPORTED when the server lacks XInput 2.2.
  X11InputBlock(const std::string& display, OnEvent onEvent);
  ~X11InputBlock();
  X11InputBlock(const X11InputBlock&) = delete;
  X11InputBlock& operator=(const X11InputBlock&) = delete;

  // Grabs every customer device (idempotent). Throws NativeError GRAB_FAILED, with nothing held,
  // when no keyboard or no pointer could be grabbed (another client holds them all).
  InputBlockStatus Block();
  // Lets every device go (idempotent).
  void Release();
  InputBlockStatus Current();
  void Stop();

  struct State;  // Xlib state (input-block.cc)

 private:
  void Run();
  std::unique_ptr<State> st_;
  std::mutex mu_;  // every Xlib call on the connection, and the state
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1};  // a pipe that wakes the thread (stop, or a new block to watch)
  std::thread thread_;
};

// Test-only (native-x11 and input-block e2e): a second input device, as a customer's own keyboard and
// mouse would be. It uses the XTEST slaves of an extra master pair `name` (created when missing), so
// its events enter the server through devices other than the agent's, and a block holds them.
// XTEST slaves cannot be reattached to the core master (the server refuses), so the pair stays a
// master of its own with its own cursor; the focus of its keyboard follows its pointer.
class X11TestDevice {
 public:
  X11TestDevice(const std::string& display, const std::string& name);
  ~X11TestDevice();
  X11TestDevice(const X11TestDevice&) = delete;
  X11TestDevice& operator=(const X11TestDevice&) = delete;
  void Move(int32_t x, int32_t y);  // root coordinates
  void Button(uint32_t button, bool down);
  void Key(uint32_t keysym, bool down);
  void Close();

  struct State;

 private:
  std::unique_ptr<State> st_;
  std::mutex mu_;
};

}  // namespace tandem
