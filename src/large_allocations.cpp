// The program's operator new: glibc's, plus transparent huge pages for mail-sized blocks.
//
// A deck arrives as a 5-26 MB literal, and every such block is a fresh mmap (run_loop.cpp
// sets M_MMAP_THRESHOLD so that it is given back when freed), first touched 4 KiB at a
// time, and a page fault costs ~2.5 us on the machines this runs on. Blocks of 4 MiB and
// more are therefore aligned to 2 MiB, rounded up to whole 2 MiB pages and advised
// MADV_HUGEPAGE (honoured when THP is "madvise", Debian's default, or "always"): 512
// times fewer faults. On 1,000 mails of the benchmark's mix, with the other two changes
// of that commit: 1,050,000 page faults -> 100,000, ingest 14.3 s -> 10.6 s. glibc's
// glibc.malloc.hugetlb=1 does much the same, but is read from the environment at start,
// which `run --once` from a timer or a shell does not set.
// Everything else is glibc's: malloc, and free in operator delete (but for the blocks
// kept, below).
#include "large_allocations.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <malloc.h>
#include <new>
#include <sys/mman.h>

#if !defined(__SANITIZE_ADDRESS__) // ASan brings its own operator new

namespace {

constexpr std::size_t k_huge_page = 2 * 1024 * 1024;
constexpr std::size_t k_large = 2 * k_huge_page; // run_loop.cpp's M_MMAP_THRESHOLD
// The size of every large block up to it (a deck is up to 26 MB), and of those kept.
constexpr std::size_t k_kept_block = 32 * 1024 * 1024;
// Two: while one mail is received into a block, the mail before it and what its recording
// reads whole each hold one, and the two are freed before the next mail comes. With one
// kept, the second was a fresh block for every deck: the kernel zeroed 1 GB of the 1.36 GB
// of a mixed pull as it arrived.
std::array<std::atomic<void*>, 2> g_kept{};

void advise_huge_pages(void* block, std::size_t size) {
  const auto begin = reinterpret_cast<std::uintptr_t>(block);
  const auto first = (begin + k_huge_page - 1) & ~(k_huge_page - 1);
  const auto last = (begin + size) & ~(k_huge_page - 1);
  if (last > first) // advice only: where the kernel declines, 4 KiB pages serve as before
    (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

// A large block starts on a huge page and fills whole ones, so that all of it can be
// backed by them (free() takes aligned_alloc's blocks). Up to k_kept_block, every large
// block is that big: only the pages a mail touches become resident, and any block freed
// can serve any large request after it.
void* fresh_block(std::size_t size) {
  if (size > SIZE_MAX - k_huge_page)
    return nullptr;
  const std::size_t rounded =
      size <= k_kept_block ? k_kept_block : (size + k_huge_page - 1) & ~(k_huge_page - 1);
  void* block = std::aligned_alloc(k_huge_page, rounded);
  if (block)
    advise_huge_pages(block, rounded);
  return block;
}

void* allocate(std::size_t size) {
  if (size < k_large)
    return std::malloc(size == 0 ? 1 : size);
  if (size <= k_kept_block)
    for (auto& slot : g_kept)
      if (void* kept = slot.exchange(nullptr))
        return kept;
  return fresh_block(size);
}

// Up to two freed blocks of those k_kept_block big are kept for the next large requests
// instead of being given back: their pages are resident already, where a fresh
// block's are zeroed by the kernel as the mail is received into it (16% of a mixed pull's
// CPU on the benchmark's VM). A block is made only when none is kept, so there are never
// more of them than were in use at once (a pull of 1,000 mixed mails peaked at 91 MB
// rather than 87); mailroom_release_kept_block() gives them back.
// `size`: the block's, when the caller says it (sized delete, as std::allocator's), so that
// the many small blocks go straight to free().
void release(void* block, std::size_t size = k_kept_block) {
  if (size < k_large || block == nullptr) {
    std::free(block);
    return;
  }
  const std::size_t usable = ::malloc_usable_size(block);
  if (usable >= k_kept_block && usable < k_kept_block + 2 * k_huge_page) {
    for (auto& slot : g_kept) {
      void* empty = nullptr;
      if (slot.compare_exchange_strong(empty, block))
        return;
    }
    std::free(g_kept.back().exchange(block));
    return;
  }
  std::free(block);
}

} // namespace

void* operator new(std::size_t size) {
  for (;;) {
    if (void* block = allocate(size))
      return block;
    const std::new_handler handler = std::get_new_handler();
    if (!handler)
      throw std::bad_alloc();
    handler();
  }
}

void* operator new[](std::size_t size) {
  return ::operator new(size);
}

void operator delete(void* block) noexcept {
  release(block);
}

void operator delete[](void* block) noexcept {
  release(block);
}

void operator delete(void* block, std::size_t size) noexcept {
  release(block, size);
}

void operator delete[](void* block, std::size_t size) noexcept {
  release(block, size);
}

extern "C" void mailroom_release_kept_block() noexcept {
  for (auto& slot : g_kept)
    std::free(slot.exchange(nullptr));
}

#else

extern "C" void mailroom_release_kept_block() noexcept {}

#endif
