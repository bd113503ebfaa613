// A growable byte buffer with a consumed prefix, used for query and reply buffers.
// Unlike std::string it can hand out uninitialised tail space to a reader (libuv's alloc_cb),
// and consuming from the front is O(1) until the next compaction.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace postbox {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  const char* data() const { return data_.get() + start_; }
  char* data() { return data_.get() + start_; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }
  size_t capacity() const { return cap_; }
  std::string_view view() const { return {data(), size()}; }

  void append(const char* p, size_t n) {
    reserve_tail(n);
    std::memcpy(data_.get() + end_, p, n);
    end_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  // Inserts at `pos` (from the front), moving what follows: for reply headers whose count is
  // only known after the elements are written.
  void insert(size_t pos, std::string_view s) {
    reserve_tail(s.size());
    char* at = data() + pos;
    std::memmove(at + s.size(), at, size() - pos);
    std::memcpy(at, s.data(), s.size());
    end_ += s.size();
  }
  void push_back(char c) {
    reserve_tail(1);
    data_[end_++] = c;
  }

  // Space for at least n more bytes after the content; returns where it starts.
  char* reserve_tail(size_t n) {
    if (cap_ - end_ < n) grow(n);
    return data_.get() + end_;
  }
  size_t tail_room() const { return cap_ - end_; }
  void commit_tail(size_t n) { end_ += n; }

  void consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }
  void clear() { start_ = end_ = 0; }
  void truncate(size_t new_size) { end_ = start_ + new_size; }

  // Gives memory back after a burst (a huge pipeline or bulk) once the buffer is idle.
  void shrink_if_idle(size_t keep) {
    if (empty() && cap_ > keep) {
      data_.reset();
      cap_ = start_ = end_ = 0;
    }
  }

 private:
  void grow(size_t n) {
    size_t len = size();
    if (start_ > 0 && cap_ - len >= n && start_ >= len) {
      std::memmove(data_.get(), data(), len);  // reuse the consumed prefix instead of growing
      start_ = 0;
      end_ = len;
      return;
    }
    size_t want = len + n;
    size_t cap = cap_ ? cap_ : 1024;
    while (cap < want) cap = cap < (64u << 20) ? cap * 2 : cap + (64u << 20);
    std::unique_ptr<char[]> fresh(new char[cap]);
    if (len) std::memcpy(fresh.get(), data(), len);
    data_ = std::move(fresh);
    cap_ = cap;
    start_ = 0;
    end_ = len;
  }

  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

}  // namespace postbox
