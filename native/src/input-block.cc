// XI2 active grabs that hold the customer's devices; see input-block.h for the model. The X headers
// define macros such as None and Status; they are included here only, never in a header.
#include "input-block.h"

#include <X11/Xlib.h>
#include <X11/extensions/XInput.h>
#include <X11/extensions/XInput2.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "core.h"
#include "x11.h"

namespace tandem {
namespace {

// The slaves XTest's core requests (XTestFakeKeyEvent & co., what X11Screen injects with) enter
// through. The X server gives them these fixed names.
bool IsInjectionDevice(const char* name) {
  return std::strcmp(name, "Virtual core XTEST pointer") == 0 || std::strcmp(name, "Virtual core XTEST keyboard") == 0;
}

bool HasKeys(const XIDeviceInfo& d) {
  for (int i = 0; i < d.num_classes; ++i) {
    if (d.classes[i]->type == XIKeyClass) return true;
  }
  return false;
}

Display* OpenLossAware(const std::string& display, std::atomic<bool>* lost) {
  InstallXHandlers();
  Display* dpy = XOpenDisplay(display.empty() ? nullptr : display.c_str());
  if (dpy == nullptr) throw NativeError("DISPLAY_UNAVAILABLE", "cannot open X display '" + display + "'");
  XSetIOErrorExitHandler(
      dpy, [](Display*, void* flag) { static_cast<std::atomic<bool>*>(flag)->store(true); }, lost);
  return dpy;
}

// XInput 2.2 or better, or UNSUPPORTED; returns the extension's major opcode.
int RequireXi2(Display* dpy) {
  int opcode = 0, event = 0, error = 0;
  if (!XQueryExtension(dpy, "XInputExtension", &opcode, &event, &error)) {
    XCloseDisplay(dpy);
    throw NativeError("UNSUPPORTED", "the display has no XInput extension: the customer's input cannot be held");
  }
  int major = 2, minor = 2;
  if (XIQueryVersion(dpy, &major, &minor) != Success || major < 2 || (major == 2 && minor < 2)) {
    XCloseDisplay(dpy);
    throw NativeError("UNSUPPORTED", "the display's XInput is older than 2.2: the customer's input cannot be held");
  }
  return opcode;
}

}  // namespace

struct X11InputBlock::State {
  Display* dpy = nullptr;
  std::atomic<bool> lost{false};
  Window root = 0;
  int xiOpcode = 0;
  OnEvent onEvent;
  bool blocked = false;
  struct Held {
    std::string name;
    bool keyboard = false;
  };
  std::map<int, Held> held;  // grabbed device id -> what it is
  KeyCode escape = 0;
  int escapes = 0;            // Escape presses in a row so far
  unsigned long firstEscape = 0;  // X server time of the first of them
};

namespace {

// Grabs every eligible device not held yet; returns the names of the ones grabbed now.
std::vector<std::string> GrabAll(X11InputBlock::State& s, int* eligible) {
  std::vector<std::string> grabbed;
  int n = 0;
  XIDeviceInfo* devices = XIQueryDevice(s.dpy, XIAllDevices, &n);
  unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {0};
  // Only key presses are asked for (the emergency combination); an actively grabbed device's other
  // events are selected by nobody and dropped by the server.
  XISetMask(bits, XI_KeyPress);
  for (int i = 0; i < n; ++i) {
    const XIDeviceInfo& d = devices[i];
    if (d.use != XISlavePointer && d.use != XISlaveKeyboard && d.use != XIFloatingSlave) continue;
    if (IsInjectionDevice(d.name)) continue;
    if (eligible != nullptr) ++*eligible;
    if (s.held.count(d.deviceid) > 0) continue;
    XIEventMask mask{d.deviceid, static_cast<int>(sizeof bits), bits};
    const Status st = XIGrabDevice(s.dpy, d.deviceid, s.root, CurrentTime, None, XIGrabModeAsync, XIGrabModeAsync, False, &mask);
    if (st == GrabSuccess) {
      s.held[d.deviceid] = {d.name, HasKeys(d)};
      grabbed.emplace_back(d.name);
    }
  }
  if (devices != nullptr) XIFreeDeviceInfo(devices);
  XSync(s.dpy, False);
  return grabbed;
}

void UngrabAll(X11InputBlock::State& s) {
  for (const auto& h : s.held) XIUngrabDevice(s.dpy, h.first, CurrentTime);
  s.held.clear();
  s.blocked = false;
  s.escapes = 0;
  if (!s.lost) XSync(s.dpy, False);
}

InputBlockStatus StatusOf(const X11InputBlock::State& s) {
  InputBlockStatus out;
  out.blocked = s.blocked;
  for (const auto& h : s.held) out.devices.push_back(h.second.name);
  return out;
}

}  // namespace

X11InputBlock::X11InputBlock(const std::string& display, OnEvent onEvent) : st_(std::make_unique<State>()) {
  State& s = *st_;
  s.dpy = OpenLossAware(display, &s.lost);
  s.xiOpcode = RequireXi2(s.dpy);
  s.onEvent = std::move(onEvent);
  s.root = DefaultRootWindow(s.dpy);
  unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {0};
  XISetMask(bits, XI_HierarchyChanged);
  XIEventMask mask{XIAllDevices, static_cast<int>(sizeof bits), bits};
  XISelectEvents(s.dpy, s.root, &mask, 1);
  XSync(s.dpy, False);
  if (pipe(wake_) != 0) {
    XCloseDisplay(s.dpy);
    throw NativeError("NATIVE_FAILURE", "pipe() failed");
  }
  thread_ = std::thread([this] { Run(); });
}

X11InputBlock::~X11InputBlock() { Stop(); }

void X11InputBlock::Stop() {
  if (stop_.exchange(true)) return;
  if (wake_[1] >= 0) {
    const char c = 'x';
    (void)!write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy != nullptr) {
    // Closing the connection drops its grabs as well; the explicit ungrab makes it immediate.
    if (!s.lost) {
      UngrabAll(s);
      XCloseDisplay(s.dpy);
    }
    s.dpy = nullptr;
  }
  for (int& fd : wake_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

InputBlockStatus X11InputBlock::Block() {
  InputBlockStatus out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    State& s = *st_;
    if (s.dpy == nullptr) throw NativeError("CLOSED", "the input block is closed");
    if (s.lost) throw NativeError("DISPLAY_LOST", "the X display went away");
    if (!s.blocked) {
      s.escape = XKeysymToKeycode(s.dpy, XK_Escape);
      s.escapes = 0;
    }
    int eligible = 0;
    GrabAll(s, &eligible);
    if (eligible > 0 && s.held.empty()) {
      UngrabAll(s);
      throw NativeError("GRAB_FAILED", "another client holds every keyboard and pointer: the customer's input cannot be held");
    }
    s.blocked = true;
    out = StatusOf(s);
  }
  const char c = 'b';
  (void)!write(wake_[1], &c, 1);  // the thread now polls on the shorter, blocked period
  return out;
}

void X11InputBlock::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr || s.lost) return;  // nothing is held by a closed or lost connection
  UngrabAll(s);
}

InputBlockStatus X11InputBlock::Current() {
  std::lock_guard<std::mutex> lock(mu_);
  return StatusOf(*st_);
}

void X11InputBlock::Run() {
  State& s = *st_;
  const int xfd = ConnectionNumber(s.dpy);
  while (!stop_) {
    pollfd fds[2] = {{xfd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    bool blocked = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      blocked = s.blocked;
      if (!s.lost && XPending(s.dpy) > 0) fds[0].revents = POLLIN;  // already queued: do not sleep
    }
    // While blocked, wake twice a second to take devices another client let go of since.
    if (fds[0].revents == 0 && poll(fds, 2, blocked ? 500 : 1000) < 0) continue;
    if (stop_) break;
    if (fds[1].revents & POLLIN) {
      char buf[16];
      (void)!read(wake_[0], buf, sizeof buf);
    }
    std::vector<std::pair<std::string, std::string>> said;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (s.lost) {
        if (s.blocked) said.emplace_back("released", "display-lost");
        s.blocked = false;
        s.held.clear();
      } else {
        bool rescan = s.blocked;
        while (XPending(s.dpy) > 0) {
          XEvent ev;
          XNextEvent(s.dpy, &ev);
          if (ev.type != GenericEvent || ev.xcookie.extension != s.xiOpcode || !XGetEventData(s.dpy, &ev.xcookie)) continue;
          if (ev.xcookie.evtype == XI_HierarchyChanged) {
            const auto* h = static_cast<XIHierarchyEvent*>(ev.xcookie.data);
            for (int i = 0; i < h->num_info; ++i) {
              if (h->info[i].flags & (XISlaveRemoved | XIDeviceDisabled)) s.held.erase(h->info[i].deviceid);
            }
          } else if (ev.xcookie.evtype == XI_KeyPress && s.blocked) {
            const auto* k = static_cast<XIDeviceEvent*>(ev.xcookie.data);
            if (s.held.count(k->deviceid) > 0 && !(k->flags & XIKeyRepeat)) {
              if (static_cast<KeyCode>(k->detail) != s.escape) {
                s.escapes = 0;
              } else if (s.escapes == 0 || k->time - s.firstEscape > kEmergencyWindowMs) {
                s.escapes = 1;
                s.firstEscape = k->time;
              } else if (++s.escapes >= kEmergencyPresses) {
                UngrabAll(s);
                said.emplace_back("released", "emergency-key");
              }
            }
          }
          XFreeEventData(s.dpy, &ev.xcookie);
        }
        if (rescan && s.blocked && !s.lost) {
          for (auto& name : GrabAll(s, nullptr)) said.emplace_back("grabbed", std::move(name));
        }
      }
    }
    for (auto& e : said) s.onEvent(e.first, e.second);
    if (s.lost) break;
  }
}

// ---- test device -------------------------------------------------------------------------------

struct X11TestDevice::State {
  Display* dpy = nullptr;
  std::atomic<bool> lost{false};
  XDevice* keyboard = nullptr;
  XDevice* pointer = nullptr;
};

namespace {

int FindDevice(Display* dpy, const std::string& name) {
  int n = 0, id = -1;
  XIDeviceInfo* devices = XIQueryDevice(dpy, XIAllDevices, &n);
  for (int i = 0; i < n; ++i) {
    if (name == devices[i].name) id = devices[i].deviceid;
  }
  if (devices != nullptr) XIFreeDeviceInfo(devices);
  return id;
}

}  // namespace

X11TestDevice::X11TestDevice(const std::string& display, const std::string& name) : st_(std::make_unique<State>()) {
  State& s = *st_;
  s.dpy = OpenLossAware(display, &s.lost);
  RequireXi2(s.dpy);
  int keyboard = FindDevice(s.dpy, name + " XTEST keyboard");
  if (keyboard < 0) {
    XIAddMasterInfo add{};
    add.type = XIAddMaster;
    add.name = const_cast<char*>(name.c_str());
    add.send_core = True;
    add.enable = True;
    XIChangeHierarchy(s.dpy, reinterpret_cast<XIAnyHierarchyChangeInfo*>(&add), 1);
    XSync(s.dpy, False);
    keyboard = FindDevice(s.dpy, name + " XTEST keyboard");
  }
  const int pointer = FindDevice(s.dpy, name + " XTEST pointer");
  if (keyboard >= 0) s.keyboard = XOpenDevice(s.dpy, static_cast<XID>(keyboard));
  if (pointer >= 0) s.pointer = XOpenDevice(s.dpy, static_cast<XID>(pointer));
  if (s.keyboard == nullptr || s.pointer == nullptr) {
    Close();
    throw NativeError("UNSUPPORTED", "could not create or open the test device '" + name + "'");
  }
}

X11TestDevice::~X11TestDevice() { Close(); }

void X11TestDevice::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr) return;
  if (!s.lost) {
    if (s.keyboard != nullptr) XCloseDevice(s.dpy, s.keyboard);
    if (s.pointer != nullptr) XCloseDevice(s.dpy, s.pointer);
    XCloseDisplay(s.dpy);
  }
  s.dpy = nullptr;
}

void X11TestDevice::Move(int32_t x, int32_t y) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr || s.lost) throw NativeError("CLOSED", "the test device is closed");
  int axes[2] = {x, y};
  XTestFakeDeviceMotionEvent(s.dpy, s.pointer, False, 0, axes, 2, CurrentTime);
  XSync(s.dpy, False);
}

void X11TestDevice::Button(uint32_t button, bool down) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr || s.lost) throw NativeError("CLOSED", "the test device is closed");
  XTestFakeDeviceButtonEvent(s.dpy, s.pointer, button, down ? True : False, nullptr, 0, CurrentTime);
  XSync(s.dpy, False);
}

void X11TestDevice::Key(uint32_t keysym, bool down) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr || s.lost) throw NativeError("CLOSED", "the test device is closed");
  const KeyCode code = XKeysymToKeycode(s.dpy, keysym);
  if (code == 0) throw NativeError("INVALID_ARGUMENT", "the keymap has no key for keysym " + std::to_string(keysym));
  XTestFakeDeviceKeyEvent(s.dpy, s.keyboard, code, down ? True : False, nullptr, 0, CurrentTime);
  XSync(s.dpy, False);
}

}  // namespace tandem
