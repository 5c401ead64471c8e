#!/bin/bash
# make-fixtures.sh - regenerate the container fixtures next to this script.
#
# The outputs are committed; the tests never run this script. Rerun it only to change the
# fixtures (then update ContainerFixtures.cs if names change). Needs: clang-19,
# llvm-objcopy-19, xz, zstd, gzip, lz4, bzip2, dpkg-deb, tar.
#
#   tiny.btf / tiny-be.btf      raw BTF (little/big-endian) clang emits for tiny.c
#   tiny.btf.{gz,xz,zst,bz2,lzma}, tiny.btf.lz4 (lz4 frame), tiny.btf.lz4-legacy (lz4 -l, the
#                               kernel's format), tiny.btf.xz-x86-crc32 (xz options the kernel uses)
#   elf64le.o / elf64be.o       clang bpfel/bpfeb objects (debug info stripped, .BTF kept)
#   elf32le.o / elf32be.o       i386 / powerpc objects with tiny.btf / tiny-be.btf added as .BTF
#   elf64le-zlib.o, elf64le-zstd.o   .BTF compressed in place (SHF_COMPRESSED)
#   elf64le-nobtf.o             no .BTF section at all
#   elf64le-btf-in-rodata.o     no .BTF section, but the blob sits inside another section
#   elf64le.o.xz-payload        xz --x86 --check=crc32 of elf64le.o + 4-byte size, like an x86 payload
#   vmlinuz-xz.bzImage          synthetic x86 bzImage whose payload is elf64le.o.xz-payload
#   btfhub-raw.btf.tar.xz       BTFHub-style archive: README + 5.4.0-test.btf (raw BTF)
#   btfhub-elf.btf.tar.xz       same, but the .btf member is an ELF with a .BTF section
#   linux-image-test.deb        dpkg-deb -Zxz package with ./boot/vmlinuz-6.1.0-test (the bzImage)
#   linux-image-test-zst.deb    same with -Zzstd
set -euo pipefail
export LC_ALL=C SOURCE_DATE_EPOCH=1700000000
cd "$(dirname "$0")"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
STRIP=(--strip-debug --remove-section=.BTF.ext --remove-section=.rel.BTF.ext --remove-section=.llvm_addrsig)

clang-19 -target bpfel -g -O2 -c tiny.c -o "$WORK/el.o"
clang-19 -target bpfeb -g -O2 -c tiny.c -o "$WORK/eb.o"
llvm-objcopy-19 "${STRIP[@]}" "$WORK/el.o" elf64le.o
llvm-objcopy-19 "${STRIP[@]}" "$WORK/eb.o" elf64be.o
llvm-objcopy-19 --dump-section .BTF=tiny.btf elf64le.o "$WORK/junk.o"
llvm-objcopy-19 --dump-section .BTF=tiny-be.btf elf64be.o "$WORK/junk.o"

echo 'int f(int x) { return x + 1; }' > "$WORK/f.c"
clang-19 -target i386-linux-gnu -c "$WORK/f.c" -o "$WORK/f32le.o"
clang-19 -target powerpc-linux-gnu -c "$WORK/f.c" -o "$WORK/f32be.o"
llvm-objcopy-19 --add-section .BTF=tiny.btf "$WORK/f32le.o" elf32le.o
llvm-objcopy-19 --add-section .BTF=tiny-be.btf "$WORK/f32be.o" elf32be.o

llvm-objcopy-19 --compress-sections=.BTF=zlib elf64le.o elf64le-zlib.o
llvm-objcopy-19 --compress-sections=.BTF=zstd elf64le.o elf64le-zstd.o
llvm-objcopy-19 --remove-section=.BTF elf64le.o elf64le-nobtf.o
llvm-objcopy-19 --add-section .rodata.blob=tiny.btf elf64le-nobtf.o elf64le-btf-in-rodata.o

gzip -9 -n -c tiny.btf > tiny.btf.gz
xz -9 -c tiny.btf > tiny.btf.xz
xz -c --check=crc32 --x86 --lzma2=dict=1MiB tiny.btf > tiny.btf.xz-x86-crc32
zstd -q -19 -c tiny.btf > tiny.btf.zst
bzip2 -9 -c tiny.btf > tiny.btf.bz2
xz --format=lzma -c tiny.btf > tiny.btf.lzma
lz4 -q -9 -c tiny.btf > tiny.btf.lz4
lz4 -q -9 -l -c tiny.btf > tiny.btf.lz4-legacy

# little-endian u32 as raw bytes
u32le() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"; }
patch() { dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none; }   # file offset < bytes

# x86 appends the uncompressed size after the compressed payload (scripts/Makefile.lib size_append)
xz -c --check=crc32 --x86 --lzma2=dict=1MiB elf64le.o > elf64le.o.xz-payload
u32le "$(stat -c %s elf64le.o)" >> elf64le.o.xz-payload

# bzImage: setup_sects=3 -> protected-mode code at (3+1)*512; payload 0x1f0 bytes into it
make_bzimage() {  # payload out
  local plen lead=$((0x1f0))
  plen=$(stat -c %s "$1")
  head -c 2048 /dev/zero > "$2"
  printf '\x03' | patch "$2" 0x1f1        # setup_sects
  printf HdrS | patch "$2" 0x202
  printf '\x0f\x02' | patch "$2" 0x206   # boot protocol 2.15
  u32le $lead | patch "$2" 0x248          # payload_offset
  u32le "$plen" | patch "$2" 0x24c        # payload_length
  head -c $lead < <(yes 'protected-mode code') >> "$2"
  cat "$1" >> "$2"
  head -c 96 < <(yes 'more code after the payload') >> "$2"
}
make_bzimage elf64le.o.xz-payload vmlinuz-xz.bzImage

mkdir -p "$WORK/hub"
printf 'BTFHub-style test archive\n' > "$WORK/hub/README"
cp tiny.btf "$WORK/hub/5.4.0-test.btf"
tar --sort=name --owner=0 --group=0 --mtime=@$SOURCE_DATE_EPOCH --format=gnu -C "$WORK/hub" -cf - README 5.4.0-test.btf | xz -9 > btfhub-raw.btf.tar.xz
cp elf64le.o "$WORK/hub/5.4.0-test.btf"
tar --sort=name --owner=0 --group=0 --mtime=@$SOURCE_DATE_EPOCH --format=gnu -C "$WORK/hub" -cf - README 5.4.0-test.btf | xz -9 > btfhub-elf.btf.tar.xz

PKG=$WORK/pkg
mkdir -p "$PKG/DEBIAN" "$PKG/boot" "$PKG/lib/modules/6.1.0-test/kernel"
cat > "$PKG/DEBIAN/control" <<CTL
Package: linux-image-6.1.0-test
Version: 6.1.0-1
Architecture: amd64
Maintainer: Test <test@example.invalid>
Description: synthetic kernel package for container tests
CTL
printf 'ffffffff81000000 T _text\n' > "$PKG/boot/System.map-6.1.0-test"
printf 'CONFIG_DEBUG_INFO_BTF=y\n' > "$PKG/boot/config-6.1.0-test"
cp vmlinuz-xz.bzImage "$PKG/boot/vmlinuz-6.1.0-test"
cp elf64be.o "$PKG/lib/modules/6.1.0-test/kernel/decoy.ko"   # a module's BTF must never win
dpkg-deb --root-owner-group -Zxz --build "$PKG" linux-image-test.deb >/dev/null
dpkg-deb --root-owner-group -Zzstd --build "$PKG" linux-image-test-zst.deb >/dev/null
ls -l
