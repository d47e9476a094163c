// X11 capture and input injection, Napi-free (like core.h) so that captures run on a libuv worker.
//
// One X11Screen per display name; it owns two Xlib connections, each behind its own mutex:
//  - the capture connection (XShm grab, XDamage, XFixes cursor, XRandR monitors), used by the
//    capture worker thread;
//  - the input connection (XTest), used on the JS thread, so an injected click never waits behind
//    a 10 ms grab.
// Every X resource is owned by a RAII member and released in the destructor. A lost display (the X
// server went away) is reported as `paused` with a reason, never as a black frame, and never kills
// the process (Xlib's default I/O error exit is replaced per connection).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core.h"

namespace tandem {

struct MonitorInfo {
  std::string name;
  int32_t x = 0, y = 0;
  uint32_t width = 0, height = 0;
  bool primary = false;
};

struct CursorInfo {
  bool present = false;    // XFixes available and the pointer is on this display
  int32_t x = 0, y = 0;    // hotspot position, relative to the captured monitor
  bool onMonitor = false;  // the hotspot is inside the monitor
  uint32_t width = 0, height = 0;
  uint32_t xhot = 0, yhot = 0;
  uint64_t serial = 0;       // changes when the cursor image changes
  std::vector<uint8_t> bgra;  // the image, only when it changed since the previous capture (or full)
};

struct CaptureOptions {
  uint32_t monitor = 0;
  bool full = false;  // every tile, and the cursor image
  int quality = 80;
  EncodeMode mode = EncodeMode::Auto;
  uint32_t tile = 64;
  SimdPath path = SimdPath::Auto;
  bool forceGrab = false;  // grab even when XDamage saw nothing (benchmarks of the grab + diff)
  uint32_t mergeRun = 1;   // merge up to this many horizontally adjacent dirty tiles into one rect
  // With a session id: the result comes back as media frames (src/media/frame-codec.ts, version 1)
  // in one buffer — screen info when `full`, one frame per tile, end of frame when there are tiles —
  // so the agent sends them as they are instead of framing each tile in JS.
  std::string frameSession;
  uint32_t frameSeq = 0;
  double timestamp = 0;
};

struct CaptureResult {
  bool paused = false;
  std::string reason;      // why paused
  bool grabbed = false;    // false when XDamage said nothing changed and no grab was done
  uint32_t width = 0, height = 0;
  std::vector<Rect> rects;
  std::vector<Encoded> tiles;  // tiles[k] encodes rects[k]; empty when `framed`
  std::vector<uint8_t> framed; // with CaptureOptions::frameSession: the frames, back to back
  CursorInfo cursor;
  double grabMs = 0, diffMs = 0, encodeMs = 0;
};

// What the agent draws over the customer's screen: technicians' pointers with their names, and pen /
// laser strokes. Coordinates are monitor pixels; colours 0xRRGGBB.
struct OverlayPointer {
  int32_t x = 0, y = 0;
  std::string label;
  uint32_t rgb = 0;
};
struct OverlayStroke {
  std::vector<int32_t> points;  // x0, y0, x1, y1, ...
  uint32_t rgb = 0;
  uint32_t width = 3;
};

struct X11Features {
  bool shm = false, damage = false, fixes = false, randr = false, xtest = false;
  // XInput 2.1+ raw pointer motion is selected on the capture connection: a pointer move, even one
  // that draws nothing, makes the connection readable (so `EventFd` tells of cursor motion too).
  bool motion = false;
};

// XInitThreads and the process-wide Xlib error handlers (an X error never exits the process), once.
// Every module that opens its own connection calls it first.
void InstallXHandlers();

class X11Screen {
 public:
  // Throws NativeError("DISPLAY_UNAVAILABLE") when the display cannot be opened, and
  // NativeError("UNSUPPORTED") when XTest is missing or the visual is not 24/32-bit TrueColor.
  explicit X11Screen(const std::string& display);
  ~X11Screen();
  X11Screen(const X11Screen&) = delete;
  X11Screen& operator=(const X11Screen&) = delete;

  const std::string& Name() const { return name_; }
  X11Features Features() const;
  std::vector<MonitorInfo> Monitors();
  // Worker-thread safe (serialised on the capture connection's mutex).
  CaptureResult Capture(const CaptureOptions& opts);

  // Input (serialised on the input connection's mutex). Coordinates are relative to the monitor
  // and clamped to it. Buttons are X buttons 1..9; wheel steps are clicks (positive dy = down).
  void Move(uint32_t monitor, int32_t x, int32_t y);
  void Button(uint32_t button, bool down);
  void Wheel(int32_t dx, int32_t dy);
  void Key(uint32_t keysym, bool down);
  // Types UTF-8 text: keysyms the keymap lacks are bound to a spare keycode for the keystroke.
  void Text(const std::string& utf8);
  // Where the pointer is, in root coordinates (tests and the agent's status line).
  void Pointer(int32_t* x, int32_t* y);
  // Fills a rectangle of the root window with a colour (0xRRGGBB). For tests and benchmarks that
  // need exact, known screen changes; the agent never calls it.
  void Paint(int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t rgb);

  // Replaces what the overlay shows on `monitor` (nothing: the overlay window is unmapped). The overlay
  // is an override-redirect window shaped to exactly what is drawn, with an empty input shape so the
  // customer's clicks go through it. Its own X connection; serialised on its own mutex.
  void Overlay(uint32_t monitor, const std::vector<OverlayPointer>& pointers, const std::vector<OverlayStroke>& strokes);

  bool Lost() const;
  void Close();
  // The file descriptor of the capture connection (damage, cursor and RandR events arrive on it),
  // or -1 when closed or lost. For a caller that wants to be woken when the display has news; it
  // must never read from it (Xlib does, inside Capture).
  int EventFd();
  // True when an event is waiting for the capture connection: already queued by Xlib (read along
  // with a reply) or readable on its socket now (read without blocking). A poll on `EventFd` misses
  // the first kind; whoever arms one checks this first.
  bool EventsQueued();

  struct Conn;  // an Xlib connection with its lost flag (x11.cc)

 private:
  void CheckInput() const;  // inMu_ held
  struct Capturer;  // XShm image, damage, previous frame (x11.cc)
  struct Injector;  // XTest state, scratch keycode (x11.cc)
  struct Painter;   // the overlay window (x11.cc)
  std::unique_ptr<Conn> ov_;
  std::unique_ptr<Painter> painter_;
  mutable std::mutex ovMu_;
  std::string name_;
  X11Features features_;  // what the server offers, fixed at open
  std::unique_ptr<Conn> cap_, in_;
  std::unique_ptr<Capturer> capturer_;
  std::unique_ptr<Injector> injector_;
  mutable std::mutex capMu_, inMu_;
};

}  // namespace tandem
