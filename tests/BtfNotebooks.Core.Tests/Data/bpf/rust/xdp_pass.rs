// A BPF program written in Rust and compiled by rustc's own BPF backend (the LLVM backend bpf-linker drives for
// Aya). No core library exists for the BPF target without build-std, so this is #![no_core] with the few lang
// items rustc needs. The object must load in BtfNotebooks the way clang's do.
#![no_std]
#![no_main]
#![feature(no_core, lang_items)]
#![allow(internal_features)]
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
unsafe impl Sync for [u8; 4] {}
impl Copy for u32 {}
#[lang = "drop_glue"]
fn drop_glue<T: PointeeSized>(_: *mut T) {}

/// XDP_PASS for every packet.
#[unsafe(no_mangle)]
#[unsafe(link_section = "xdp")]
pub extern "C" fn xdp_pass(_ctx: *const u32) -> u32 {
    2
}

#[unsafe(no_mangle)]
#[unsafe(link_section = "license")]
pub static LICENSE: [u8; 4] = [71, 80, 76, 0];
