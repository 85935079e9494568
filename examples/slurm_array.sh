#!/bin/bash
# The sweep of examples/sweep_mu.sh as a Slurm job array: one array task per value of mu.
#   sbatch examples/slurm_array.sh            (from the repository root)
#   cat sweep_mu/result_*.json > sweep_mu/results.jsonl    (once every task has finished)
# Outside Slurm, `SLURM_ARRAY_TASK_ID=2 bash examples/slurm_array.sh` runs one task.
#SBATCH --job-name=nnq-mu
#SBATCH --array=0-4
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=sweep_mu/slurm-%A_%a.out
set -euo pipefail
mus=(0.25 0.5 1 2 4)
mu=${mus[$SLURM_ARRAY_TASK_ID]}
nnq=${NNQ:-./build/nnq}
out=${OUT:-sweep_mu}
mkdir -p "$out"
"$nnq" simulate "${CONFIG:-examples/quickstart.ini}" --quiet --force \
    --threads "${SLURM_CPUS_PER_TASK:-1}" --set network.mu="$mu" \
    -o "$out/{name}_mu{network.mu}.h5" > "$out/result_${SLURM_ARRAY_TASK_ID}.json"
