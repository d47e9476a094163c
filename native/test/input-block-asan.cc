// ASan/UBSan check of native/src/input-block.cc against a real Xvfb; not part of the addon build.
//   Xvfb :81 -screen 0 800x600x24 -noreset -nolisten tcp &
//   g++ -std=c++17 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -Wall -Wextra -Werror
//       -Inative/src native/test/input-block-asan.cc native/src/input-block.cc -o /tmp/input-block-asan
//       -lX11 -lXi -lXtst -lpthread     (one line), then: /tmp/input-block-asan :81
// Twenty rounds of: block (twice), the emergency keys from a second device, block again, a device
// plugged in while blocked (first round), release (twice), stop while blocked or not, stop twice.
#include <X11/Xlib.h>
#include <X11/keysym.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include "input-block.h"
// Stands in for x11.cc's (XInitThreads and an error handler that never exits the process).
namespace tandem { void InstallXHandlers() { static bool once = [] { XInitThreads(); XSetErrorHandler([](Display*, XErrorEvent*) { return 0; }); return true; }(); (void)once; } }
using namespace tandem;
int main(int argc, char** argv) {
  const std::string d = argc > 1 ? argv[1] : ":81";
  std::atomic<int> emergencies{0}, grabbed{0};
  X11TestDevice dev(d, "customer");
  for (int round = 0; round < 20; ++round) {
    X11InputBlock b(d, [&](const std::string& k, const std::string&) { if (k == "released") ++emergencies; else ++grabbed; });
    auto st = b.Block();
    if (!st.blocked || st.devices.size() < 4) { std::printf("bad block %zu\n", st.devices.size()); return 1; }
    b.Block();
    for (int i = 0; i < 3; ++i) { dev.Key(XK_Escape, true); dev.Key(XK_Escape, false); }
    for (int i = 0; i < 100 && b.Current().blocked; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (b.Current().blocked) { std::printf("emergency did not release\n"); return 1; }
    b.Block();
    if (round == 0) { X11TestDevice late(d, "late"); for (int i = 0; i < 100 && grabbed < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10)); }
    b.Release();
    b.Release();
    if (round % 2 == 0) b.Block();  // stop while blocked
    b.Stop();
    b.Stop();
  }
  std::printf("ok emergencies=%d grabbed=%d\n", emergencies.load(), grabbed.load());
  return 0;
}
