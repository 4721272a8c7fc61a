#include "inference/weights/pickle_reader.h"

#include "inference/util/utf8.h"
#include "inference/weights/pickle_opcodes.h"

#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>

namespace tha4 {
namespace {

namespace op = pickle::op;
using pickle::opcode_name;

// Limits far above what a state dict needs (the largest golden data.pkl is 58 KB and builds fewer than 20,000 objects)
// and far below what could exhaust memory or the call stack.
constexpr std::size_t kMaxPickleBytes = std::size_t{64} << 20;
constexpr std::size_t kMaxStackSize = 1 << 18;
constexpr std::size_t kMaxMarkDepth = 64;
constexpr std::size_t kMaxMemoEntries = 1 << 18;
constexpr std::size_t kMaxStringBytes = 1 << 16;
constexpr std::size_t kMaxGlobalLineBytes = 256;
// Strings, tuples (plus one per item), dicts, dict entries, storages and tensors built, in total. Every opcode
// costs at least one byte, but an object costs tens of bytes, so this (not the file size) bounds the memory.
constexpr std::size_t kMaxObjects = 1 << 20;
constexpr std::size_t kMaxStorageKeyBytes = 64;
constexpr std::size_t kMaxTensorRank = 8;
// Nested tuples are destroyed recursively, so their depth is bounded to keep the call stack small.
constexpr int kMaxTupleDepth = 16;

// The callables the subset may name with GLOBAL.
enum class Callable { kOrderedDict, kRebuildTensorV2, kStorageClass };
struct GlobalRef {
  Callable callable;
  c10::ScalarType dtype;  // for kStorageClass
};

std::optional<GlobalRef> resolve_global(const std::string& module, const std::string& name) {
  if (module == "collections" && name == "OrderedDict") return GlobalRef{Callable::kOrderedDict, {}};
  if (module == "torch._utils" && name == "_rebuild_tensor_v2") return GlobalRef{Callable::kRebuildTensorV2, {}};
  if (module != "torch") return std::nullopt;
  static const std::pair<const char*, c10::ScalarType> kStorages[] = {
      {"FloatStorage", c10::ScalarType::Float}, {"DoubleStorage", c10::ScalarType::Double},
      {"HalfStorage", c10::ScalarType::Half},   {"BFloat16Storage", c10::ScalarType::BFloat16},
      {"LongStorage", c10::ScalarType::Long},   {"IntStorage", c10::ScalarType::Int},
      {"ShortStorage", c10::ScalarType::Short}, {"CharStorage", c10::ScalarType::Char},
      {"ByteStorage", c10::ScalarType::Byte},   {"BoolStorage", c10::ScalarType::Bool},
  };
  for (const auto& [storage_name, dtype] : kStorages) {
    if (name == storage_name) return GlobalRef{Callable::kStorageClass, dtype};
  }
  return std::nullopt;
}

struct Value;
struct Tuple {
  std::vector<Value> items;
  int depth = 1;
};
// Dicts are mutable and may be referenced from the memo, so they live in the interpreter's arena and values
// refer to them by index (which also rules out reference cycles).
struct DictRef {
  std::size_t index;
};
// Lists (a pose dataset saved as a list of tensors) are mutable too and live in their own arena.
struct ListRef {
  std::size_t index;
};
struct NoneValue {};

// Immutable values are shared, never copied: BINGET of a large string or tuple costs nothing.
struct Value {
  std::variant<NoneValue, bool, std::int64_t, std::shared_ptr<const std::string>, std::shared_ptr<const Tuple>, DictRef,
               ListRef, GlobalRef, std::shared_ptr<const PickledStorage>, std::shared_ptr<const PickledTensor>>
      data;

  template <typename T>
  const T* get() const {
    return std::get_if<T>(&data);
  }
  int depth() const {
    const auto* tuple = get<std::shared_ptr<const Tuple>>();
    return tuple ? (*tuple)->depth : 0;
  }
};

struct Dict {
  bool ordered = false;  // a collections.OrderedDict (may receive BUILD) rather than a plain dict
  std::vector<std::pair<std::string, Value>> entries;
  std::unordered_set<std::string> keys;
};

std::string format_ints(const std::vector<std::int64_t>& values) {
  std::string text = "(";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + ")";
}

class Unpickler {
 public:
  Unpickler(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  PickledTensors run() {
    if (size_ == 0) throw PickleError("data.pkl is empty");
    if (size_ > kMaxPickleBytes) {
      throw PickleError("data.pkl is " + std::to_string(size_) + " bytes, more than a state dict needs (at most " +
                        std::to_string(kMaxPickleBytes) + ")");
    }
    if (data_[0] != op::kProto) throw PickleError("data.pkl does not start with a pickle PROTO opcode");
    while (pos_ < size_) {
      op_pos_ = pos_;
      opcode_ = read_u8();
      if (execute()) return result();
    }
    throw PickleError("data ends at byte " + std::to_string(size_) + " without a STOP opcode (truncated?)");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw PickleError(opcode_name(opcode_) + " at byte " + std::to_string(op_pos_) + ": " + what);
  }

  // ---- reading the opcode arguments ----
  void need(std::size_t count) const {
    if (size_ - pos_ < count) fail("argument runs past the end of the data (truncated?)");
  }
  std::uint8_t read_u8() {
    need(1);
    return data_[pos_++];
  }
  std::uint32_t read_le(std::size_t count) {
    need(count);
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < count; ++i) value |= std::uint32_t{data_[pos_ + i]} << (8 * i);
    pos_ += count;
    return value;
  }
  std::string read_bytes(std::size_t count) {
    need(count);
    std::string bytes(reinterpret_cast<const char*>(data_ + pos_), count);
    pos_ += count;
    return bytes;
  }
  std::string read_line() {
    const std::size_t limit = std::min(size_ - pos_, kMaxGlobalLineBytes + 1);
    const auto* begin = data_ + pos_;
    const auto* newline = static_cast<const std::uint8_t*>(std::memchr(begin, '\n', limit));
    if (!newline) fail("unterminated or overlong name");
    std::string line(reinterpret_cast<const char*>(begin), static_cast<std::size_t>(newline - begin));
    pos_ += line.size() + 1;
    return line;
  }

  // ---- the stack; a MARK hides everything below it, as in CPython's metastack ----
  std::size_t frame_base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value value) {
    if (stack_.size() >= kMaxStackSize) fail("stack exceeds " + std::to_string(kMaxStackSize) + " entries");
    stack_.push_back(std::move(value));
  }
  Value pop() {
    if (stack_.size() <= frame_base()) fail("stack underflow");
    Value value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  const Value& top() const {
    if (stack_.size() <= frame_base()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<Value> pop_to_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const auto base = static_cast<std::ptrdiff_t>(marks_.back());
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + base), std::make_move_iterator(stack_.end()));
    stack_.resize(static_cast<std::size_t>(base));
    return items;
  }

  // ---- typed access ----
  const std::string& as_string(const Value& value, const char* what) const {
    const auto* text = value.get<std::shared_ptr<const std::string>>();
    if (!text) fail(std::string(what) + " is not a string");
    return **text;
  }
  std::int64_t as_int(const Value& value, const char* what) const {
    const auto* number = value.get<std::int64_t>();
    if (!number) fail(std::string(what) + " is not an integer");
    return *number;
  }
  const std::vector<Value>& as_tuple(const Value& value, const char* what) const {
    const auto* tuple = value.get<std::shared_ptr<const Tuple>>();
    if (!tuple) fail(std::string(what) + " is not a tuple");
    return (*tuple)->items;
  }
  Dict& as_dict(const Value& value, const char* what) {
    const auto* ref = value.get<DictRef>();
    if (!ref) fail(std::string(what) + " is not a dict");
    return dicts_[ref->index];
  }
  std::vector<std::int64_t> as_int_tuple(const Value& value, const char* what) const {
    const auto& items = as_tuple(value, what);
    if (items.size() > kMaxTensorRank) {
      fail(std::string(what) + " has " + std::to_string(items.size()) + " dimensions (at most " +
           std::to_string(kMaxTensorRank) + " supported)");
    }
    std::vector<std::int64_t> numbers;
    for (const auto& item : items) {
      numbers.push_back(as_int(item, what));
      if (numbers.back() < 0) fail(std::string(what) + " " + format_ints(numbers) + "... has a negative entry");
    }
    return numbers;
  }

  // ---- building values ----
  void charge(std::size_t objects) {
    objects_ += objects;
    if (objects_ > kMaxObjects) fail("more than " + std::to_string(kMaxObjects) + " objects: not a state dict");
  }
  Value make_string(std::string text) {
    charge(1);
    if (!is_valid_utf8(text)) fail("string is not valid UTF-8");
    return Value{std::make_shared<const std::string>(std::move(text))};
  }
  Value make_tuple(std::vector<Value> items) {
    charge(1 + items.size());
    auto tuple = std::make_shared<Tuple>();
    for (const auto& item : items) tuple->depth = std::max(tuple->depth, item.depth() + 1);
    if (tuple->depth > kMaxTupleDepth) fail("tuples nested deeper than " + std::to_string(kMaxTupleDepth));
    tuple->items = std::move(items);
    return Value{std::shared_ptr<const Tuple>(std::move(tuple))};
  }
  Value make_dict(bool ordered) {
    charge(1);
    dicts_.emplace_back();
    dicts_.back().ordered = ordered;
    return Value{DictRef{dicts_.size() - 1}};
  }
  Value make_list() {
    charge(1);
    lists_.emplace_back();
    return Value{ListRef{lists_.size() - 1}};
  }
  std::vector<Value>& as_list(const Value& value, const char* what) {
    const auto* ref = value.get<ListRef>();
    if (!ref) fail(std::string(what) + " is not a list");
    return lists_[ref->index];
  }
  // Lists hold tensors only (a list of lists could nest without bound).
  void append(std::vector<Value>& list, Value value) {
    if (!value.get<std::shared_ptr<const PickledTensor>>()) fail("list item is not a tensor");
    charge(1);
    list.push_back(std::move(value));
  }
  void set_item(Dict& dict, const Value& key, Value value) {
    const std::string& name = as_string(key, "dict key");
    charge(1);
    if (!dict.keys.insert(name).second) fail("duplicate dict key '" + name + "'");
    dict.entries.emplace_back(name, std::move(value));
  }

  // ---- opcodes; returns true on STOP ----
  bool execute() {
    switch (opcode_) {
      case op::kProto: proto(); break;
      case op::kGlobal: global(); break;
      case op::kReduce: reduce(); break;
      case op::kMark: mark(); break;
      case op::kTuple: push(make_tuple(pop_to_mark())); break;
      case op::kTuple1: tuple_of(1); break;
      case op::kTuple2: tuple_of(2); break;
      case op::kTuple3: tuple_of(3); break;
      case op::kEmptyTuple: push(make_tuple({})); break;
      case op::kBinUnicode: bin_unicode(); break;
      case op::kBinInt1: push(Value{std::int64_t{read_u8()}}); break;
      case op::kBinInt2: push(Value{std::int64_t{read_le(2)}}); break;
      case op::kBinInt: push(Value{std::int64_t{static_cast<std::int32_t>(read_le(4))}}); break;
      case op::kBinPersId: push(persistent_load(pop())); break;
      case op::kBinPut: memo_put(read_u8()); break;
      case op::kLongBinPut: memo_put(read_le(4)); break;
      case op::kBinGet: memo_get(read_u8()); break;
      case op::kLongBinGet: memo_get(read_le(4)); break;
      case op::kNewFalse: push(Value{false}); break;
      case op::kNewTrue: push(Value{true}); break;
      case op::kNone: push(Value{NoneValue{}}); break;
      case op::kEmptyDict: push(make_dict(false)); break;
      case op::kEmptyList: push(make_list()); break;
      case op::kAppend: append_op(); break;
      case op::kAppends: appends_op(); break;
      case op::kSetItem: set_item_op(); break;
      case op::kSetItems: set_items_op(); break;
      case op::kBuild: build(); break;
      case op::kStop: return true;
      default: fail("not in the supported pickle subset (is this a torch.save state dict?)");
    }
    return false;
  }

  void proto() {
    if (op_pos_ != 0) fail("PROTO is only allowed at the start");
    const auto version = read_u8();
    if (version != 2) fail("pickle protocol " + std::to_string(version) + " (only protocol 2 is supported)");
  }
  void global() {
    const std::string module = read_line();
    const std::string name = read_line();
    const auto ref = resolve_global(module, name);
    if (!ref) fail("unsupported global '" + module + "." + name + "'");
    push(Value{*ref});
  }
  void mark() {
    if (marks_.size() >= kMaxMarkDepth) fail("MARKs nested deeper than " + std::to_string(kMaxMarkDepth));
    marks_.push_back(stack_.size());
  }
  void tuple_of(std::size_t count) {
    std::vector<Value> items(count);
    for (std::size_t i = count; i-- > 0;) items[i] = pop();
    push(make_tuple(std::move(items)));
  }
  void bin_unicode() {
    const std::uint32_t length = read_le(4);
    if (length > kMaxStringBytes) fail("string of " + std::to_string(length) + " bytes is too long");
    push(make_string(read_bytes(length)));
  }
  void memo_put(std::uint32_t index) {
    const Value& value = top();
    if (memo_.size() >= kMaxMemoEntries && memo_.count(index) == 0) fail("memo is full");
    memo_.insert_or_assign(index, value);
  }
  void memo_get(std::uint32_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) fail("memo index " + std::to_string(index) + " was never stored");
    push(found->second);
  }
  void set_item_op() {
    Value value = pop();
    const Value key = pop();
    set_item(as_dict(top(), "SETITEM target"), key, std::move(value));
  }
  void set_items_op() {
    std::vector<Value> items = pop_to_mark();
    if (items.size() % 2 != 0) fail("odd number of items (keys without values)");
    Dict& dict = as_dict(top(), "SETITEMS target");
    for (std::size_t i = 0; i < items.size(); i += 2) set_item(dict, items[i], std::move(items[i + 1]));
  }
  void append_op() {
    Value value = pop();
    append(as_list(top(), "APPEND target"), std::move(value));
  }
  void appends_op() {
    std::vector<Value> items = pop_to_mark();
    std::vector<Value>& list = as_list(top(), "APPENDS target");
    for (auto& item : items) append(list, std::move(item));
  }
  // torch.save gives the state dict's OrderedDict a `_metadata` attribute: BUILD with a {"_metadata": ...}
  // state. It carries only module versions, which we do not need.
  void build() {
    const Value state = pop();
    as_dict(state, "BUILD state");
    if (!as_dict(top(), "BUILD target").ordered) fail("BUILD target is a plain dict, not an OrderedDict");
  }

  // ('storage', torch.<Type>Storage, key, location, numel)
  Value persistent_load(const Value& pid) {
    const auto& fields = as_tuple(pid, "persistent id");
    if (fields.size() != 5) fail("persistent id has " + std::to_string(fields.size()) + " fields, expected 5");
    if (as_string(fields[0], "persistent id tag") != "storage") fail("persistent id is not a 'storage'");
    const auto* type = fields[1].get<GlobalRef>();
    if (!type || type->callable != Callable::kStorageClass) fail("persistent id does not name a storage class");
    charge(1);
    auto storage = std::make_shared<PickledStorage>();
    storage->dtype = type->dtype;
    storage->key = as_string(fields[2], "storage key");
    storage->location = as_string(fields[3], "storage location");
    storage->numel = as_int(fields[4], "storage size");
    check_storage_key(storage->key);
    if (storage->numel < 0) fail("storage '" + storage->key + "' has a negative size");
    return Value{std::shared_ptr<const PickledStorage>(std::move(storage))};
  }
  // The key names a zip record ("data/<key>"), so it must be a plain name.
  void check_storage_key(const std::string& key) const {
    const bool plain =
        !key.empty() && key.size() <= kMaxStorageKeyBytes &&
        key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos;
    if (!plain) fail("storage key '" + key + "' is not a plain record name");
  }

  void reduce() {
    const Value args = pop();
    const Value callable = pop();
    const auto* ref = callable.get<GlobalRef>();
    if (!ref) fail("REDUCE callable is not a supported global");
    const auto& arguments = as_tuple(args, "REDUCE arguments");
    switch (ref->callable) {
      case Callable::kOrderedDict:
        if (!arguments.empty()) fail("OrderedDict called with arguments");
        push(make_dict(true));
        return;
      case Callable::kRebuildTensorV2: push(rebuild_tensor(arguments)); return;
      case Callable::kStorageClass: break;
    }
    fail("a storage class cannot be called");
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
  Value rebuild_tensor(const std::vector<Value>& args) {
    if (args.size() != 6) fail("_rebuild_tensor_v2 takes 6 arguments here, got " + std::to_string(args.size()));
    const auto* storage = args[0].get<std::shared_ptr<const PickledStorage>>();
    if (!storage) fail("_rebuild_tensor_v2 argument 0 is not a storage");
    charge(1);
    auto tensor = std::make_shared<PickledTensor>();
    tensor->storage = **storage;
    tensor->storage_offset = as_int(args[1], "storage offset");
    tensor->sizes = as_int_tuple(args[2], "tensor size");
    tensor->strides = as_int_tuple(args[3], "tensor stride");
    if (!args[4].get<bool>()) fail("requires_grad is not a bool");
    if (!as_dict(args[5], "backward hooks").entries.empty()) fail("tensor has backward hooks");
    check_tensor_bounds(*tensor);
    return Value{std::shared_ptr<const PickledTensor>(std::move(tensor))};
  }

  // Every element the view can address must lie inside the storage: offset + Σ (size−1)·stride < numel.
  void check_tensor_bounds(const PickledTensor& tensor) const {
    const std::string shape = "size " + format_ints(tensor.sizes) + " stride " + format_ints(tensor.strides) +
                              " offset " + std::to_string(tensor.storage_offset);
    if (tensor.sizes.size() != tensor.strides.size()) fail("tensor " + shape + ": size and stride ranks differ");
    if (tensor.storage_offset < 0) fail("tensor " + shape + ": negative storage offset");
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t numel = 1;
    std::int64_t last = tensor.storage_offset;  // index of the last addressed element
    for (std::size_t d = 0; d < tensor.sizes.size(); ++d) {
      const std::int64_t size = tensor.sizes[d];
      const std::int64_t stride = tensor.strides[d];
      if (size != 0 && numel > kMax / size) fail("tensor " + shape + ": element count overflows");
      numel *= size;
      // size and stride come from BININT, so each is < 2^31 and (size − 1)·stride cannot overflow.
      const std::int64_t reach = size == 0 ? 0 : (size - 1) * stride;
      if (last > kMax - reach) fail("tensor " + shape + ": extent overflows");
      last += reach;
    }
    const std::int64_t available = tensor.storage.numel;
    const bool inside = numel == 0 ? tensor.storage_offset <= available : last < available;
    if (!inside) {
      fail("tensor " + shape + " reaches outside its storage '" + tensor.storage.key + "' of " +
           std::to_string(available) + " elements");
    }
  }

  PickledTensors result() {
    if (pos_ != size_) fail(std::to_string(size_ - pos_) + " unexpected bytes after STOP");
    const Value value = pop();
    if (stack_.size() != 0 || !marks_.empty()) fail("values left on the stack at STOP");
    PickledTensors result;
    if (value.get<DictRef>()) {
      result.top_level = PickleTopLevel::kDict;
      const Dict& dict = as_dict(value, "the pickled object");
      for (const auto& [name, entry] : dict.entries)
        result.tensors.push_back(tensor_item(entry, "value of key '" + name + "'", name));
    } else if (value.get<std::shared_ptr<const PickledTensor>>()) {
      result.top_level = PickleTopLevel::kTensor;
      result.tensors.push_back(tensor_item(value, "the pickled object", "0"));
    } else if (value.get<std::shared_ptr<const Tuple>>() || value.get<ListRef>()) {
      result.top_level = PickleTopLevel::kSequence;
      const std::vector<Value>& items =
          value.get<ListRef>() ? lists_[value.get<ListRef>()->index] : as_tuple(value, "the pickled object");
      for (std::size_t i = 0; i < items.size(); ++i) {
        result.tensors.push_back(tensor_item(items[i], "item " + std::to_string(i), std::to_string(i)));
      }
    } else {
      fail("the pickled object is not a dict, a tensor, or a tuple or list of tensors");
    }
    return result;
  }

  PickledTensor tensor_item(const Value& value, const std::string& what, const std::string& name) const {
    const auto* tensor = value.get<std::shared_ptr<const PickledTensor>>();
    if (!tensor) fail(what + " is not a tensor");
    PickledTensor item = **tensor;
    item.name = name;
    return item;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  std::uint8_t opcode_ = 0;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint32_t, Value> memo_;
  std::vector<Dict> dicts_;
  std::vector<std::vector<Value>> lists_;
  std::size_t objects_ = 0;
};

}  // namespace

PickledTensors parse_tensor_pickle(const std::uint8_t* data, std::size_t size) { return Unpickler(data, size).run(); }

std::vector<PickledTensor> parse_tensor_dict_pickle(const std::uint8_t* data, std::size_t size) {
  PickledTensors parsed = parse_tensor_pickle(data, size);
  if (parsed.top_level != PickleTopLevel::kDict) throw PickleError("the pickled object is not a dict of tensors");
  return std::move(parsed.tensors);
}

}  // namespace tha4
