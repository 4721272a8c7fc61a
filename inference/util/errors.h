#pragma once
// Error types of the inference library. Every failure a user can cause (a bad file, a bad pose, a bad
// image) is reported with one of these, with a message that says what is wrong and how to fix it.

#include <stdexcept>
#include <string>

namespace tha4 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A weight file is missing, unreadable, corrupt, or does not match the network it is loaded into.
class WeightFileError : public Error {
 public:
  using Error::Error;
};

// A character image cannot be used (unreadable, wrong size, no alpha channel, ...).
class ImageError : public Error {
 public:
  using Error::Error;
};

// A pose string or vector is malformed (unknown name, NaN, ...).
class PoseError : public Error {
 public:
  using Error::Error;
};

// A character model folder is missing or incomplete.
class CharacterModelError : public Error {
 public:
  using Error::Error;
};

// The full system's weight folder is missing or incomplete.
class FullSystemError : public Error {
 public:
  using Error::Error;
};

}  // namespace tha4
