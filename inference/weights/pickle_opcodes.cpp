#include "inference/weights/pickle_opcodes.h"

namespace tha4::pickle {

std::string opcode_name(std::uint8_t code) {
  switch (code) {
    case op::kProto: return "PROTO";
    case op::kGlobal: return "GLOBAL";
    case op::kReduce: return "REDUCE";
    case op::kMark: return "MARK";
    case op::kTuple: return "TUPLE";
    case op::kTuple1: return "TUPLE1";
    case op::kTuple2: return "TUPLE2";
    case op::kTuple3: return "TUPLE3";
    case op::kEmptyTuple: return "EMPTY_TUPLE";
    case op::kBinUnicode: return "BINUNICODE";
    case op::kBinInt1: return "BININT1";
    case op::kBinInt2: return "BININT2";
    case op::kBinInt: return "BININT";
    case op::kBinPersId: return "BINPERSID";
    case op::kBinPut: return "BINPUT";
    case op::kLongBinPut: return "LONG_BINPUT";
    case op::kBinGet: return "BINGET";
    case op::kLongBinGet: return "LONG_BINGET";
    case op::kNewFalse: return "NEWFALSE";
    case op::kNewTrue: return "NEWTRUE";
    case op::kNone: return "NONE";
    case op::kEmptyDict: return "EMPTY_DICT";
    case op::kEmptyList: return "EMPTY_LIST";
    case op::kAppend: return "APPEND";
    case op::kAppends: return "APPENDS";
    case op::kSetItem: return "SETITEM";
    case op::kSetItems: return "SETITEMS";
    case op::kBuild: return "BUILD";
    case op::kStop: return "STOP";
    default: {
      static const char* const kHex = "0123456789abcdef";
      return std::string("opcode 0x") + kHex[code >> 4] + kHex[code & 15];
    }
  }
}

}  // namespace tha4::pickle
