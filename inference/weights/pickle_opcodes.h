#pragma once
// The pickle protocol-2 opcodes that torch.save's data.pkl uses (the subset pickle_reader.cpp interprets),
// and their names for error messages.

#include <cstdint>
#include <string>

namespace tha4::pickle {

namespace op {
constexpr std::uint8_t kProto = 0x80;
constexpr std::uint8_t kGlobal = 'c';
constexpr std::uint8_t kReduce = 'R';
constexpr std::uint8_t kMark = '(';
constexpr std::uint8_t kTuple = 't';
constexpr std::uint8_t kTuple1 = 0x85;
constexpr std::uint8_t kTuple2 = 0x86;
constexpr std::uint8_t kTuple3 = 0x87;
constexpr std::uint8_t kEmptyTuple = ')';
constexpr std::uint8_t kBinUnicode = 'X';
constexpr std::uint8_t kBinInt1 = 'K';
constexpr std::uint8_t kBinInt2 = 'M';
constexpr std::uint8_t kBinInt = 'J';
constexpr std::uint8_t kBinPersId = 'Q';
constexpr std::uint8_t kBinPut = 'q';
constexpr std::uint8_t kLongBinPut = 'r';
constexpr std::uint8_t kBinGet = 'h';
constexpr std::uint8_t kLongBinGet = 'j';
constexpr std::uint8_t kNewFalse = 0x89;
constexpr std::uint8_t kNewTrue = 0x88;
constexpr std::uint8_t kNone = 'N';
constexpr std::uint8_t kEmptyDict = '}';
constexpr std::uint8_t kEmptyList = ']';
constexpr std::uint8_t kAppend = 'a';
constexpr std::uint8_t kAppends = 'e';
constexpr std::uint8_t kSetItem = 's';
constexpr std::uint8_t kSetItems = 'u';
constexpr std::uint8_t kBuild = 'b';
constexpr std::uint8_t kStop = '.';
}  // namespace op

// "BINUNICODE", ..., or "opcode 0x4f" for one outside the subset.
std::string opcode_name(std::uint8_t code);

}  // namespace tha4::pickle
