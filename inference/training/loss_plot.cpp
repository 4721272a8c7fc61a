#include "inference/training/loss_plot.h"

#include "inference/util/errors.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tha4::training {
namespace {

// Columns that are not loss terms.
bool is_term(const std::string& column) { return column != "examples" && column != "lr" && column != "seconds"; }

const cv::Scalar kPalette[] = {{180, 119, 31},  {14, 127, 255}, {44, 160, 44},   {40, 39, 214},
                               {189, 103, 148}, {75, 86, 140},  {194, 119, 227}, {34, 189, 188}};  // BGR

std::vector<double> moving_average(const std::vector<double>& values, std::size_t window) {
  std::vector<double> smooth(values.size());
  double sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    smooth[i] = sum / static_cast<double>(std::min(i + 1, window));
  }
  return smooth;
}

std::string label(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

void draw_panel(cv::Mat& canvas, const cv::Rect& area, const LossCurves& run) {
  const LossTable& table = run.table;
  const std::size_t x_column = table.column("examples");
  std::vector<std::size_t> terms;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (is_term(table.columns[c])) terms.push_back(c);
  }
  const cv::Rect plot(area.x + 80, area.y + 36, area.width - 300, area.height - 80);  // room for the legend
  cv::rectangle(canvas, plot, cv::Scalar(200, 200, 200));
  cv::putText(canvas, run.title, {area.x + 80, area.y + 24}, cv::FONT_HERSHEY_SIMPLEX, 0.7, {0, 0, 0}, 2, cv::LINE_AA);

  double x_min = table.rows.front()[x_column], x_max = table.rows.back()[x_column];
  if (x_max <= x_min) x_max = x_min + 1;
  double y_min = INFINITY, y_max = -INFINITY;
  for (const auto& row : table.rows) {
    for (const std::size_t c : terms) {
      if (row[c] > 0 && std::isfinite(row[c])) {
        y_min = std::min(y_min, row[c]);
        y_max = std::max(y_max, row[c]);
      }
    }
  }
  if (!std::isfinite(y_min)) y_min = 1e-6, y_max = 1;
  double log_min = std::floor(std::log10(y_min) * 4) / 4, log_max = std::ceil(std::log10(y_max) * 4) / 4;
  if (log_max <= log_min) log_max = log_min + 1;
  auto to_point = [&](double x, double y) {
    const double fx = (x - x_min) / (x_max - x_min);
    const double fy = (std::log10(std::max(y, 1e-30)) - log_min) / (log_max - log_min);
    return cv::Point(plot.x + static_cast<int>(fx * plot.width),
                     plot.y + plot.height - static_cast<int>(std::clamp(fy, 0.0, 1.0) * plot.height));
  };

  // Axes: decades (or quarter decades) on y, five ticks on x.
  const double step = log_max - log_min > 2 ? 1.0 : 0.25;
  for (double l = log_min; l <= log_max + 1e-9; l += step) {
    const cv::Point p = to_point(x_min, std::pow(10.0, l));
    cv::line(canvas, {plot.x, p.y}, {plot.x + plot.width, p.y}, {235, 235, 235});
    cv::putText(canvas, label(std::pow(10.0, l)), {area.x + 8, p.y + 5}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {60, 60, 60}, 1,
                cv::LINE_AA);
  }
  for (int t = 0; t <= 4; ++t) {
    const double x = x_min + (x_max - x_min) * t / 4.0;
    const cv::Point p = to_point(x, std::pow(10.0, log_min));
    cv::putText(canvas, label(x), {p.x - 20, plot.y + plot.height + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {60, 60, 60}, 1,
                cv::LINE_AA);
  }
  cv::putText(canvas, "examples seen", {plot.x + plot.width / 2 - 50, plot.y + plot.height + 36},
              cv::FONT_HERSHEY_SIMPLEX, 0.45, {60, 60, 60}, 1, cv::LINE_AA);

  const std::size_t window = std::max<std::size_t>(1, table.rows.size() / 100);
  for (std::size_t k = 0; k < terms.size(); ++k) {
    const cv::Scalar colour = kPalette[k % (sizeof kPalette / sizeof kPalette[0])];
    const cv::Scalar faint = colour * 0.25 + cv::Scalar(255, 255, 255) * 0.75;
    // Only the rows that computed the term: a phase that leaves a term out logs nan for it.
    std::vector<double> values, xs;
    for (const auto& row : table.rows) {
      if (!std::isfinite(row[terms[k]])) continue;
      values.push_back(row[terms[k]]);
      xs.push_back(row[x_column]);
    }
    const std::vector<double> smooth = moving_average(values, window);
    std::vector<cv::Point> raw_points, smooth_points;
    for (std::size_t i = 0; i < values.size(); ++i) {
      raw_points.push_back(to_point(xs[i], values[i]));
      smooth_points.push_back(to_point(xs[i], smooth[i]));
    }
    if (window > 1 && !raw_points.empty()) cv::polylines(canvas, raw_points, false, faint, 1, cv::LINE_AA);
    if (!smooth_points.empty()) cv::polylines(canvas, smooth_points, false, colour, 2, cv::LINE_AA);
    const int legend_y = plot.y + 16 + 22 * static_cast<int>(k);
    cv::line(canvas, {plot.x + plot.width + 16, legend_y - 4}, {plot.x + plot.width + 40, legend_y - 4}, colour, 2);
    const std::string last = smooth.empty() ? "not computed" : label(smooth.back());
    cv::putText(canvas, table.columns[terms[k]] + "  " + last, {plot.x + plot.width + 46, legend_y},
                cv::FONT_HERSHEY_SIMPLEX, 0.45, {0, 0, 0}, 1, cv::LINE_AA);
  }
}

}  // namespace

Rgba8Image plot_loss_curves(const std::vector<LossCurves>& runs, int width, int panel_height) {
  if (runs.empty()) throw Error("no loss log to plot");
  for (const auto& run : runs) {
    if (run.table.rows.empty()) throw Error("the loss log of " + run.title + " has no rows yet");
  }
  cv::Mat canvas(panel_height * static_cast<int>(runs.size()), width, CV_8UC3, cv::Scalar(255, 255, 255));
  for (std::size_t i = 0; i < runs.size(); ++i) {
    draw_panel(canvas, cv::Rect(0, static_cast<int>(i) * panel_height, width, panel_height), runs[i]);
  }
  Rgba8Image image(canvas.cols, canvas.rows);
  for (int y = 0; y < canvas.rows; ++y) {
    const auto* row = canvas.ptr<cv::Vec3b>(y);
    for (int x = 0; x < canvas.cols; ++x) {
      std::uint8_t* px = image.at(x, y);
      px[0] = row[x][2];
      px[1] = row[x][1];
      px[2] = row[x][0];
      px[3] = 255;
    }
  }
  return image;
}

}  // namespace tha4::training
