#!/bin/sh
# Builds the libFuzzer targets with clang (Debian's clang, libclang-rt-14-dev, libomp-14-dev) into
# build-fuzz, replays each seed corpus, then fuzzes each target for SECONDS (default 60).
# A crash leaves crash-* here and fails. Leak checks are off while fuzzing: libmatheval leaks
# on its own parse errors (tests/lsan.supp); the sanitized test suite and valgrind cover ours.
# Usage: sh tests/fuzz/run.sh [SECONDS]
set -eu
seconds=${1:-60}
cd "$(dirname "$0")/../.."
CC=clang cmake -S . -B build-fuzz -DNNQ_FUZZ=ON -DNNQ_MPI=OFF -DBUILD_TESTING=OFF -DNNQ_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j --target fuzz_config fuzz_expr
for target in config expr; do
    work=$(mktemp -d)
    ASAN_OPTIONS=detect_leaks=0 ./build-fuzz/fuzz_$target -detect_leaks=0 -max_len=4096 -max_total_time="$seconds" \
        -print_final_stats=1 "$work" "tests/fuzz/corpus_$target" 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR|SUMMARY)" || true
    rm -rf "$work"
    # (ls of the three patterns fails when any one matches nothing: test each file)
    for f in crash-* timeout-* oom-*; do
        if [ -e "$f" ]; then
            echo "fuzz_$target found a failure: $f"
            exit 1
        fi
    done
    echo "fuzz_$target: clean for ${seconds}s"
done
