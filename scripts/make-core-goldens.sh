#!/usr/bin/env bash
# Regenerates the CO-RE golden corpus in tests/BtfNotebooks.Core.Tests/Data/core (see its README.md):
#   1. builds libbpf's oracle (../shared/tools/core-oracle, override with CORE_ORACLE_SRC=DIR),
#   2. rebuilds targets/*.btf from targets/*.c (clang-19 -g -O0 -target bpf, .BTF section dumped),
#   3. decompresses the shipped kernels named in KERNELS from data/kernels/NAME.btf.xz,
#   4. compiles programs/*.c for -mcpu=v2, v3 and v4,
#   5. runs `core_oracle -t TARGET -n LABEL OBJ` for every (object, target) pair and writes
#      golden/PROGRAM.vN.LABEL.tsv (the oracle's output unchanged) and golden/INDEX.tsv (exit codes).
# Everything is compiled from inside its own directory with relative file names and the work dir is
# fixed (/tmp/btfnb-core-goldens), so two runs give byte-identical files. The oracle prints only the
# object's base name (PROGRAM.vN.o) and the -n label, never a path.
# Needs: clang-19, llvm-objcopy-19, xz, make, cc, libbpf-dev, libelf-dev, zlib1g-dev; run as root
# (libbpf creates the objects' maps while loading; no program reaches the verifier).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORE=$ROOT/tests/BtfNotebooks.Core.Tests/Data/core
ORACLE_SRC=${CORE_ORACLE_SRC:-$ROOT/../shared/tools/core-oracle}
WORK=/tmp/btfnb-core-goldens
KERNELS=(local-6.18-amd64 debian-6.1.0-56-amd64)
CFLAGS=(-O2 -g -target bpf -I/usr/include/x86_64-linux-gnu)

rm -rf "$WORK"
mkdir -p "$WORK/obj" "$WORK/targets" "$WORK/oracle"
make -s -f "$ORACLE_SRC/Makefile" O="$WORK/oracle" >/dev/null
ORACLE=$WORK/oracle/core_oracle

# purpose-built targets: keep the committed .btf in sync with its .c
targets=()
cd "$CORE/targets"
for c in *.c; do
	t=${c%.c}
	clang-19 -g -O0 -target bpf -fdebug-prefix-map="$CORE/targets"=. -c "$c" -o "$WORK/targets/$t.o"
	llvm-objcopy-19 --dump-section .BTF="$WORK/targets/$t.btf" "$WORK/targets/$t.o"
	cp "$WORK/targets/$t.btf" "$CORE/targets/$t.btf"
	targets+=("$t=$CORE/targets/$t.btf")
done
for k in "${KERNELS[@]}"; do
	xz -dc "$ROOT/data/kernels/$k.btf.xz" > "$WORK/targets/$k.btf"
	targets+=("$k=$WORK/targets/$k.btf")
done

cd "$CORE/programs"
objs=()
for c in *.c; do
	for v in 2 3 4; do
		clang-19 "${CFLAGS[@]}" -mcpu=v$v -c "$c" -o "$WORK/obj/${c%.c}.v$v.o"
		objs+=("$WORK/obj/${c%.c}.v$v.o")
	done
done

rm -f "$CORE"/golden/*.tsv
mkdir -p "$CORE/golden"
printf 'golden\texit\trelocs\tcore\n' > "$CORE/golden/INDEX.tsv"
for o in "${objs[@]}"; do
	base=$(basename "$o" .o)
	for t in "${targets[@]}"; do
		label=${t%%=*} path=${t#*=}
		out=$CORE/golden/$base.$label.tsv
		rc=0
		"$ORACLE" -t "$path" -n "$label" "$o" > "$out" 2> "$WORK/stderr" || rc=$?
		if [ "$rc" -gt 1 ]; then cat "$WORK/stderr" >&2; echo "core_oracle failed ($rc) on $o vs $label" >&2; exit 1; fi
		trailer=$(tail -n 1 "$out")
		relocs=$(sed -n 's/.* relocs=\([0-9]*\) .*/\1/p' <<<"$trailer")
		core=$(sed -n 's/.* core=\([A-Za-z]*\) .*/\1/p' <<<"$trailer")
		printf '%s\t%s\t%s\t%s\n' "$(basename "$out")" "$rc" "$relocs" "$core" >> "$CORE/golden/INDEX.tsv"
	done
done
echo "$(($(wc -l < "$CORE/golden/INDEX.tsv") - 1)) goldens in $CORE/golden"
