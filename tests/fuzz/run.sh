#!/bin/sh
# Builds the libFuzzer targets with clang (Debian's clang, libclang-rt-14-dev, libomp-14-dev) into
# build-fuzz, replays each seed corpus, then fuzzes each target for SECONDS (default 60).
# A crash leaves crash-* here and fails. Leak checks are off while fuzzing: libmatheval leaks
# on its own parse errors (tests/lsan.supp); the sanitized test suite and valgrind cover ours.
# fuzz_h5 (bytes as an HDF5 file given to every reader) runs in fork mode, going on past
# failures: Debian's libhdf5 crashes on crafted files where no format version has checksums,
# which nnq cannot mend. Each failure is replayed and tests/fuzz/classify.py says whose it is;
# only nnq's fail the run (libhdf5's, and out-of-memory reports with no stack to tell, are
# listed, their inputs kept in build-fuzz/libhdf5).
# Usage: sh tests/fuzz/run.sh [SECONDS]
set -eu
seconds=${1:-60}
cd "$(dirname "$0")/../.."
# the sanitizers name the frames of a report through llvm-symbolizer (Debian's llvm-14); without
# it a stack is addresses, and classify.py cannot tell whose a failure is
for s in llvm-symbolizer llvm-symbolizer-14; do
    command -v "$s" >/dev/null && export ASAN_SYMBOLIZER_PATH="$(command -v "$s")"
done
CC=clang cmake -S . -B build-fuzz -DNNQ_FUZZ=ON -DNNQ_MPI=OFF -DBUILD_TESTING=OFF -DNNQ_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j --target fuzz_config fuzz_expr fuzz_h5
# the two text targets side by side (one core each), each with its own artifact folder
logs=$(mktemp -d)
for target in config expr; do
    mkdir -p "$logs/$target/work" "$logs/$target/found"
    (ASAN_OPTIONS=detect_leaks=0 ./build-fuzz/fuzz_$target -detect_leaks=0 -max_len=4096 \
        -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$logs/$target/found/" \
        "$logs/$target/work" "tests/fuzz/corpus_$target" >"$logs/$target/log" 2>&1 || true) &
done
wait
for target in config expr; do
    grep -E "^(Done|stat::number_of_executed_units|==.*ERROR|SUMMARY)" "$logs/$target/log" || true
    for f in "$logs/$target/found"/*; do
        [ -e "$f" ] || continue
        cp "$f" .
        echo "fuzz_$target found a failure: $(basename "$f")"
        rm -rf "$logs"
        exit 1
    done
    echo "fuzz_$target: clean for ${seconds}s"
done
rm -rf "$logs"
work=$(mktemp -d)
found=$(mktemp -d)
ASAN_OPTIONS=detect_leaks=0 ./build-fuzz/fuzz_h5 -detect_leaks=0 -max_len=131072 -max_total_time="$seconds" \
    -timeout=25 -rss_limit_mb=2048 -fork=2 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$found/" "$work" tests/fuzz/corpus_h5 2>&1 | grep -E "^(INFO: fuzzed|#[0-9]+: .*DONE|==.*ERROR)" || true
rm -rf "$work"
mkdir -p build-fuzz/libhdf5
ours=0
for f in "$found"/*; do
    [ -e "$f" ] || continue
    case $(basename "$f") in
    slow-unit-*) # libFuzzer's report of an input slower than 10 s that finished: not a failure
        # (one past -timeout is a timeout-* artifact and is classified below)
        echo "fuzz_h5: a slow input (finished within the timeout): $(basename "$f")"
        continue ;;
    esac
    who=$(ASAN_OPTIONS=detect_leaks=0 timeout 120 ./build-fuzz/fuzz_h5 -detect_leaks=0 -timeout=25 -rss_limit_mb=2048 \
        "$f" 2>&1 | python3 tests/fuzz/classify.py) && {
        cp "$f" build-fuzz/libhdf5/
        echo "fuzz_h5: not nnq's failure: $who"
        continue
    }
    ours=1
    cp "$f" .
    echo "fuzz_h5 found a failure in nnq: $(basename "$f"): $who"
done
rm -rf "$found"
[ "$ours" -eq 0 ] || exit 1
echo "fuzz_h5: nnq clean for ${seconds}s"
