// X11 capture (XShm + XDamage + XFixes + XRandR) and injection (XTest). See x11.h for the threading
// model. The X headers define macros such as None, Status and Bool; they are included here only,
// never in a header.
#include "x11.h"

#include <X11/XKBlib.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XShm.h>
#include <X11/extensions/shape.h>
#include <X11/extensions/XTest.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/XInput2.h>
#include <X11/extensions/Xfixes.h>
#include <X11/extensions/Xrandr.h>
#include <X11/keysym.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <thread>

namespace tandem {
namespace {

// Protocol errors are reported to the thread that reads the reply (the one holding the connection's
// mutex), so a thread-local is enough to tell the caller what its own request caused.
thread_local int tlsXError = 0;

int OnXError(Display*, XErrorEvent* e) {
  tlsXError = e->error_code != 0 ? e->error_code : 1;
  return 0;
}

// Xlib calls this first on a broken connection; what happens next is the per-connection exit
// handler's business (Conn marks itself lost instead of exiting the process).
int OnXIOError(Display*) { return 0; }

void InstallHandlersOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    XInitThreads();
    XSetErrorHandler(OnXError);
    XSetIOErrorHandler(OnXIOError);
  });
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// `withNames`: also ask for each monitor's name (one more round trip per monitor). Pointer moves and
// the overlay need the geometry only, and a move is a hot path.
std::vector<MonitorInfo> QueryMonitors(Display* dpy, Window root, bool randr, bool withNames = true) {
  std::vector<MonitorInfo> out;
  if (randr) {
    int n = 0;
    XRRMonitorInfo* mons = XRRGetMonitors(dpy, root, True, &n);
    if (mons != nullptr) {
      for (int i = 0; i < n; ++i) {
        MonitorInfo m;
        char* name = withNames && mons[i].name != 0 ? XGetAtomName(dpy, mons[i].name) : nullptr;
        m.name = name != nullptr ? name : "monitor-" + std::to_string(i);
        if (name != nullptr) XFree(name);
        m.x = mons[i].x;
        m.y = mons[i].y;
        m.width = static_cast<uint32_t>(std::max(0, mons[i].width));
        m.height = static_cast<uint32_t>(std::max(0, mons[i].height));
        m.primary = mons[i].primary != 0;
        if (m.width > 0 && m.height > 0) out.push_back(std::move(m));
      }
      XRRFreeMonitors(mons);
    }
  }
  if (out.empty()) {
    const int screen = DefaultScreen(dpy);
    MonitorInfo m;
    m.name = "screen";
    m.width = static_cast<uint32_t>(DisplayWidth(dpy, screen));
    m.height = static_cast<uint32_t>(DisplayHeight(dpy, screen));
    m.primary = true;
    out.push_back(std::move(m));
  }
  // Primary first: monitor 0 is what a viewer sees unless they pick another.
  std::stable_sort(out.begin(), out.end(), [](const MonitorInfo& a, const MonitorInfo& b) { return a.primary && !b.primary; });
  return out;
}

// UTF-8 → code points; malformed sequences become U+FFFD.
std::vector<uint32_t> DecodeUtf8(const std::string& s) {
  std::vector<uint32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t n = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 0x6 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      n = 2;
    } else if ((c >> 4) == 0xE && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      n = 3;
    } else if ((c >> 3) == 0x1E && i + 3 < s.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      n = 4;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

KeySym KeysymForCodepoint(uint32_t cp) {
  if (cp == '\n' || cp == '\r') return XK_Return;
  if (cp == '\t') return XK_Tab;
  if (cp == '\b') return XK_BackSpace;
  if ((cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA0 && cp <= 0xFF)) return cp;  // Latin-1 keysyms equal the code point
  return 0x01000000 | cp;                                                   // the Unicode keysym range
}

}  // namespace

void InstallXHandlers() { InstallHandlersOnce(); }

// ---- connections -------------------------------------------------------------------------------

struct X11Screen::Conn {
  Display* dpy = nullptr;
  std::atomic<bool> lost{false};

  explicit Conn(const std::string& name) {
    dpy = XOpenDisplay(name.empty() ? nullptr : name.c_str());
    if (dpy == nullptr) throw NativeError("DISPLAY_UNAVAILABLE", "cannot open X display '" + name + "'");
    XSetIOErrorExitHandler(
        dpy, [](Display*, void* self) { static_cast<Conn*>(self)->lost = true; }, this);
  }
  ~Conn() {
    // After an I/O error Xlib forbids further use of the connection, XCloseDisplay included; the
    // Display struct is then left to the process (a few KB, once per lost display).
    if (dpy != nullptr && !lost) XCloseDisplay(dpy);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
};

// ---- capture -----------------------------------------------------------------------------------

// What is kept per monitor: its own shared-memory image (so switching monitors never re-creates
// one), the previous frame to diff against, and the damage seen since it was last grabbed.
struct Slot {
  // With XShm: two shared images of the monitor, grabbed into in turn. The reference frame lives, row
  // by row, in whichever of them grabbed that row last (`refIn`), so a capture diffs the new grab
  // against the other image and never copies what it grabbed into a reference (double buffering).
  // Without XShm: `image` is the last XGetImage result and `prev` the reference.
  XImage* images[2] = {nullptr, nullptr};
  XShmSegmentInfo segs[2]{};
  XImage* image = nullptr;  // the last grab: images[cur] with XShm
  int cur = 0;
  std::vector<uint8_t> refIn;  // with XShm, per row of the monitor: which of `images` holds its reference
  bool shmAttached = false;
  uint32_t imageW = 0, imageH = 0;
  std::vector<uint8_t> prev;  // without XShm: packed (stride = width * 4), as grabbed (alpha byte untouched)
  MonitorInfo geometry;
  bool valid = false;                // prev holds this geometry's last frame
  bool dirty = true;                 // damage arrived for it since its last grab
  int32_t dx0 = 0, dy0 = 0, dx1 = 0, dy1 = 0;  // the bounding box of that damage (root coordinates)
  bool cursorStale = true;           // the cursor image changed since this monitor last sent it

  void AddDamage(int32_t x0, int32_t y0, int32_t x1, int32_t y1) {
    if (!dirty) {
      dx0 = x0, dy0 = y0, dx1 = x1, dy1 = y1;
    } else {
      dx0 = std::min(dx0, x0), dy0 = std::min(dy0, y0), dx1 = std::max(dx1, x1), dy1 = std::max(dy1, y1);
    }
    dirty = true;
  }
};

struct X11Screen::Capturer {
  Display* dpy;
  Window root;
  X11Features features;
  int damageEvent = 0, fixesEvent = 0, randrEvent = 0;
  Damage damage = 0;
  // Monitor geometry, re-read only after RandR says the screen changed (saves round trips per frame).
  std::vector<MonitorInfo> monitors;
  bool monitorsStale = true;
  XserverRegion region = 0;  // receives the damage as it is subtracted
  bool damaged = true;       // a damage event arrived since the last subtract
  std::map<uint32_t, Slot> slots;

  Capturer(Display* d, const X11Features& f) : dpy(d), root(DefaultRootWindow(d)), features(f) {
    int err = 0;
    if (features.damage && XDamageQueryExtension(dpy, &damageEvent, &err)) {
      damage = XDamageCreate(dpy, root, XDamageReportNonEmpty);
    } else {
      features.damage = false;
    }
    if (features.fixes && XFixesQueryExtension(dpy, &fixesEvent, &err)) {
      XFixesSelectCursorInput(dpy, root, XFixesDisplayCursorNotifyMask);
      if (features.damage) region = XFixesCreateRegion(dpy, nullptr, 0);
    } else {
      features.fixes = false;
    }
    if (features.randr && XRRQueryExtension(dpy, &randrEvent, &err)) {
      XRRSelectInput(dpy, root, RRScreenChangeNotifyMask | RRCrtcChangeNotifyMask | RROutputChangeNotifyMask);
    }
    // Raw motion of every master pointer (XI 2.1+: delivered whatever window the pointer is over and
    // during grabs), so a pointer that moves without drawing still makes this connection readable.
    // The events carry nothing we read: DrainEvents drops them, the capture asks XQueryPointer.
    int xiOpcode = 0, xiEvent = 0;
    int xiMajor = 2, xiMinor = 2;
    if (XQueryExtension(dpy, "XInputExtension", &xiOpcode, &xiEvent, &err) && XIQueryVersion(dpy, &xiMajor, &xiMinor) == Success &&
        (xiMajor > 2 || (xiMajor == 2 && xiMinor >= 1))) {
      unsigned char bits[XIMaskLen(XI_LASTEVENT)] = {0};
      XISetMask(bits, XI_RawMotion);
      XIEventMask mask{};
      mask.deviceid = XIAllMasterDevices;
      mask.mask_len = sizeof(bits);
      mask.mask = bits;
      features.motion = XISelectEvents(dpy, root, &mask, 1) == Success;
    }
    XSync(dpy, False);
  }

  ~Capturer() {
    for (auto& kv : slots) FreeImage(kv.second);
    if (region != 0) XFixesDestroyRegion(dpy, region);
    if (damage != 0) XDamageDestroy(dpy, damage);
    XSync(dpy, False);
  }

  void FreeImage(Slot& s) {
    if (s.shmAttached) {
      for (int k = 0; k < 2; ++k) {
        if (s.images[k] != nullptr) XShmDetach(dpy, &s.segs[k]);
      }
      XSync(dpy, False);
      for (int k = 0; k < 2; ++k) {
        if (s.images[k] == nullptr) continue;
        s.images[k]->data = nullptr;  // the shared segment is not XDestroyImage's to free
        XDestroyImage(s.images[k]);
        shmdt(s.segs[k].shmaddr);
        s.images[k] = nullptr;
      }
      s.shmAttached = false;
    } else if (s.image != nullptr) {
      XDestroyImage(s.image);
    }
    s.image = nullptr;
    s.imageW = s.imageH = 0;
  }

  // A shared-memory image of w x h; false when XShm cannot be used here (remote display).
  bool MakeShmImage(Slot& s, uint32_t w, uint32_t h) {
    FreeImage(s);
    for (int k = 0; k < 2; ++k) {
      if (!MakeShmImage(s, k, w, h)) {
        s.shmAttached = k > 0;  // frees the first one
        FreeImage(s);
        return false;
      }
      s.shmAttached = true;
    }
    s.cur = 0;
    s.image = s.images[0];
    s.refIn.assign(h, 0);
    s.imageW = w;
    s.imageH = h;
    return true;
  }

  // images[k] of `s`, attached to the server.
  bool MakeShmImage(Slot& s, int k, uint32_t w, uint32_t h) {
    const int screen = DefaultScreen(dpy);
    XShmSegmentInfo& seg = s.segs[k];
    XImage* img = XShmCreateImage(dpy, DefaultVisual(dpy, screen), static_cast<unsigned>(DefaultDepth(dpy, screen)), ZPixmap, nullptr,
                                  &seg, w, h);
    if (img == nullptr) return false;
    const size_t bytes = static_cast<size_t>(img->bytes_per_line) * h;
    seg.shmid = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
    if (seg.shmid < 0) {
      XDestroyImage(img);
      return false;
    }
    seg.shmaddr = img->data = static_cast<char*>(shmat(seg.shmid, nullptr, 0));
    seg.readOnly = False;
    if (seg.shmaddr == reinterpret_cast<char*>(-1)) {
      shmctl(seg.shmid, IPC_RMID, nullptr);
      img->data = nullptr;
      XDestroyImage(img);
      return false;
    }
    tlsXError = 0;
    const bool attached = XShmAttach(dpy, &seg) != 0;
    XSync(dpy, False);
    shmctl(seg.shmid, IPC_RMID, nullptr);  // freed by the kernel once both sides detach
    if (!attached || tlsXError != 0) {
      shmdt(seg.shmaddr);
      img->data = nullptr;
      XDestroyImage(img);
      return false;
    }
    s.images[k] = img;
    return true;
  }

  // Moves the damage the server accumulated into every monitor's own record (one round trip).
  void CollectDamage() {
    if (!features.damage || !damaged) return;
    damaged = false;
    if (region == 0) {
      XDamageSubtract(dpy, damage, 0, 0);
      for (auto& kv : slots) kv.second.AddDamage(INT32_MIN / 2, INT32_MIN / 2, INT32_MAX / 2, INT32_MAX / 2);
      return;
    }
    XDamageSubtract(dpy, damage, 0, region);  // what is drawn from now on raises a new event
    int n = 0;
    XRectangle bounds{};
    XRectangle* rects = XFixesFetchRegionAndBounds(dpy, region, &n, &bounds);
    if (rects != nullptr) XFree(rects);
    if (n == 0) return;
    for (auto& kv : slots) kv.second.AddDamage(bounds.x, bounds.y, bounds.x + bounds.width, bounds.y + bounds.height);
  }

  void DrainEvents() {
    while (XPending(dpy) > 0) {
      XEvent ev;
      XNextEvent(dpy, &ev);
      if (features.damage && ev.type == damageEvent + XDamageNotify) damaged = true;
      if (features.fixes && ev.type == fixesEvent + XFixesCursorNotify) {
        for (auto& kv : slots) kv.second.cursorStale = true;
      }
      if (features.randr && (ev.type == randrEvent + RRScreenChangeNotify || ev.type == randrEvent + RRNotify)) {
        XRRUpdateConfiguration(&ev);
        monitorsStale = true;
      }
    }
  }

  const std::vector<MonitorInfo>& Monitors() {
    if (monitorsStale || !features.randr) {
      monitors = QueryMonitors(dpy, root, features.randr);
      monitorsStale = false;
    }
    return monitors;
  }

  // Grabs rows [y0, y1) of the monitor into the slot's image (the rest of it is left as it was);
  // returns an X error code (0 = fine). A band is grabbed through a second XImage header over the
  // same shared segment: XShmGetImage writes at `data - shmaddr`, so the rows land in place.
  // With `keepRef` (XShm), the grab goes to the image holding fewer of the band's reference rows, and
  // those few are first copied to the other one (none when the same band changes capture after capture).
  int Grab(Slot& s, const MonitorInfo& m, uint32_t y0, uint32_t y1, bool keepRef) {
    if (features.shm && (s.image == nullptr || !s.shmAttached || s.imageW != m.width || s.imageH != m.height)) {
      if (!MakeShmImage(s, m.width, m.height)) features.shm = false;  // e.g. a remote display: fall back for good
      y0 = 0;
      y1 = m.height;
    }
    tlsXError = 0;
    if (features.shm) {
      int into = 1 - s.cur;
      if (keepRef) {
        uint32_t inZero = 0;
        for (uint32_t r = y0; r < y1; ++r) inZero += s.refIn[r] == 0 ? 1 : 0;
        into = inZero <= (y1 - y0) - inZero ? 0 : 1;
        const size_t bpl = static_cast<size_t>(s.images[0]->bytes_per_line);
        for (uint32_t r = y0; r < y1; ++r) {
          if (s.refIn[r] != into) continue;
          std::memcpy(s.images[1 - into]->data + r * bpl, s.images[into]->data + r * bpl, static_cast<size_t>(m.width) * 4);
          s.refIn[r] = static_cast<uint8_t>(1 - into);
        }
      }
      s.cur = into;
      s.image = s.images[into];
      XImage band = *s.image;
      band.height = static_cast<int>(y1 - y0);
      band.data = s.image->data + static_cast<size_t>(y0) * static_cast<size_t>(s.image->bytes_per_line);
      // Synchronous already: it waits for its reply, and an error for it arrives before that reply.
      const bool ok = XShmGetImage(dpy, root, &band, m.x, m.y + static_cast<int>(y0), AllPlanes) != 0;
      if (!ok && tlsXError == 0) tlsXError = BadImplementation;
      return tlsXError;
    }
    FreeImage(s);
    s.image = XGetImage(dpy, root, m.x, m.y, m.width, m.height, AllPlanes, ZPixmap);
    XSync(dpy, False);
    if (s.image == nullptr && tlsXError == 0) tlsXError = BadImplementation;
    if (s.image != nullptr) {
      s.imageW = m.width;
      s.imageH = m.height;
    }
    return tlsXError;
  }

  void ReadCursor(Slot& slot, const MonitorInfo& m, bool wantImage, CursorInfo* out) {
    if (!features.fixes) return;
    if (wantImage || slot.cursorStale) {
      XFixesCursorImage* ci = XFixesGetCursorImage(dpy);
      if (ci == nullptr) return;
      out->present = true;
      out->x = ci->x - m.x;
      out->y = ci->y - m.y;
      out->width = ci->width;
      out->height = ci->height;
      out->xhot = ci->xhot;
      out->yhot = ci->yhot;
      out->serial = ci->cursor_serial;
      // XFixes hands 32-bit premultiplied ARGB in `unsigned long`s; the wire wants straight BGRA.
      const size_t n = static_cast<size_t>(ci->width) * ci->height;
      out->bgra.resize(n * 4);
      for (size_t i = 0; i < n; ++i) {
        const auto p = static_cast<uint32_t>(ci->pixels[i]);
        const uint32_t a = p >> 24;
        uint32_t r = (p >> 16) & 0xFF, g = (p >> 8) & 0xFF, b = p & 0xFF;
        if (a != 0 && a != 255) {
          r = std::min(255u, r * 255 / a);
          g = std::min(255u, g * 255 / a);
          b = std::min(255u, b * 255 / a);
        }
        out->bgra[i * 4] = static_cast<uint8_t>(b);
        out->bgra[i * 4 + 1] = static_cast<uint8_t>(g);
        out->bgra[i * 4 + 2] = static_cast<uint8_t>(r);
        out->bgra[i * 4 + 3] = static_cast<uint8_t>(a);
      }
      XFree(ci);
      slot.cursorStale = false;
    } else {
      Window rootRet = 0, child = 0;
      int rx = 0, ry = 0, wx = 0, wy = 0;
      unsigned mask = 0;
      if (XQueryPointer(dpy, root, &rootRet, &child, &rx, &ry, &wx, &wy, &mask) == 0) return;
      out->present = true;
      out->x = rx - m.x;
      out->y = ry - m.y;
    }
    out->onMonitor = out->x >= 0 && out->y >= 0 && static_cast<uint32_t>(out->x) < m.width && static_cast<uint32_t>(out->y) < m.height;
  }
};

// ---- input -------------------------------------------------------------------------------------

struct X11Screen::Injector {
  Display* dpy;
  int minKeycode = 8, maxKeycode = 255;
  // Keycodes with no symbols, lent to keysyms the keymap lacks (é, €, ✓ on a US map). Each keysym
  // keeps its own keycode while it is bound: clients read the keymap when they process an event,
  // not when it was sent, so rebinding one keycode for several characters in a row would type the
  // last one several times. Oldest bindings are reused first; restored in the destructor.
  std::vector<KeyCode> spares;
  std::vector<std::pair<KeyCode, KeySym>> bound;  // oldest first
  bool shiftHeld = false;                          // a Shift key the viewer pressed and has not released

  explicit Injector(Display* d) : dpy(d) {
    XDisplayKeycodes(dpy, &minKeycode, &maxKeycode);
    int perCode = 0;
    KeySym* map = XGetKeyboardMapping(dpy, static_cast<KeyCode>(minKeycode), maxKeycode - minKeycode + 1, &perCode);
    if (map != nullptr) {
      for (int kc = maxKeycode; kc >= minKeycode; --kc) {
        bool empty = true;
        for (int j = 0; j < perCode; ++j) empty = empty && map[(kc - minKeycode) * perCode + j] == NoSymbol;
        if (empty) spares.push_back(static_cast<KeyCode>(kc));
      }
      XFree(map);
    }
  }

  ~Injector() {
    KeySym none[2] = {NoSymbol, NoSymbol};
    for (const auto& b : bound) XChangeKeyboardMapping(dpy, b.first, 2, none, 1);
    XSync(dpy, False);
  }

  bool IsLent(KeyCode kc) const {
    return std::any_of(bound.begin(), bound.end(), [kc](const auto& b) { return b.first == kc; });
  }

  // The keycode and shift level that produce `ks`, lending a spare keycode if none does.
  KeyCode Resolve(KeySym ks, int* level) {
    *level = 0;
    for (size_t i = 0; i < bound.size(); ++i) {
      if (bound[i].second != ks) continue;
      auto b = bound[i];
      bound.erase(bound.begin() + static_cast<std::ptrdiff_t>(i));
      bound.push_back(b);
      return b.first;
    }
    const KeyCode kc = XKeysymToKeycode(dpy, ks);
    if (kc != 0) {
      if (XkbKeycodeToKeysym(dpy, kc, 0, 0) == ks) return kc;
      if (XkbKeycodeToKeysym(dpy, kc, 0, 1) == ks) {
        *level = 1;
        return kc;
      }
    }
    KeyCode lend = 0;
    if (bound.size() < spares.size()) {
      lend = spares[bound.size()];
    } else if (!bound.empty()) {
      // Every spare is lent: take the oldest back, once clients had time to read what used it.
      XSync(dpy, False);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      lend = bound.front().first;
      bound.erase(bound.begin());
    } else {
      throw NativeError("UNSUPPORTED", "no free keycode to type keysym " + std::to_string(ks));
    }
    KeySym syms[2] = {ks, ks};
    XChangeKeyboardMapping(dpy, lend, 2, syms, 1);
    XSync(dpy, False);  // the mapping change reaches clients before the key event does
    bound.emplace_back(lend, ks);
    return lend;
  }
};


// ---- overlay -----------------------------------------------------------------------------------

struct X11Screen::Painter {
  Display* dpy;
  Window win = 0;
  Pixmap mask = 0;
  GC gc = nullptr, maskGc = nullptr;
  XFontStruct* font = nullptr;
  MonitorInfo at;
  bool mapped = false;

  explicit Painter(Display* d) : dpy(d) { font = XLoadQueryFont(dpy, "fixed"); }
  ~Painter() {
    Destroy();
    if (font != nullptr) XFreeFont(dpy, font);
    XSync(dpy, False);
  }

  void Destroy() {
    if (maskGc != nullptr) XFreeGC(dpy, maskGc);
    if (gc != nullptr) XFreeGC(dpy, gc);
    if (mask != 0) XFreePixmap(dpy, mask);
    if (win != 0) XDestroyWindow(dpy, win);
    maskGc = gc = nullptr;
    mask = win = 0;
    mapped = false;
  }

  void Ensure(const MonitorInfo& m) {
    if (win != 0 && at.x == m.x && at.y == m.y && at.width == m.width && at.height == m.height) return;
    Destroy();
    at = m;
    const Window root = DefaultRootWindow(dpy);
    XSetWindowAttributes attrs{};
    attrs.override_redirect = True;
    attrs.background_pixmap = None;
    win = XCreateWindow(dpy, root, m.x, m.y, m.width, m.height, 0, CopyFromParent, InputOutput, CopyFromParent,
                        CWOverrideRedirect | CWBackPixmap, &attrs);
    XStoreName(dpy, win, "Tandem overlay");
    // Clicks and keys go to what is under the overlay: an empty input shape.
    XShapeCombineRectangles(dpy, win, ShapeInput, 0, 0, nullptr, 0, ShapeSet, Unsorted);
    mask = XCreatePixmap(dpy, win, m.width, m.height, 1);
    maskGc = XCreateGC(dpy, mask, 0, nullptr);
    gc = XCreateGC(dpy, win, 0, nullptr);
    if (font != nullptr) XSetFont(dpy, gc, font->fid);
  }

  // Draws into the window (colours) or into the 1-bit shape mask (everything drawn = 1).
  void DrawAll(Drawable d, GC g, bool isMask, const std::vector<OverlayPointer>& pointers, const std::vector<OverlayStroke>& strokes) {
    auto colour = [&](uint32_t rgb) { XSetForeground(dpy, g, isMask ? 1 : (rgb & 0xFFFFFF)); };
    for (const OverlayStroke& s : strokes) {
      if (s.points.size() < 2) continue;
      colour(s.rgb);
      XSetLineAttributes(dpy, g, s.width, LineSolid, CapRound, JoinRound);
      std::vector<XPoint> pts;
      for (size_t i = 0; i + 1 < s.points.size(); i += 2) {
        pts.push_back(XPoint{static_cast<short>(std::clamp(s.points[i], -32000, 32000)), static_cast<short>(std::clamp(s.points[i + 1], -32000, 32000))});
      }
      if (pts.size() == 1) {
        XFillArc(dpy, d, g, pts[0].x - static_cast<int>(s.width), pts[0].y - static_cast<int>(s.width), s.width * 2, s.width * 2, 0, 360 * 64);
      } else {
        XDrawLines(dpy, d, g, pts.data(), static_cast<int>(pts.size()), CoordModeOrigin);
      }
    }
    XSetLineAttributes(dpy, g, 1, LineSolid, CapButt, JoinMiter);
    for (const OverlayPointer& p : pointers) {
      // An arrow with its tip at (x, y), a white outline, and the name on a tag beside it.
      static const short kArrow[][2] = {{0, 0}, {0, 19}, {5, 14}, {9, 22}, {12, 21}, {8, 13}, {14, 13}};
      XPoint arrow[7];
      for (int i = 0; i < 7; ++i) arrow[i] = XPoint{static_cast<short>(p.x + kArrow[i][0]), static_cast<short>(p.y + kArrow[i][1])};
      colour(p.rgb);
      XFillPolygon(dpy, d, g, arrow, 7, Nonconvex, CoordModeOrigin);
      colour(0xFFFFFF);
      XPoint closed[8];
      std::copy(arrow, arrow + 7, closed);
      closed[7] = arrow[0];
      XDrawLines(dpy, d, g, closed, 8, CoordModeOrigin);
      if (p.label.empty()) continue;
      const std::string text = p.label.substr(0, 40);
      const int tw = font != nullptr ? XTextWidth(font, text.c_str(), static_cast<int>(text.size())) : static_cast<int>(text.size()) * 6;
      const int th = font != nullptr ? font->ascent + font->descent : 13;
      colour(p.rgb);
      XFillRectangle(dpy, d, g, p.x + 14, p.y + 18, static_cast<unsigned>(tw + 8), static_cast<unsigned>(th + 4));
      if (!isMask && font != nullptr) {
        XSetForeground(dpy, g, 0xFFFFFF);
        XDrawString(dpy, d, g, p.x + 18, p.y + 20 + font->ascent, text.c_str(), static_cast<int>(text.size()));
      }
    }
  }

  void Show(const MonitorInfo& m, const std::vector<OverlayPointer>& pointers, const std::vector<OverlayStroke>& strokes) {
    if (pointers.empty() && strokes.empty()) {
      if (mapped) XUnmapWindow(dpy, win);
      mapped = false;
      XSync(dpy, False);
      return;
    }
    Ensure(m);
    XSetForeground(dpy, maskGc, 0);
    XFillRectangle(dpy, mask, maskGc, 0, 0, m.width, m.height);
    DrawAll(mask, maskGc, true, pointers, strokes);
    XShapeCombineMask(dpy, win, ShapeBounding, 0, 0, mask, ShapeSet);
    if (!mapped) XMapRaised(dpy, win);
    else XRaiseWindow(dpy, win);
    mapped = true;
    XSync(dpy, False);  // mapped and shaped before drawing, or the drawing may be lost
    DrawAll(win, gc, false, pointers, strokes);
    XSync(dpy, False);
  }
};

void X11Screen::Overlay(uint32_t monitor, const std::vector<OverlayPointer>& pointers, const std::vector<OverlayStroke>& strokes) {
  std::lock_guard<std::mutex> lock(ovMu_);
  if (!cap_ && !in_) throw NativeError("CLOSED", "the display is closed");
  if (!ov_) {
    ov_ = std::make_unique<Conn>(name_);
    painter_ = std::make_unique<Painter>(ov_->dpy);
  }
  if (ov_->lost) throw NativeError("DISPLAY_LOST", "the X display '" + name_ + "' went away");
  const std::vector<MonitorInfo> mons = QueryMonitors(ov_->dpy, DefaultRootWindow(ov_->dpy), features_.randr, false);
  if (monitor >= mons.size()) throw NativeError("INVALID_ARGUMENT", "monitor " + std::to_string(monitor) + " is not connected");
  painter_->Show(mons[monitor], pointers, strokes);
}

// ---- X11Screen ---------------------------------------------------------------------------------

X11Screen::X11Screen(const std::string& display) : name_(display) {
  InstallHandlersOnce();
  cap_ = std::make_unique<Conn>(display);
  in_ = std::make_unique<Conn>(display);
  Display* dpy = cap_->dpy;
  const int screen = DefaultScreen(dpy);
  Visual* visual = DefaultVisual(dpy, screen);
  const int depth = DefaultDepth(dpy, screen);
  if ((depth != 24 && depth != 32) || visual->red_mask != 0xFF0000 || visual->green_mask != 0xFF00 || visual->blue_mask != 0xFF) {
    throw NativeError("UNSUPPORTED", "display '" + display + "' has depth " + std::to_string(depth) + "; capture needs 24/32-bit TrueColor");
  }
  X11Features f;
  int a = 0, b = 0, c = 0;
  f.shm = XShmQueryExtension(dpy) != 0;
  f.damage = XDamageQueryExtension(dpy, &a, &b) != 0;
  f.fixes = XFixesQueryExtension(dpy, &a, &b) != 0;
  int major = 0, minor = 0;
  f.randr = XRRQueryExtension(dpy, &a, &b) != 0 && XRRQueryVersion(dpy, &major, &minor) != 0 && (major > 1 || (major == 1 && minor >= 5));
  f.xtest = XTestQueryExtension(in_->dpy, &a, &b, &major, &c) != 0;
  capturer_ = std::make_unique<Capturer>(dpy, f);
  f.damage = capturer_->features.damage;
  f.fixes = capturer_->features.fixes;
  f.motion = capturer_->features.motion;
  features_ = f;
  injector_ = std::make_unique<Injector>(in_->dpy);
}

X11Screen::~X11Screen() { Close(); }

void X11Screen::Close() {
  {
    std::lock_guard<std::mutex> lock(ovMu_);
    if (ov_ && !ov_->lost) painter_.reset();
    painter_.release();
    ov_.reset();
  }
  {
    std::lock_guard<std::mutex> lock(capMu_);
    if (cap_ && !cap_->lost) capturer_.reset();
    capturer_.release();  // after a lost display nothing may touch the connection; dropped with it
    cap_.reset();
  }
  std::lock_guard<std::mutex> lock(inMu_);
  if (in_ && !in_->lost) injector_.reset();
  injector_.release();
  in_.reset();
}

int X11Screen::EventFd() {
  std::lock_guard<std::mutex> lock(capMu_);
  if (!cap_ || cap_->lost) return -1;
  return ConnectionNumber(cap_->dpy);
}

bool X11Screen::EventsQueued() {
  std::lock_guard<std::mutex> lock(capMu_);
  if (!cap_ || cap_->lost) return false;
  return XEventsQueued(cap_->dpy, QueuedAfterReading) > 0;
}

bool X11Screen::Lost() const {
  std::lock_guard<std::mutex> a(capMu_);
  std::lock_guard<std::mutex> b(inMu_);
  return (cap_ && cap_->lost) || (in_ && in_->lost);
}

X11Features X11Screen::Features() const { return features_; }

std::vector<MonitorInfo> X11Screen::Monitors() {
  std::lock_guard<std::mutex> lock(capMu_);
  if (!cap_) throw NativeError("CLOSED", "the display is closed");
  if (cap_->lost) throw NativeError("DISPLAY_LOST", "the X display '" + name_ + "' went away");
  // A fresh read, which the captures use from now on too: not every monitor change raises a RandR
  // event (`xrandr --setmonitor` does not), and the agent asks here every couple of seconds.
  capturer_->monitors = QueryMonitors(cap_->dpy, DefaultRootWindow(cap_->dpy), capturer_->features.randr);
  capturer_->monitorsStale = false;
  return capturer_->monitors;
}

namespace {

// Media frame types and encodings of src/media/frame-codec.ts (version 1).
constexpr uint8_t kFrameTile = 1, kFrameEnd = 3, kFrameScreenInfo = 4;
constexpr uint8_t kWireNone = 0, kWireJpeg = 1, kWireLossless = 2;
constexpr size_t kFrameFixedHeader = 33;

void PutU16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void PutU32(uint8_t* p, uint32_t v) {
  PutU16(p, v & 0xFFFF);
  PutU16(p + 2, v >> 16);
}

// Appends one version-1 media frame (header, session id, payload) to `out`.
void AppendFrame(std::vector<uint8_t>* out, const CaptureOptions& opts, uint8_t type, uint8_t encoding, const Rect& rect, const uint8_t* payload, size_t len) {
  const std::string& sid = opts.frameSession;
  const size_t head = kFrameFixedHeader + sid.size();
  const size_t at = out->size();
  out->resize(at + head + len);
  uint8_t* p = out->data() + at;
  p[0] = 0x54;  // 'T'
  p[1] = 1;
  p[2] = type;
  p[3] = encoding;
  PutU16(p + 4, opts.monitor);
  PutU16(p + 6, static_cast<uint32_t>(head));
  PutU32(p + 8, opts.frameSeq);
  static_assert(sizeof(double) == 8, "float64 timestamp");
  std::memcpy(p + 12, &opts.timestamp, 8);  // little-endian hosts only (x86-64, arm64)
  PutU16(p + 20, rect.x);
  PutU16(p + 22, rect.y);
  PutU16(p + 24, rect.w);
  PutU16(p + 26, rect.h);
  PutU32(p + 28, static_cast<uint32_t>(len));
  p[32] = static_cast<uint8_t>(sid.size());
  std::memcpy(p + kFrameFixedHeader, sid.data(), sid.size());
  if (len > 0) std::memcpy(p + head, payload, len);
}

// The capture as the frames the agent sends: screen info (full), the tiles, end of frame.
void FrameResult(const CaptureOptions& opts, CaptureResult* r) {
  size_t total = 2 * (kFrameFixedHeader + opts.frameSession.size());
  for (const Encoded& e : r->tiles) total += kFrameFixedHeader + opts.frameSession.size() + e.data.size();
  r->framed.reserve(total);
  const Rect whole{0, 0, r->width, r->height};
  if (opts.full) AppendFrame(&r->framed, opts, kFrameScreenInfo, kWireNone, whole, nullptr, 0);
  for (size_t k = 0; k < r->tiles.size(); ++k) {
    const Encoded& e = r->tiles[k];
    AppendFrame(&r->framed, opts, kFrameTile, e.encoding == Encoding::Jpeg ? kWireJpeg : kWireLossless, r->rects[k], e.data.data(), e.data.size());
  }
  if (!r->tiles.empty()) AppendFrame(&r->framed, opts, kFrameEnd, kWireNone, whole, nullptr, 0);
  r->tiles.clear();
}

}  // namespace

CaptureResult X11Screen::Capture(const CaptureOptions& opts) {
  std::lock_guard<std::mutex> lock(capMu_);
  CaptureResult r;
  if (!cap_) throw NativeError("CLOSED", "the display is closed");
  if (cap_->lost) {
    r.paused = true;
    r.reason = "display lost";
    return r;
  }
  Capturer& c = *capturer_;
  c.DrainEvents();
  const std::vector<MonitorInfo> mons = c.Monitors();
  if (cap_->lost) {
    r.paused = true;
    r.reason = "display lost";
    return r;
  }
  if (opts.monitor >= mons.size()) {
    r.paused = true;
    r.reason = "monitor " + std::to_string(opts.monitor) + " is not connected (" + std::to_string(mons.size()) + " monitors)";
    return r;
  }
  const MonitorInfo& m = mons[opts.monitor];
  r.width = m.width;
  r.height = m.height;
  const bool fresh = c.slots.find(opts.monitor) == c.slots.end();
  Slot& slot = c.slots[opts.monitor];
  if (fresh) slot.dirty = true;
  const bool sameGeometry = slot.valid && slot.geometry.x == m.x && slot.geometry.y == m.y && slot.geometry.width == m.width &&
                            slot.geometry.height == m.height;
  const bool full = opts.full || !sameGeometry;

  c.ReadCursor(slot, m, full, &r.cursor);
  c.CollectDamage();
  // Which rows to grab: with XDamage, only the band of tile rows this monitor's damage touched;
  // nothing at all when none did; without XDamage, or for a full frame, the whole monitor.
  uint32_t y0 = 0, y1 = m.height;
  if (!full && !opts.forceGrab && c.features.damage) {
    if (!slot.dirty) return r;
    const int64_t top = std::max<int64_t>(static_cast<int64_t>(slot.dy0) - m.y, 0);
    const int64_t bottom = std::min<int64_t>(static_cast<int64_t>(slot.dy1) - m.y, m.height);
    const bool across = slot.dx1 > m.x && slot.dx0 < m.x + static_cast<int64_t>(m.width);
    slot.dirty = false;
    if (bottom <= top || !across) return r;  // drawn on another monitor
    y0 = static_cast<uint32_t>(top) / opts.tile * opts.tile;
    y1 = std::min<uint32_t>(m.height, (static_cast<uint32_t>(bottom) + opts.tile - 1) / opts.tile * opts.tile);
  }
  slot.dirty = false;
  auto t0 = std::chrono::steady_clock::now();
  const int err = c.Grab(slot, m, y0, y1, !full);
  r.grabMs = MsSince(t0);
  if (cap_->lost || err != 0 || slot.image == nullptr) {
    r.paused = true;
    r.reason = cap_->lost ? "display lost" : "the screen cannot be captured (X error " + std::to_string(err) + ")";
    slot.valid = false;
    return r;
  }
  r.grabbed = true;
  XImage* img = slot.image;
  if (img->bits_per_pixel != 32 || img->byte_order != LSBFirst) {
    throw NativeError("UNSUPPORTED", "XImage is " + std::to_string(img->bits_per_pixel) + " bpp; capture needs 32 bpp little-endian");
  }
  FrameView cur;
  cur.data = reinterpret_cast<const uint8_t*>(img->data);
  cur.width = m.width;
  cur.height = m.height;
  cur.stride = static_cast<size_t>(img->bytes_per_line);
  const size_t packed = static_cast<size_t>(m.width) * 4;

  t0 = std::chrono::steady_clock::now();
  const bool doubled = slot.shmAttached;  // the reference is in the other XShm image (Slot)
  if (full) {
    if (doubled) {
      slot.refIn.assign(m.height, static_cast<uint8_t>(slot.cur));
    } else {
      slot.prev.assign(packed * m.height, 0);
    }
    for (uint32_t y = 0; y < m.height; y += opts.tile) {
      for (uint32_t x = 0; x < m.width; x += opts.tile) {
        r.rects.push_back(Rect{x, y, std::min(opts.tile, m.width - x), std::min(opts.tile, m.height - y)});
      }
    }
  } else {
    // Only the grabbed band can differ; its rows start on a tile boundary, so tiles line up.
    FrameView prev;
    prev.data = doubled ? reinterpret_cast<const uint8_t*>(slot.images[1 - slot.cur]->data) + static_cast<size_t>(y0) * cur.stride
                        : slot.prev.data() + static_cast<size_t>(y0) * packed;
    prev.width = m.width;
    prev.height = y1 - y0;
    prev.stride = doubled ? cur.stride : packed;
    FrameView band = cur;
    band.data = cur.data + static_cast<size_t>(y0) * cur.stride;
    band.height = y1 - y0;
    const std::vector<Rect> runs = DiffTiles(prev, band, opts.tile, opts.mergeRun > 1, opts.path);
    // Fewer, wider rects cost less per frame downstream (one header, one send, one decode each);
    // runs are cut every mergeRun tiles so a rect stays small enough for the palette path.
    const uint32_t maxW = opts.tile * std::max<uint32_t>(1, opts.mergeRun);
    for (const Rect& run : runs) {
      for (uint32_t x = run.x; x < run.x + run.w; x += maxW) r.rects.push_back(Rect{x, run.y + y0, std::min(maxW, run.x + run.w - x), run.h});
    }
  }
  // Remember the grabbed bytes as they are: with XShm, the band's rows now have their reference in the
  // image just grabbed; without, the changed rects are copied into `prev`. The alpha byte stays
  // undefined in the grab (X leaves the pad byte of a 24-bit visual so): the encoders send it as 0xFF
  // (EncodeTile's `opaque`).
  if (doubled && !full) std::fill(slot.refIn.begin() + y0, slot.refIn.begin() + y1, static_cast<uint8_t>(slot.cur));
  const uint8_t* grab = cur.data;
  for (const Rect& rect : r.rects) {
    if (doubled) break;
    for (uint32_t y = rect.y; y < rect.y + rect.h; ++y) {
      const uint8_t* src = grab + static_cast<size_t>(y) * cur.stride + static_cast<size_t>(rect.x) * 4;
      std::memcpy(slot.prev.data() + static_cast<size_t>(y) * packed + static_cast<size_t>(rect.x) * 4, src, static_cast<size_t>(rect.w) * 4);
    }
  }
  r.diffMs = MsSince(t0);
  slot.valid = true;
  slot.geometry = m;

  t0 = std::chrono::steady_clock::now();
  r.tiles.reserve(r.rects.size());
  for (const Rect& rect : r.rects) r.tiles.push_back(EncodeTile(cur, rect, opts.quality, opts.mode, true));
  r.encodeMs = MsSince(t0);
  if (!opts.frameSession.empty()) FrameResult(opts, &r);
  return r;
}

void X11Screen::CheckInput() const {
  if (!in_) throw NativeError("CLOSED", "the display is closed");
  if (in_->lost) throw NativeError("DISPLAY_LOST", "the X display '" + name_ + "' went away");
  if (!features_.xtest) throw NativeError("UNSUPPORTED", "the display has no XTest extension: input cannot be injected");
}

void X11Screen::Move(uint32_t monitor, int32_t x, int32_t y) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  const std::vector<MonitorInfo> mons = QueryMonitors(in_->dpy, DefaultRootWindow(in_->dpy), features_.randr, false);
  if (monitor >= mons.size()) throw NativeError("INVALID_ARGUMENT", "monitor " + std::to_string(monitor) + " is not connected");
  const MonitorInfo& m = mons[monitor];
  const int32_t cx = std::clamp<int32_t>(x, 0, static_cast<int32_t>(m.width) - 1);
  const int32_t cy = std::clamp<int32_t>(y, 0, static_cast<int32_t>(m.height) - 1);
  XTestFakeMotionEvent(in_->dpy, -1, m.x + cx, m.y + cy, CurrentTime);
  XFlush(in_->dpy);
}

void X11Screen::Button(uint32_t button, bool down) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  XTestFakeButtonEvent(in_->dpy, button, down ? True : False, CurrentTime);
  XFlush(in_->dpy);
}

void X11Screen::Wheel(int32_t dx, int32_t dy) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  auto clicks = [&](unsigned button, int32_t n) {
    for (int32_t i = 0; i < std::min<int32_t>(n, 50); ++i) {
      XTestFakeButtonEvent(in_->dpy, button, True, CurrentTime);
      XTestFakeButtonEvent(in_->dpy, button, False, CurrentTime);
    }
  };
  if (dy != 0) clicks(dy > 0 ? 5 : 4, dy > 0 ? dy : -dy);
  if (dx != 0) clicks(dx > 0 ? 7 : 6, dx > 0 ? dx : -dx);
  XFlush(in_->dpy);
}

void X11Screen::Key(uint32_t keysym, bool down) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  if (keysym == XK_Shift_L || keysym == XK_Shift_R) injector_->shiftHeld = down;
  int level = 0;
  const KeyCode kc = injector_->Resolve(keysym, &level);
  // A shifted symbol ('F', '!') sent without the viewer holding Shift (as VNC viewers and synthetic
  // key events do): press Shift around it, so the keysym typed is the keysym asked for.
  const KeyCode shift = down && level == 1 && !injector_->shiftHeld ? XKeysymToKeycode(in_->dpy, XK_Shift_L) : 0;
  if (shift != 0) XTestFakeKeyEvent(in_->dpy, shift, True, CurrentTime);
  XTestFakeKeyEvent(in_->dpy, kc, down ? True : False, CurrentTime);
  if (shift != 0) XTestFakeKeyEvent(in_->dpy, shift, False, CurrentTime);
  XFlush(in_->dpy);
}

void X11Screen::Text(const std::string& utf8) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  Display* dpy = in_->dpy;
  const KeyCode shift = XKeysymToKeycode(dpy, XK_Shift_L);
  for (uint32_t cp : DecodeUtf8(utf8)) {
    if (cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t' && cp != '\b') continue;  // other controls are not text
    int level = 0;
    const KeyCode kc = injector_->Resolve(KeysymForCodepoint(cp), &level);
    if (level == 1 && shift != 0) XTestFakeKeyEvent(dpy, shift, True, CurrentTime);
    XTestFakeKeyEvent(dpy, kc, True, CurrentTime);
    XTestFakeKeyEvent(dpy, kc, False, CurrentTime);
    if (level == 1 && shift != 0) XTestFakeKeyEvent(dpy, shift, False, CurrentTime);
  }
  XSync(dpy, False);
}

void X11Screen::Paint(int32_t x, int32_t y, uint32_t w, uint32_t h, uint32_t rgb) {
  std::lock_guard<std::mutex> lock(inMu_);
  if (!in_) throw NativeError("CLOSED", "the display is closed");
  if (in_->lost) throw NativeError("DISPLAY_LOST", "the X display '" + name_ + "' went away");
  Display* dpy = in_->dpy;
  const Window root = DefaultRootWindow(dpy);
  GC gc = XCreateGC(dpy, root, 0, nullptr);
  XSetForeground(dpy, gc, rgb & 0xFFFFFF);
  XSetSubwindowMode(dpy, gc, IncludeInferiors);
  XFillRectangle(dpy, root, gc, x, y, w, h);
  XFreeGC(dpy, gc);
  XSync(dpy, False);
}

void X11Screen::Pointer(int32_t* x, int32_t* y) {
  std::lock_guard<std::mutex> lock(inMu_);
  CheckInput();
  Window rootRet = 0, child = 0;
  int rx = 0, ry = 0, wx = 0, wy = 0;
  unsigned mask = 0;
  XQueryPointer(in_->dpy, DefaultRootWindow(in_->dpy), &rootRet, &child, &rx, &ry, &wx, &wy, &mask);
  *x = rx;
  *y = ry;
}

}  // namespace tandem
