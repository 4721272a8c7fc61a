// x11_screenshot: saves an X11 screen (e.g. an Xvfb display) as a PNG: XGetImage on the root window,
// optionally cropped to the largest mapped top-level window (the OBS main window when no window manager
// runs), optionally scaled. A documentation helper (docs/obs_screenshot.png), not part of the product.
//
//   g++ -std=c++17 -O2 docs/tools/x11_screenshot.cpp -o x11_screenshot -lX11 $(pkg-config --cflags --libs opencv4)
//   DISPLAY=:77 ./x11_screenshot [--crop-largest-window | --crop-window-named TEXT] [--scale 0.75] out.png
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string out;
  bool crop = false;
  std::string named;  // crop to the top-level window whose title holds this
  double scale = 1.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--crop-largest-window")
      crop = true;
    else if (arg == "--crop-window-named" && i + 1 < argc)
      crop = true, named = argv[++i];
    else if (arg == "--scale" && i + 1 < argc)
      scale = std::atof(argv[++i]);
    else if (!arg.empty() && arg[0] != '-')
      out = arg;
    else {
      std::fprintf(stderr, "usage: %s [--crop-largest-window | --crop-window-named TEXT] [--scale F] out.png\n",
                   argv[0]);
      return 2;
    }
  }
  if (out.empty() || !(scale > 0)) {
    std::fprintf(stderr, "usage: %s [--crop-largest-window] [--scale F] out.png\n", argv[0]);
    return 2;
  }
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) {
    std::fprintf(stderr, "cannot open display '%s'\n", std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "");
    return 1;
  }
  const Window root = DefaultRootWindow(dpy);
  XWindowAttributes root_attr{};
  XGetWindowAttributes(dpy, root, &root_attr);
  cv::Rect area(0, 0, root_attr.width, root_attr.height);

  if (crop) {  // the largest viewable top-level window, clipped to the screen
    Window root_ret = 0, parent = 0, *children = nullptr;
    unsigned count = 0;
    long best = 0;
    if (XQueryTree(dpy, root, &root_ret, &parent, &children, &count)) {
      for (unsigned i = 0; i < count; ++i) {
        XWindowAttributes a{};
        if (!XGetWindowAttributes(dpy, children[i], &a) || a.map_state != IsViewable || a.c_class != InputOutput)
          continue;
        const cv::Rect r = cv::Rect(a.x, a.y, a.width, a.height) & cv::Rect(0, 0, root_attr.width, root_attr.height);
        if (!named.empty()) {
          char* title = nullptr;
          const bool match =
              XFetchName(dpy, children[i], &title) && title && std::string(title).find(named) != std::string::npos;
          if (title) XFree(title);
          if (match) area = r, best = r.area();
          continue;
        }
        if (static_cast<long>(r.area()) > best && r.area() < static_cast<long>(root_attr.width) * root_attr.height) {
          best = r.area();
          area = r;
        }
      }
      if (children) XFree(children);
    }
    std::printf("crop: %dx%d+%d+%d\n", area.width, area.height, area.x, area.y);
  }

  XImage* image = XGetImage(dpy, root, area.x, area.y, area.width, area.height, AllPlanes, ZPixmap);
  if (!image) {
    std::fprintf(stderr, "XGetImage failed\n");
    return 1;
  }
  cv::Mat bgr(area.height, area.width, CV_8UC3);
  const unsigned long rmask = image->red_mask, gmask = image->green_mask, bmask = image->blue_mask;
  auto shift_of = [](unsigned long mask) {
    int s = 0;
    while (mask && !(mask & 1)) mask >>= 1, ++s;
    return s;
  };
  const int rs = shift_of(rmask), gs = shift_of(gmask), bs = shift_of(bmask);
  for (int y = 0; y < area.height; ++y) {
    auto* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < area.width; ++x) {
      const unsigned long p = XGetPixel(image, x, y);
      row[x] = cv::Vec3b(static_cast<unsigned char>((p & bmask) >> bs), static_cast<unsigned char>((p & gmask) >> gs),
                         static_cast<unsigned char>((p & rmask) >> rs));
    }
  }
  XDestroyImage(image);
  XCloseDisplay(dpy);
  if (scale != 1.0) cv::resize(bgr, bgr, cv::Size(), scale, scale, cv::INTER_AREA);
  if (!cv::imwrite(out, bgr, {cv::IMWRITE_PNG_COMPRESSION, 9})) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    return 1;
  }
  std::printf("wrote %s (%dx%d)\n", out.c_str(), bgr.cols, bgr.rows);
  return 0;
}
