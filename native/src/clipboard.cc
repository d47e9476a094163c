#include "clipboard.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/extensions/Xfixes.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "core.h"

namespace tandem {

struct X11Clipboard::State {
  Display* dpy = nullptr;
  Window win = 0;
  int fixesEvent = 0;
  size_t maxBytes = 0;
  OnChange onChange;
  Atom clipboard = 0, primary = XA_PRIMARY, utf8 = 0, targets = 0, text = 0, png = 0, incoming = 0;
  std::string content;  // what we serve while we own the selections
  bool contentIsImage = false;
  bool owning = false;
};

X11Clipboard::X11Clipboard(const std::string& display, size_t maxBytes, OnChange onChange) : st_(std::make_unique<State>()) {
  State& s = *st_;
  s.dpy = XOpenDisplay(display.empty() ? nullptr : display.c_str());
  if (s.dpy == nullptr) throw NativeError("DISPLAY_UNAVAILABLE", "cannot open X display '" + display + "'");
  int err = 0;
  if (!XFixesQueryExtension(s.dpy, &s.fixesEvent, &err)) {
    XCloseDisplay(s.dpy);
    throw NativeError("UNSUPPORTED", "the display has no XFixes extension: clipboard changes cannot be followed");
  }
  s.maxBytes = maxBytes;
  s.onChange = std::move(onChange);
  s.clipboard = XInternAtom(s.dpy, "CLIPBOARD", False);
  s.utf8 = XInternAtom(s.dpy, "UTF8_STRING", False);
  s.targets = XInternAtom(s.dpy, "TARGETS", False);
  s.text = XInternAtom(s.dpy, "TEXT", False);
  s.png = XInternAtom(s.dpy, "image/png", False);
  s.incoming = XInternAtom(s.dpy, "TANDEM_CLIPBOARD", False);
  s.win = XCreateSimpleWindow(s.dpy, DefaultRootWindow(s.dpy), -10, -10, 1, 1, 0, 0, 0);
  XFixesSelectSelectionInput(s.dpy, s.win, s.clipboard, XFixesSetSelectionOwnerNotifyMask);
  XFixesSelectSelectionInput(s.dpy, s.win, s.primary, XFixesSetSelectionOwnerNotifyMask);
  XSync(s.dpy, False);
  if (pipe(wake_) != 0) {
    XDestroyWindow(s.dpy, s.win);
    XCloseDisplay(s.dpy);
    throw NativeError("NATIVE_FAILURE", "pipe() failed");
  }
  thread_ = std::thread([this] { Run(); });
}

X11Clipboard::~X11Clipboard() { Stop(); }

void X11Clipboard::Stop() {
  if (stop_.exchange(true)) return;
  if (wake_[1] >= 0) {
    const char c = 'x';
    (void)!write(wake_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy != nullptr) {
    XDestroyWindow(s.dpy, s.win);
    XCloseDisplay(s.dpy);
    s.dpy = nullptr;
  }
  for (int& fd : wake_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

void X11Clipboard::Set(const std::string& bytes, const std::string& mime) {
  std::lock_guard<std::mutex> lock(mu_);
  State& s = *st_;
  if (s.dpy == nullptr) throw NativeError("CLOSED", "the clipboard is closed");
  if (mime != "text/plain" && mime != "image/png") throw NativeError("INVALID_ARGUMENT", "clipboard type must be text/plain or image/png, not '" + mime + "'");
  if (bytes.size() > s.maxBytes) throw NativeError("INVALID_ARGUMENT", "clipboard content is larger than " + std::to_string(s.maxBytes) + " bytes");
  s.content = bytes;
  s.contentIsImage = mime == "image/png";
  XSetSelectionOwner(s.dpy, s.clipboard, s.win, CurrentTime);
  XSetSelectionOwner(s.dpy, s.primary, s.win, CurrentTime);
  s.owning = XGetSelectionOwner(s.dpy, s.clipboard) == s.win;
  XFlush(s.dpy);
  if (!s.owning) throw NativeError("NATIVE_FAILURE", "could not take the clipboard");
}

namespace {

// Answers another client's request for our selection's content.
void Serve(X11Clipboard::State& s, const XSelectionRequestEvent& req) {
  XSelectionEvent reply{};
  reply.type = SelectionNotify;
  reply.display = req.display;
  reply.requestor = req.requestor;
  reply.selection = req.selection;
  reply.target = req.target;
  reply.time = req.time;
  reply.property = None;
  const Atom property = req.property != None ? req.property : req.target;  // obsolete clients
  if (s.owning) {
    if (req.target == s.targets) {
      const Atom textList[] = {s.targets, s.utf8, XA_STRING, s.text};
      const Atom imageList[] = {s.targets, s.png};
      XChangeProperty(s.dpy, req.requestor, property, XA_ATOM, 32, PropModeReplace,
                      reinterpret_cast<const unsigned char*>(s.contentIsImage ? imageList : textList), s.contentIsImage ? 2 : 4);
      reply.property = property;
    } else if (s.contentIsImage && req.target == s.png && s.content.size() <= s.maxBytes) {
      XChangeProperty(s.dpy, req.requestor, property, s.png, 8, PropModeReplace, reinterpret_cast<const unsigned char*>(s.content.data()),
                      static_cast<int>(s.content.size()));
      reply.property = property;
    } else if (!s.contentIsImage && (req.target == s.utf8 || req.target == XA_STRING || req.target == s.text) && s.content.size() <= s.maxBytes) {
      XChangeProperty(s.dpy, req.requestor, property, req.target == s.text ? s.utf8 : req.target, 8, PropModeReplace,
                      reinterpret_cast<const unsigned char*>(s.content.data()), static_cast<int>(s.content.size()));
      reply.property = property;
    }
  }
  XSendEvent(s.dpy, req.requestor, False, NoEventMask, reinterpret_cast<XEvent*>(&reply));
  XFlush(s.dpy);
}

// The owner's TARGETS: which of the types we take it offers (text first, then a PNG image); None if none.
Atom PickTarget(X11Clipboard::State& s) {
  Atom type = None;
  int format = 0;
  unsigned long items = 0, after = 0;
  unsigned char* data = nullptr;
  if (XGetWindowProperty(s.dpy, s.win, s.incoming, 0, 1024, True, XA_ATOM, &type, &format, &items, &after, &data) != Success) return None;
  bool utf8 = false, latin1 = false, png = false;
  if (data != nullptr && type == XA_ATOM && format == 32) {
    const Atom* atoms = reinterpret_cast<const Atom*>(data);  // format 32 comes back as longs
    for (unsigned long i = 0; i < items; ++i) {
      utf8 = utf8 || atoms[i] == s.utf8;
      latin1 = latin1 || atoms[i] == XA_STRING;
      png = png || atoms[i] == s.png;
    }
  }
  if (data != nullptr) XFree(data);
  return utf8 ? s.utf8 : latin1 ? XA_STRING : png ? s.png : None;
}

// Reads what the owner put in our property after a conversion; empty when refused or too large.
bool ReadIncoming(X11Clipboard::State& s, std::string* out) {
  Atom type = None;
  int format = 0;
  unsigned long items = 0, after = 0;
  unsigned char* data = nullptr;
  const long maxWords = static_cast<long>(s.maxBytes / 4 + 1);
  if (XGetWindowProperty(s.dpy, s.win, s.incoming, 0, maxWords, True, AnyPropertyType, &type, &format, &items, &after, &data) != Success) return false;
  const bool ok = data != nullptr && format == 8 && after == 0 && (type == s.utf8 || type == XA_STRING || type == s.png);
  if (ok && type == XA_STRING) {
    // STRING is Latin-1: each byte is its own code point.
    out->clear();
    for (unsigned long i = 0; i < items; ++i) {
      const unsigned char c = data[i];
      if (c < 0x80) {
        out->push_back(static_cast<char>(c));
      } else {
        out->push_back(static_cast<char>(0xC0 | (c >> 6)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
  } else if (ok) {
    out->assign(reinterpret_cast<const char*>(data), items);
  }
  if (data != nullptr) XFree(data);
  return ok;
}

}  // namespace

void X11Clipboard::Run() {
  State& s = *st_;
  const int xfd = ConnectionNumber(s.dpy);
  Atom asked = None;  // the target we asked the current owner for
  Atom askedSelection = None;
  while (!stop_) {
    pollfd fds[2] = {{xfd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (XPending(s.dpy) > 0) fds[0].revents = POLLIN;  // already queued: do not sleep
    }
    if (fds[0].revents == 0 && poll(fds, 2, 1000) < 0) continue;
    if (stop_) break;
    struct Change {
      std::string bytes, mime, selection;
    };
    std::vector<Change> changes;
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (XPending(s.dpy) > 0) {
        XEvent ev;
        XNextEvent(s.dpy, &ev);
        if (ev.type == SelectionRequest) {
          Serve(s, ev.xselectionrequest);
        } else if (ev.type == SelectionClear) {
          if (ev.xselectionclear.selection == s.clipboard) s.owning = false;
        } else if (ev.type == s.fixesEvent + XFixesSelectionNotify) {
          const auto& n = reinterpret_cast<const XFixesSelectionNotifyEvent&>(ev);
          if (n.owner == s.win || n.owner == None) continue;  // our own Set, or nobody owns it now
          // Only CLIPBOARD changes are sent on (PRIMARY changes with every mouse selection).
          if (n.selection != s.clipboard) continue;
          // First what the owner offers, then the best of those we take.
          asked = s.targets;
          askedSelection = n.selection;
          XConvertSelection(s.dpy, n.selection, s.targets, s.incoming, s.win, n.selection_timestamp);
          XFlush(s.dpy);
        } else if (ev.type == SelectionNotify && ev.xselection.requestor == s.win) {
          if (asked == s.targets) {
            // An owner without TARGETS (old clients) is asked for text as before.
            const Atom pick = ev.xselection.property == None ? s.utf8 : PickTarget(s);
            asked = pick;
            if (pick != None) {
              XConvertSelection(s.dpy, askedSelection, pick, s.incoming, s.win, ev.xselection.time);
              XFlush(s.dpy);
            }
            continue;
          }
          if (ev.xselection.property == None) {
            // The owner refused UTF8_STRING: ask once more for STRING (Latin-1).
            if (asked == s.utf8) {
              asked = XA_STRING;
              XConvertSelection(s.dpy, askedSelection, XA_STRING, s.incoming, s.win, ev.xselection.time);
              XFlush(s.dpy);
            }
            continue;
          }
          std::string bytes;
          const bool image = asked == s.png;
          if (ReadIncoming(s, &bytes)) changes.push_back({std::move(bytes), image ? "image/png" : "text/plain", askedSelection == s.clipboard ? "clipboard" : "primary"});
          asked = None;
        }
      }
    }
    for (auto& c : changes) s.onChange(c.bytes, c.mime, c.selection);
  }
}

}  // namespace tandem
