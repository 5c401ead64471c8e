// What aya-ebpf's macros expand to, written out because no crates registry (and so no aya-ebpf or bpf-linker) is
// available here: #[map] puts a 28-byte bpf_map_def (libbpf's five u32s plus Aya's id and pinning) in the legacy
// `maps` section under its own symbol; configuration globals are #[no_mangle] statics in .rodata (a program refers
// to them through their own symbols, at an offset inside .rodata); state lives in .data and .bss. Built with
// -Z function-sections=no so the sections are merged as bpf-linker merges them. The shape matches the XDP router
// Quilkin ships (built by bpf-linker): xskmap pinned by name, u16/u32 ports and counts, a .bss counter.
#![no_std]
#![no_main]
#![feature(no_core, lang_items, auto_traits)]
#![allow(internal_features, non_camel_case_types)]
#![no_core]

#[lang = "pointee_sized"]
pub trait PointeeSized {}
#[lang = "meta_sized"]
pub trait MetaSized: PointeeSized {}
#[lang = "sized"]
pub trait Sized: MetaSized {}
#[lang = "copy"]
pub trait Copy {}
#[lang = "sync"]
pub unsafe trait Sync {}
#[lang = "freeze"]
pub unsafe auto trait Freeze {}
#[lang = "drop_glue"]
fn drop_glue<T: PointeeSized>(_: *mut T) {}
#[lang = "add"]
pub trait Add<Rhs = Self> {
    type Output;
    fn add(self, rhs: Rhs) -> Self::Output;
}
impl Add for u32 {
    type Output = u32;
    fn add(self, rhs: u32) -> u32 {
        self + rhs
    }
}
impl Copy for u32 {}
impl Copy for u16 {}
unsafe impl Sync for [u8; 4] {}
unsafe impl Sync for u32 {}
unsafe impl Sync for u16 {}
unsafe impl Sync for bpf_map_def {}

#[repr(C)]
pub struct bpf_map_def {
    type_: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    id: u32,
    pinning: u32,
}

/// BPF_MAP_TYPE_XSKMAP (17), pinned by name.
#[unsafe(no_mangle)]
#[unsafe(link_section = "maps")]
pub static XSK: bpf_map_def = bpf_map_def { type_: 17, key_size: 4, value_size: 4, max_entries: 128, map_flags: 0, id: 0, pinning: 1 };

/// A hash map that is not pinned.
#[unsafe(no_mangle)]
#[unsafe(link_section = "maps")]
pub static FLOWS: bpf_map_def = bpf_map_def { type_: 1, key_size: 8, value_size: 16, max_entries: 1024, map_flags: 1, id: 0, pinning: 0 };

#[unsafe(no_mangle)]
pub static PORT_NO: u16 = 7777;
#[unsafe(no_mangle)]
pub static SOCKET_COUNT: u32 = 4;
#[unsafe(no_mangle)]
pub static mut PACKETS: u32 = 0;
#[unsafe(no_mangle)]
pub static mut SEEN: u32 = 9;

/// Counts the packet in .data and returns the count (10 on the first run). .bss gets the sum of addresses that make
/// the relocations a real Aya program has (map fds, .rodata symbols at an offset inside the section).
#[unsafe(no_mangle)]
#[unsafe(link_section = "xdp")]
pub extern "C" fn round_robin(_ctx: *const u32) -> u32 {
    let maps = &XSK as *const bpf_map_def as u32 + &FLOWS as *const bpf_map_def as u32;
    let config = &PORT_NO as *const u16 as u32 + &SOCKET_COUNT as *const u32 as u32;
    unsafe {
        PACKETS = maps + config;
        SEEN = SEEN + 1;
        SEEN
    }
}

#[unsafe(no_mangle)]
#[unsafe(link_section = "license")]
pub static LICENSE: [u8; 4] = [71, 80, 76, 0];
