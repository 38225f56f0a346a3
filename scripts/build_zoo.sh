#!/usr/bin/env bash
# Build the split-inference zoo for one backbone, resumably: every step skips what is already done,
# so re-running after a crash or the end of a session continues where it stopped.
#   scripts/build_zoo.sh resnet18          (RUNS=/somewhere/else to keep checkpoints elsewhere)
#   scripts/build_zoo.sh resnet34          (after resnet18: its backbone grows from the shipped ResNet-18)
# Steps: train the unsplit backbone -> ship it -> train the split codecs from it -> ship them -> sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
bb=${1:?usage: scripts/build_zoo.sh resnet18|resnet34|resnet20}
ds=cifar10
runs=${RUNS:-runs}
n=${SWEEP_N:-10000}            # test images per AWGN point
n_ray=${SWEEP_N_RAYLEIGH:-2000}  # per Rayleigh point (the issue's "if time allows": a fifth of the cost)
py=${PYTHON:-python}
name=${bb}_${ds}
split=split_${bb}_${ds}

$py -m semcom_core data prepare $ds
# Train a config and ship it, unless it is already in pretrained/ (then it is never retrained: its run folder
# may be gone, a new machine has no runs/).
train_and_ship() {
  [ -f pretrained/split/$1.json ] && return
  $py -m semcom_core train configs/$1.toml --out "$runs/$1" --resume
  $py -m semcom_core zoo export "$runs/$1" --name $1 --subdir split \
      --half --measure --command "python -m semcom_core train configs/$1.toml"
}
train_and_ship $name
train_and_ship $split
# The table grows row by row in the run folder (a crash loses one point) and is shipped channel by channel,
# each when whole (AWGN first; Rayleigh is added later), so the app and git never see a half-measured channel.
table="$runs/sweep_$name.csv"
shipped=pretrained/split/sweep_$name.csv
# A sweep outlives one session: all rows measured so far are committed to progress/ at a session's end (a new
# machine starts with an empty runs/), and a run folder without a table starts from them, or else from the
# shipped table (its whole channels).
progress=progress/sweep_$name.csv
if ! [ -f "$table" ]; then
  mkdir -p "$runs"
  if [ -f "$progress" ]; then cp "$progress" "$table"; elif [ -f "$shipped" ]; then cp "$shipped" "$table"; fi
fi
$py -m semcom_core sweep --backbone $bb --dataset $ds --n $n --channels awgn --resume --out "$table"
# AWGN rows only: on a resumed run the table may already hold part of the Rayleigh rows, which must not be shipped yet
$py -c "import pandas as pd, sys; t = pd.read_csv(sys.argv[1]); t[t.channel == 'awgn'].to_csv(sys.argv[2], index=False)" \
    "$table" "$shipped"
$py -m semcom_core sweep --backbone $bb --dataset $ds --n $n_ray --channels rayleigh --resume --out "$table"
cp "$table" "$shipped"
rm -f "$progress"   # whole and shipped: the progress copy has served (git rm it in the commit that ships the table)
$py -m semcom_core zoo targets --backbone $bb --dataset $ds   # the issue-4 targets against the new table
