#!/usr/bin/env bash
# Runs a kubesim experiment as a Slurm job array of 8 shards; merge when all are done:
#   sbatch deploy/slurm-array.sh
#   kubesim merge results/quickstart/shard-*-of-8 --out results/quickstart/merged
#SBATCH --job-name=kubesim
#SBATCH --array=1-8
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
set -euo pipefail
# SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 is the shard: `--shard env/8` computes it.
kubesim run scenarios/quickstart.yaml --runs 800 --jobs "${SLURM_CPUS_PER_TASK:-1}" --shard env/8 \
  --out "results/quickstart/shard-${SLURM_ARRAY_TASK_ID}-of-8"
