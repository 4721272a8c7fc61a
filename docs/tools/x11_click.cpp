// x11_click: clicks (or double-clicks) at a point of an X11 display through the XTEST extension, to open
// OBS's dialogs for documentation screenshots on Xvfb. A documentation helper, not part of the product.
// XTest's two functions are declared here because Debian's runtime libXtst.so.6 comes without its headers.
//
//   g++ -std=c++17 -O2 docs/tools/x11_click.cpp -o x11_click -lX11 -l:libXtst.so.6
//   DISPLAY=:77 ./x11_click X Y [--double]
#include <X11/Xlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

extern "C" {
int XTestFakeMotionEvent(Display* display, int screen, int x, int y, unsigned long delay);
int XTestFakeButtonEvent(Display* display, unsigned int button, Bool is_press, unsigned long delay);
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s X Y [--double]\n", argv[0]);
    return 2;
  }
  Display* display = XOpenDisplay(nullptr);
  if (!display) {
    std::fprintf(stderr, "cannot open the display\n");
    return 1;
  }
  const int x = std::atoi(argv[1]), y = std::atoi(argv[2]);
  const int clicks = argc > 3 && std::strcmp(argv[3], "--double") == 0 ? 2 : 1;
  XTestFakeMotionEvent(display, -1, x, y, 0);
  XFlush(display);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < clicks; ++i) {
    XTestFakeButtonEvent(display, 1, True, 0);
    XTestFakeButtonEvent(display, 1, False, 0);
    XFlush(display);
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
  }
  XCloseDisplay(display);
  return 0;
}
