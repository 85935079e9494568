#!/bin/sh
# A sweep over the chemical potential mu (hbar = mu * epsilon): the runs go in parallel
# (xargs -P), each names its file from its parameters and prints one JSON line; the lines
# are collected into results.jsonl, and a table is printed from them.
#
#   sh examples/sweep_mu.sh [CONFIG] [MU...]
#   environment: NNQ (the nnq program, default ./build/nnq), JOBS (parallel runs, default
#   the number of CPUs), OUT (output folder, default sweep_mu)
set -eu
nnq=${NNQ:-./build/nnq}
config=${1:-examples/quickstart.ini}
[ $# -gt 0 ] && shift
mus=${*:-0.25 0.5 1 2 4}
out=${OUT:-sweep_mu}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$out"

# -o names each file from the run's own values; --quiet leaves only the JSON line on stdout
# (each value reaches the run as an argument, never by text substitution: a path may hold
# any string)
printf '%s\n' $mus |
    xargs -P "$jobs" -n 1 sh -c \
        '"$0" simulate "$1" --quiet --force --set "network.mu=$3" -o "$2/{name}_mu{network.mu}.h5"' \
        "$nnq" "$config" "$out" > "$out/results.jsonl"

printf '%-8s %-8s %-22s %-12s %s\n' mu hbar energy norm_drift output
sort -t: -k1 "$out/results.jsonl" |
    sed -E 's/.*"mu":([^,]*),.*"hbar":([^,]*),.*"energy":([^,]*),.*"max_norm_drift":([^,]*),.*"output":"([^"]*)".*/\1 \2 \3 \4 \5/' |
    sort -g | while read -r mu hbar energy drift file; do
        printf '%-8s %-8s %-22s %-12s %s\n' "$mu" "$hbar" "$energy" "$drift" "$file"
    done
echo "$(wc -l < "$out/results.jsonl") runs; JSON lines in $out/results.jsonl"
