#!/bin/sh
# A sweep over the chemical potential mu (hbar = mu * epsilon): the runs go in parallel
# (xargs -P), each names its file from its parameters and prints one JSON line; the lines
# are collected into results.jsonl, and a table is printed from them: energy, norm drift,
# when F became multivalued, and the largest divergence before it (with the Madelung solver).
# With Debian's python3-h5py and python3-matplotlib the sweep also becomes a figure,
# $OUT/results_sweep_mu.png: the divergence before F turned multivalued, when div_p_l1 passed
# 1e-3 and when F turned multivalued, against mu (examples/plot.py --sweep).
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

# the table: numbers to 4 significant digits ("-" where the JSON says null: F stayed
# single-valued, or no Madelung solver), from one awk pass over the JSON lines
awk '
function field(line, key,    m) { # the value after "key": (the first, in document order)
    if (!match(line, "\"" key "\":[^,}]*")) return ""
    m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
    gsub(/"/, "", m)
    return m
}
function num(v) { return v == "" || v == "null" ? "-" : sprintf("%.4g", v) }
{
    before = ""
    if (match($0, /"divergence_before":\{[^}]*\}/)) before = substr($0, RSTART, RLENGTH)
    printf "%-8s %-8s %-11s %-10s %-13s %-11s %-11s %s\n", num(field($0, "mu")),
        num(field($0, "hbar")), num(field($0, "energy")), num(field($0, "max_norm_drift")),
        num(field($0, "t_multivalued")), num(field(before, "div_p_l1")),
        num(field(before, "infidelity")), field($0, "output")
}' "$out/results.jsonl" | sort -g >"$out/table.txt"
printf '%-8s %-8s %-11s %-10s %-13s %-11s %-11s %s\n' mu hbar energy norm_drift t_multivalued \
    div_p_l1 infidelity output
cat "$out/table.txt"
echo "$(wc -l < "$out/results.jsonl") runs; JSON lines in $out/results.jsonl"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3 # Debian's, where its h5py and matplotlib are
if $py -c 'import h5py, matplotlib' 2>/dev/null; then
    $py "$(dirname "$0")/plot.py" --sweep "$out/results.jsonl" --x mu \
        --y divergence_before.div_p_l1 t_part.div_p_l1.1e-3 t_multivalued --out "$out"
fi
