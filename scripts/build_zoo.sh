#!/usr/bin/env bash
# Build the split-inference zoo for one backbone, resumably: every step skips what is already done,
# so re-running after a crash or the end of a session continues where it stopped.
#   scripts/build_zoo.sh resnet18          (RUNS=/somewhere/else to keep checkpoints elsewhere)
#   scripts/build_zoo.sh resnet34          (after resnet18: its backbone grows from the shipped ResNet-18)
# Steps:
#   1. train the unsplit backbone and ship it (configs/<backbone>_cifar10.toml);
#   2. train codecs for every split on the frozen backbone and ship them (configs/split_<backbone>_cifar10.toml);
#   3. the accuracy table of every split point (AWGN, then Rayleigh);
#   4. each split with an end-to-end config (configs/split_e2e_<backbone>_cifar10_spN.toml) is trained as a
#      whole network of its own, merged into the shipped split model (`zoo merge`) and its rows re-measured.
# On a GPU: PAPER=1 scripts/build_zoo.sh resnet18 trains with paper 000's recipe (backbone from scratch at
# lr 0.1 for 100 epochs, then 100 epochs per end-to-end split) into SEMCOM_PRETRAINED (default gpu_zoo/ in
# that mode, so the shipped CPU zoo stays as it is); docs/compute.md has the estimated time.
set -euo pipefail
cd "$(dirname "$0")/.."
bb=${1:?usage: scripts/build_zoo.sh resnet18|resnet34|resnet20}
ds=cifar10
runs=${RUNS:-runs}
n=${SWEEP_N:-10000}            # test images per AWGN point of a full table
n_ray=${SWEEP_N_RAYLEIGH:-2000}  # per Rayleigh point
n_e2e=${SWEEP_N_E2E:-2000}     # per point when a retrained split's rows are re-measured
py=${PYTHON:-python}
if [ -n "${PAPER:-}" ]; then
  export SEMCOM_PRETRAINED=${SEMCOM_PRETRAINED:-gpu_zoo}
  EPOCHS=${EPOCHS:-100}
  scratch="--scratch --lr 0.1"
fi
pre=${SEMCOM_PRETRAINED:-pretrained}
epochs=${EPOCHS:+--epochs $EPOCHS}
name=${bb}_${ds}
split=split_${bb}_${ds}

$py -m semcom_core data prepare $ds
# Train a config and ship it, unless it is already in pretrained/ (then it is never retrained: its run folder
# may be gone, a new machine has no runs/).
train_and_ship() {
  [ -f "$pre/split/$1.json" ] && return
  $py -m semcom_core train configs/$1.toml --out "$runs/$1" --resume $epochs $3
  $py -m semcom_core zoo export "$runs/$1" --name $1 --subdir split \
      --dtype "$2" --measure --command "python -m semcom_core train configs/$1.toml"
}
train_and_ship $name int8 "${scratch:-}"
train_and_ship $split float16 "--init-from $pre/split/$name.safetensors"
# The table grows row by row in the run folder (a crash loses one point) and is shipped channel by channel,
# each when whole (AWGN first, then Rayleigh), so the app never sees a half-measured channel.
table="$runs/sweep_$name.csv"
shipped=$pre/split/sweep_$name.csv
if ! [ -f "$shipped" ]; then
  $py -m semcom_core sweep --backbone $bb --dataset $ds --n $n --channels awgn --resume --out "$table"
  $py -c "import pandas as pd, sys; t = pd.read_csv(sys.argv[1]); t[t.channel == 'awgn'].to_csv(sys.argv[2], index=False)" \
      "$table" "$shipped"
  $py -m semcom_core sweep --backbone $bb --dataset $ds --n $n_ray --channels rayleigh --resume --out "$table"
  cp "$table" "$shipped"
fi
# End-to-end splits: train, merge, re-measure that split's rows (AWGN and Rayleigh) in the shipped table.
for cfg in configs/split_e2e_${name}_sp*.toml; do
  [ -f "$cfg" ] || continue
  run="$runs/$(basename "$cfg" .toml)"
  sp=$($py -c "import sys, tomllib; print(tomllib.load(open(sys.argv[1], 'rb'))['splits'][0])" "$cfg")
  sha=$(sha256sum "$cfg" | cut -d' ' -f1)
  merged=$($py -c "import json, sys; c = json.load(open(sys.argv[1])); \
print(c.get('split_training', {}).get(sys.argv[2], {}).get('config_sha256', ''))" "$pre/split/$split.json" "$sp")
  [ "$merged" = "$sha" ] && continue
  $py -m semcom_core train "$cfg" --out "$run" --resume $epochs --init-from "$pre/split/$name.safetensors"
  $py -m semcom_core zoo merge $split "$run" --dtype int8
  $py -m semcom_core sweep --backbone $bb --dataset $ds --n $n_e2e --channels awgn rayleigh --splits "$sp" --redo
done
$py -m semcom_core zoo targets --backbone $bb --dataset $ds   # the accuracy targets against the shipped table
