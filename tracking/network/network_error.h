#pragma once
// A tracker cannot use the network: a port already taken, an address that is not IPv4, ...

#include "inference/util/errors.h"

namespace tha4::tracking {

class NetworkError : public Error {
 public:
  using Error::Error;
};

}  // namespace tha4::tracking
