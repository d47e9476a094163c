// X11 clipboard (CLIPBOARD and PRIMARY selections), Napi-free.
//
// One X11Clipboard owns its own X connection, a hidden window and one thread. The thread sleeps in
// poll() on the connection until X has something for it (no polling of the clipboard itself):
//  - XFixes tells it when another client takes CLIPBOARD; it then asks that owner for its TARGETS and
//    converts the best one — text (UTF8_STRING, else STRING) before an image (image/png) — and hands
//    it to `onChange` (on the clipboard thread) with its MIME type;
//  - while it owns the selections (after Set), it answers other clients' requests for TARGETS and the
//    content: UTF8_STRING, STRING and TEXT for text, image/png for an image.
// Contents over `maxBytes` are neither read nor served (no INCR transfers).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tandem {

class X11Clipboard {
 public:
  // `bytes` is UTF-8 text for "text/plain", the PNG file for "image/png".
  using OnChange = std::function<void(const std::string& bytes, const std::string& mime, const std::string& selection)>;
  // Throws NativeError DISPLAY_UNAVAILABLE / UNSUPPORTED (no XFixes).
  X11Clipboard(const std::string& display, size_t maxBytes, OnChange onChange);
  ~X11Clipboard();
  X11Clipboard(const X11Clipboard&) = delete;
  X11Clipboard& operator=(const X11Clipboard&) = delete;

  // Makes `bytes` ("text/plain": UTF-8, "image/png": a PNG file) the content of CLIPBOARD and PRIMARY
  // (this client becomes their owner). Throws INVALID_ARGUMENT for another type or over maxBytes.
  void Set(const std::string& bytes, const std::string& mime);
  void Stop();

  struct State;  // Xlib state (clipboard.cc)

 private:
  void Run();
  std::unique_ptr<State> st_;
  std::mutex mu_;  // every Xlib call on the connection
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1};  // a pipe that wakes the thread to stop
  std::thread thread_;
};

}  // namespace tandem
