//! The wasm build's memory allocator: power-of-two size classes with one free list each.
//!
//! Why not the default (dlmalloc): it is about 7.5 KB of the wasm, and its malloc/free are the most
//! frequent calls while a stream is read (a few small buffers per event). This one is a few hundred
//! bytes and O(1) both ways. Every block is naturally aligned to its size (so any alignment up to
//! the size holds); memory is only ever taken from the end of the heap, and the gap that aligning
//! a block leaves is cut into smaller aligned blocks for the free lists, so nothing is lost. A freed
//! block is reused for the same size class; with the doubling growth of `Vec`/`String` the memory
//! kept is at most about twice the peak in use, and reading a long stream stays flat.
//!
//! The logic is plain Rust over a [`Heap`] with a pluggable `grow` function, tested on the host.

use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Smallest block (and alignment of every block): 16 bytes.
const MIN_SHIFT: u32 = 4;
/// Blocks up to this size are aligned to their size; larger ones to this (a wasm page).
const BIG: usize = 65_536;
/// Size classes 2^4 ... 2^30.
const CLASSES: usize = 27;

/// Where a block starts. Pointers, not addresses: every block is derived from the memory `grow`
/// handed out, so the heap keeps its provenance (Miri checks it with `-Zmiri-strict-provenance`).
type Ptr = *mut u8;

/// The allocator state: free list heads and the untouched tail of the heap.
pub struct Heap {
    free: [Ptr; CLASSES],
    next: Ptr,
    end: Ptr,
}

impl Heap {
    /// An empty heap; the first allocation asks `grow` for memory.
    pub const fn new() -> Self {
        Heap {
            free: [null_mut(); CLASSES],
            next: null_mut(),
            end: null_mut(),
        }
    }

    /// The class of a request, or `None` when it is too large.
    fn class(size: usize, align: usize) -> Option<usize> {
        let need = size.max(align).max(1 << MIN_SHIFT);
        let shift = usize::BITS - (need - 1).leading_zeros();
        let class = shift.checked_sub(MIN_SHIFT)? as usize;
        (class < CLASSES).then_some(class)
    }

    /// Allocates a block of `size` bytes aligned to `align` (a power of two); null when out of
    /// memory.
    ///
    /// # Safety
    /// `grow(bytes)` must add at least `bytes` bytes at the end of the memory (none for 0) and
    /// return the old and the new end, both pointers into that memory (or `None`); the heap must
    /// only be used through these functions.
    pub unsafe fn alloc(
        &mut self,
        size: usize,
        align: usize,
        grow: impl Fn(usize) -> Option<(Ptr, Ptr)>,
    ) -> Ptr {
        let Some(class) = Self::class(size, align) else {
            return null_mut();
        };
        let Some(slot) = self.free.get_mut(class) else {
            return null_mut();
        };
        let head = *slot;
        if !head.is_null() {
            // SAFETY: a free block starts with the pointer to the next free block of its class.
            *slot = unsafe { head.cast::<Ptr>().read() };
            return head;
        }
        if self.next.is_null() {
            let Some((_, end)) = grow(0) else {
                return null_mut();
            };
            // The heap starts at the memory's end (never address 0: a wasm module's memory holds
            // at least its stack and data when the first allocation comes).
            self.next = end;
            self.end = end;
        }
        let block = 1usize << (class as u32 + MIN_SHIFT);
        let step = block.min(BIG);
        let next = self.next as usize;
        let Some(start) = next.checked_add(step - 1).map(|s| s & !(step - 1)) else {
            return null_mut();
        };
        let Some(stop) = start.checked_add(block) else {
            return null_mut();
        };
        let end = self.end as usize;
        if stop > end {
            let Some((old, new)) = grow(stop - end) else {
                return null_mut();
            };
            if old != self.end {
                // Someone else grew the memory: start again after their part.
                self.next = old;
                self.end = new;
                // SAFETY: as promised by the caller.
                return unsafe { self.alloc(size, align, grow) };
            }
            self.end = new;
        }
        // Cut the gap before `start` into naturally aligned blocks for the free lists.
        let mut p = next;
        while p < start {
            let piece = (p & p.wrapping_neg()).min(start - p);
            let piece = 1usize << (usize::BITS - 1 - piece.leading_zeros());
            if let Some(c) = Self::class(piece, 1) {
                if 1usize << (c as u32 + MIN_SHIFT) == piece {
                    // SAFETY: `p..p + piece` is unused heap memory.
                    unsafe { self.push(c, self.next.wrapping_add(p - next)) };
                }
            }
            p += piece;
        }
        let at = self.next.wrapping_add(start - next);
        self.next = at.wrapping_add(block);
        at
    }

    /// # Safety
    /// `p` must be an unused block of class `class`.
    unsafe fn push(&mut self, class: usize, p: Ptr) {
        if let Some(slot) = self.free.get_mut(class) {
            // SAFETY: the block is unused, at least 16 bytes and 16-byte aligned.
            unsafe { p.cast::<Ptr>().write(*slot) };
            *slot = p;
        }
    }

    /// Gives a block back.
    ///
    /// # Safety
    /// `p` must come from [`Heap::alloc`] with the same `size` and `align`, and not be used again.
    pub unsafe fn dealloc(&mut self, p: Ptr, size: usize, align: usize) {
        if let Some(class) = Self::class(size, align) {
            // SAFETY: as the caller promised.
            unsafe { self.push(class, p) };
        }
    }

    /// Grows the block at `p` (from `alloc` with `old` bytes and `align`) to hold `new` bytes
    /// where it is, when it is the last block of the heap (a buffer that keeps growing, like a
    /// stream's joined content, usually is): no copy, and no freed block left behind.
    ///
    /// # Safety
    /// As for [`Heap::alloc`] and [`Heap::dealloc`].
    pub unsafe fn grow_in_place(
        &mut self,
        p: Ptr,
        old: usize,
        new: usize,
        align: usize,
        grow: impl Fn(usize) -> Option<(Ptr, Ptr)>,
    ) -> bool {
        let (Some(a), Some(b)) = (Self::class(old, align), Self::class(new, align)) else {
            return false;
        };
        let old_block = 1usize << (a as u32 + MIN_SHIFT);
        let new_block = 1usize << (b as u32 + MIN_SHIFT);
        let at = p as usize;
        if at.checked_add(old_block) != Some(self.next as usize) || at % new_block.min(BIG) != 0 {
            return false;
        }
        let Some(stop) = at.checked_add(new_block) else {
            return false;
        };
        let end = self.end as usize;
        if stop > end {
            match grow(stop - end) {
                Some((old_end, new_end)) if old_end == self.end => self.end = new_end,
                _ => return false,
            }
        }
        self.next = p.wrapping_add(new_block);
        true
    }

    /// True when a block for (`old`, `align`) also holds `new` bytes.
    pub fn fits(old: usize, new: usize, align: usize) -> bool {
        Self::class(old, align) == Self::class(new, align)
    }
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

/// A [`Heap`] shared by a single-threaded program (wasm32 without threads).
pub struct SingleThreaded(pub UnsafeCell<Heap>);

// A wasm build with threads (shared memory, `+atomics`) would share this heap between threads:
// the build refuses instead of racing.
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "atomics",
    not(feature = "std")
))]
compile_error!("the npm wasm's allocator (src/heap.rs) is single-threaded: build without +atomics");

// SAFETY: only installed on wasm32 without atomics (see the compile_error! above), where there is
// one thread; elsewhere (host tests, the core inside another app) it is never shared.
#[cfg(not(target_feature = "atomics"))]
unsafe impl Sync for SingleThreaded {}

// Only the npm package's wasm installs it; an app that links the core keeps its own allocator.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod global {
    use super::{Heap, Ptr, SingleThreaded};
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    /// Grows the memory by `bytes` (`grow(0)`: the current end, nothing grown), and from 32 MiB on
    /// by at least an eighth of its size (at most 16 MiB more): each `memory.grow` makes the engine
    /// replace the memory's ArrayBuffer and count the new bytes, which can start a garbage
    /// collection, so growing to hundreds of MiB in small steps cost seconds when a thousand
    /// streams start at once (DESIGN.md). Below 32 MiB a small app's memory stays as small as it
    /// can be.
    fn grow(bytes: usize) -> Option<(Ptr, Ptr)> {
        let now = core::arch::wasm32::memory_size(0);
        // Linear memory addresses are the pointers of this module's one memory (an int-to-pointer
        // cast: exposed provenance, which is what a wasm address has).
        let at = |page: usize| (page * 65_536) as Ptr;
        if bytes == 0 {
            return Some((at(now), at(now)));
        }
        let step = if now < 512 { 0 } else { (now / 8).min(256) };
        let pages = bytes.div_ceil(65_536).max(step);
        let old = core::arch::wasm32::memory_grow(0, pages);
        (old != usize::MAX).then(|| (at(old), at(old + pages)))
    }

    unsafe impl GlobalAlloc for SingleThreaded {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            // SAFETY: one thread; `grow` appends pages to the end of the memory.
            unsafe { (*self.0.get()).alloc(l.size(), l.align(), grow) }
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            // SAFETY: as GlobalAlloc promises.
            unsafe { (*self.0.get()).dealloc(p, l.size(), l.align()) }
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            if Heap::fits(l.size(), new, l.align()) {
                return p;
            }
            // SAFETY: one thread; `p` came from this heap with layout `l`.
            if unsafe { (*self.0.get()).grow_in_place(p, l.size(), new, l.align(), grow) } {
                return p;
            }
            // SAFETY: as GlobalAlloc promises; the blocks do not overlap.
            unsafe {
                let q = self.alloc(Layout::from_size_align_unchecked(new, l.align()));
                if !q.is_null() {
                    core::ptr::copy_nonoverlapping(p, q, l.size().min(new));
                    self.dealloc(p, l);
                }
                q
            }
        }
    }

    #[global_allocator]
    static ALLOCATOR: SingleThreaded = SingleThreaded(UnsafeCell::new(Heap::new()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A fake linear memory: real memory (64 MiB + 64 KiB, 64 KiB aligned) handed out by pages,
    /// as pointers derived from the buffer (strict provenance holds under Miri).
    struct Mem {
        _buf: Vec<u64>,
        base: Ptr,
        used: Cell<usize>,
    }

    // Miri interprets every byte it zeroes: a smaller memory there.
    const LIMIT: usize = if cfg!(miri) { 12 << 20 } else { 64 << 20 };

    impl Mem {
        fn new() -> Self {
            Self::with_limit(LIMIT)
        }
        fn with_limit(limit: usize) -> Self {
            let mut buf = vec![0u64; (limit + 65_536) / 8];
            let start = buf.as_mut_ptr().cast::<u8>();
            let base = start.wrapping_add((65_536 - start as usize % 65_536) % 65_536);
            Mem {
                _buf: buf,
                base,
                used: Cell::new(0),
            }
        }
        fn grow(&self, bytes: usize, limit: usize) -> Option<(Ptr, Ptr)> {
            let old = self.used.get();
            let new = old + bytes.div_ceil(65_536) * 65_536;
            if new > limit {
                return None;
            }
            self.used.set(new);
            Some((self.base.wrapping_add(old), self.base.wrapping_add(new)))
        }
        fn len(&self) -> usize {
            self.used.get()
        }
        fn addr(&self) -> usize {
            self.base as usize
        }
    }

    /// The fake memory's grow function.
    fn grow(mem: &Mem) -> impl Fn(usize) -> Option<(Ptr, Ptr)> + '_ {
        |b| mem.grow(b, LIMIT)
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_reused() {
        let mem = Mem::new();
        let mut heap = Heap::new();
        let mut live: Vec<(Ptr, usize, usize)> = Vec::new();
        let mut seed = 12345u64;
        let rounds = if cfg!(miri) { 200 } else { 20_000 };
        for round in 0..rounds {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if live.len() > 40 || (seed % 3 == 0 && !live.is_empty()) {
                let (p, s, a) = live.swap_remove((seed as usize / 3) % live.len());
                let tag = unsafe { core::slice::from_raw_parts(p as *const u8, s) };
                assert!(
                    tag.iter().all(|&b| b == (p as usize % 251) as u8),
                    "block contents kept"
                );
                unsafe { heap.dealloc(p, s, a) };
                continue;
            }
            // Under Miri every byte written and checked is interpreted: smaller blocks there.
            let sizes: [usize; 8] = if cfg!(miri) {
                [1, 7, 16, 17, 100, 300, 1000, 20_000]
            } else {
                [1, 7, 16, 17, 100, 1000, 5000, 70_000]
            };
            let size = sizes[(seed >> 8) as usize % 8] + round % 5;
            let align = [1, 8, 16, 64, 4096][(seed >> 16) as usize % 5];
            let p = unsafe { heap.alloc(size, align, grow(&mem)) };
            assert!(!p.is_null());
            let at = p as usize;
            assert_eq!(at % align, 0, "alignment");
            assert!(
                at >= mem.addr() && at + size <= mem.addr() + mem.len(),
                "inside the heap"
            );
            for &(q, s, _) in &live {
                let q = q as usize;
                assert!(at + size <= q || q + s <= at, "overlap");
            }
            unsafe { core::ptr::write_bytes(p, (at % 251) as u8, size) };
            live.push((p, size, align));
        }
        // Flat: with at most 41 live blocks of at most ~128 KiB, the heap stays small.
        assert!(mem.len() < 8 << 20, "heap grew to {}", mem.len());
    }

    #[test]
    fn the_last_block_grows_where_it_is() {
        let mem = Mem::new();
        let mut heap = Heap::new();
        let small = unsafe { heap.alloc(100, 8, grow(&mem)) };
        let p = unsafe { heap.alloc(70_000, 1, grow(&mem)) };
        assert_eq!(p as usize % 65_536, 0, "big blocks are page aligned");
        let mut prev = 70_000;
        for size in [140_000, 300_000, 1 << 20, 5 << 20] {
            assert!(unsafe { heap.grow_in_place(p, prev, size, 1, grow(&mem)) });
            prev = size;
        }
        // The grown block is usable to its new end.
        unsafe { p.wrapping_add((5 << 20) - 1).write(7) };
        // Not the last block any more: no growth in place.
        let q = unsafe { heap.alloc(70_000, 1, grow(&mem)) };
        assert!(q as usize >= p as usize + (8 << 20));
        assert!(!unsafe { heap.grow_in_place(p, 5 << 20, 10 << 20, 1, grow(&mem)) });
        assert!(!unsafe { heap.grow_in_place(small, 100, 1000, 8, grow(&mem)) });
        assert!(
            mem.len() < (9 << 20) + 200_000,
            "no copies left behind: {}",
            mem.len()
        );
    }

    #[test]
    fn same_class_is_reused_and_huge_requests_fail_cleanly() {
        let mem = Mem::new();
        let mut heap = Heap::new();
        let a = unsafe { heap.alloc(100, 8, grow(&mem)) };
        unsafe { heap.dealloc(a, 100, 8) };
        let b = unsafe { heap.alloc(120, 8, grow(&mem)) };
        assert_eq!(a, b);
        assert!(Heap::fits(100, 128, 8) && !Heap::fits(100, 129, 8));
        assert!(unsafe { heap.alloc(usize::MAX / 2, 8, grow(&mem)) }.is_null());
        assert!(unsafe { heap.alloc(100 << 20, 8, grow(&mem)) }.is_null());
        assert!(!unsafe { heap.alloc(10, 8, grow(&mem)) }.is_null());
    }

    #[test]
    fn memory_grown_by_someone_else_is_skipped() {
        let mem = Mem::with_limit(1 << 20);
        let mut heap = Heap::new();
        let a = unsafe { heap.alloc(100, 8, |b| mem.grow(b, 1 << 20)) };
        // Another user of the memory takes the next page.
        let (other, _) = mem.grow(65_536, 1 << 20).unwrap();
        let big = unsafe { heap.alloc(70_000, 1, |b| mem.grow(b, 1 << 20)) };
        let (o, b) = (other as usize, big as usize);
        assert!(
            b >= o + 65_536 || b + 131_072 <= o,
            "overlaps the other's page"
        );
        unsafe { big.write_bytes(1, 70_000) };
        unsafe { a.write_bytes(2, 100) };
    }
}
