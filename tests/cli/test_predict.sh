#!/usr/bin/env bash
# The model commands end to end: models (listing, hashes), model import (reproduces the shipped
# files byte for byte), predict (JSON fields, values against the original code's reference
# predictions, errors per file, threads, devices) and bench infer (JSON).
# usage: test_predict.sh PATH/TO/xtalproof SHARED_DIR SOURCE_DIR
set -u
XP=$1
C=$2/data/cgcnn
SRC=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "jq is needed (scripts/bootstrap.sh installs it)"; exit 1; }
cd "$T"

# models: both shipped models, with property, unit and modelHash = keccak of the file
expect "models --json" 0 "$XP" models --json --dir "$SRC/models"
[ "$(jq -r .name "$T/out" | tr '\n' ' ')" = "band-gap formation-energy-per-atom " ] && ok "two models listed" || bad "models: $(cat "$T/out")"
for m in band-gap formation-energy-per-atom; do
  h=$(jq -r "select(.name==\"$m\") | .modelHash" "$T/out")
  k=$("$XP" keccak "$SRC/models/$m.xpm" | cut -d' ' -f1)
  [ "$h" = "$k" ] && ok "$m modelHash is keccak of the file" || bad "$m: $h vs keccak $k"
done
[ "$(jq -r 'select(.name=="band-gap") | .unit' "$T/out")" = eV ] && ok "band-gap in eV" || bad "unit"

# model cards: each shipped model has one naming its file's modelHash; the text lists a header
# row and each card's note; a card for another file, a broken one or a FIFO is left out, named
for m in band-gap formation-energy-per-atom; do
  [ "$(jq -r "select(.name==\"$m\") | .card.modelHash == .modelHash and .card.cardVersion == 1" "$T/out")" = true ] &&
    ok "$m: its card, for this file" || bad "$m card: $(jq -c "select(.name==\"$m\") | .card" "$T/out")"
done
jq -r 'select(.name=="band-gap") | .card.levelOfTheory, .card.knownBias' "$T/out" | grep -q 'PBE' &&
  ok "band-gap's card: a DFT (PBE) level of theory" || bad "band-gap card: $(jq -c .card "$T/out")"
expect "models, text" 0 "$XP" models --dir "$SRC/models"
head -1 "$T/out" | grep -q '^name  *property  *unit  *modelHash  *weightsRoot$' && sed -n 3p "$T/out" | grep -q '^  predicts DFT (PBE) band gaps' &&
  ok "models text: a header row, each model's card note under it" || bad "models text: $(cat "$T/out")"
mkdir -p cards && cp "$SRC/models/band-gap.xpm" cards/
jq '.modelHash = "0x\("00" * 32)"' "$SRC/models/band-gap.card.json" > cards/band-gap.card.json
expect "models with a card for another file" 0 "$XP" models --json --dir cards
grep -q 'cards/band-gap.card.json describes modelHash 0x0000.*, not this file.s 0x41f1.*: the card is left out' "$T/err" &&
  [ "$(jq -r .card "$T/out")" = null ] && ok "  left out, named" || bad "  other card: $(cat "$T/err" "$T/out")"
printf '{"cardVersion": 1,\n' > cards/band-gap.card.json
expect "models with a broken card" 0 "$XP" models --json --dir cards
grep -q 'cards/band-gap.card.json:2: ' "$T/err" && ok "  its file and line named" || bad "  broken card: $(cat "$T/err")"
rm cards/band-gap.card.json && mkfifo cards/band-gap.card.json
expect "models with a FIFO for a card" 0 timeout 10 "$XP" models --json --dir cards
grep -q 'band-gap.card.json' "$T/err" && ok "  refused without a wait" || bad "  FIFO card: $(cat "$T/err")"
rm cards/band-gap.card.json
expect "models without a card" 0 "$XP" models --dir cards
grep -q '^  no model card' "$T/out" && ok "  says so" || bad "  no card: $(cat "$T/out")"

# model import: the same bytes as the shipped file; no overwrite without --force
mkdir -p models
expect "model import" 0 "$XP" model import --from "$C/models/formation-energy-per-atom"
cmp -s models/formation-energy-per-atom.xpm "$SRC/models/formation-energy-per-atom.xpm" && ok "import reproduces the shipped file" || bad "import differs"
expect "model import again" 1 "$XP" model import --from "$C/models/formation-energy-per-atom"
grep -q -- "--force" "$T/err" && ok "refuses to overwrite" || bad "overwrite message: $(cat "$T/err")"
expect "classification model" 1 "$XP" model import --from "$C/models/semi-metal-classification" --out x.xpm
expect "missing folder" 1 "$XP" model import --from "$T/nothing"
rm -rf models

# predict --json: every field, values within 0.01 of the reference (sample structures)
expect "predict --json" 0 "$XP" predict --model formation-energy-per-atom --json "$C/sample-cifs"
[ "$(wc -l < "$T/out")" = 10 ] && ok "ten lines" || bad "lines: $(wc -l < "$T/out")"
[ "$(jq -s '[.[] | has("file","symhash","model","modelHash","property","unit","value","valueQ","traceRoot")] | all' "$T/out")" = true ] && ok "every field" || bad "fields: $(head -1 "$T/out")"
[ "$(jq -s '[.[] | (.value * 65536 | round) == .valueQ] | all' "$T/out")" = true ] && ok "value = valueQ / 2^16" || bad "valueQ"
cp "$T/out" "$T/pred1"
worst=$(jq -r '"\(.file | sub(".*/";"")) \(.value)"' "$T/out" | while read -r f v; do
  r=$(grep "sample-cifs/$f,formation-energy-per-atom," "$C/reference_predictions_sample.csv" | cut -d, -f3)
  echo "$v $r" | awk '{d=$1-$2; if (d<0) d=-d; print d}'
done | sort -g | tail -1)
awk -v w="$worst" 'BEGIN{exit !(w < 0.01)}' && ok "within 0.01 of PyTorch (worst $worst)" || bad "worst difference $worst"

# the same answer on 1 thread, in another order, and alone
expect "predict --threads 1" 0 "$XP" predict --model formation-energy-per-atom --json --threads 1 "$C/sample-cifs"
cmp -s "$T/out" "$T/pred1" && ok "1 thread = several" || bad "thread count changes the output"
expect "predict one file" 0 "$XP" predict --model formation-energy-per-atom --json "$C/sample-cifs/9011998.cif"
[ "$(jq -r .traceRoot "$T/out")" = "$(grep 9011998 "$T/pred1" | jq -r .traceRoot)" ] && ok "alone = in a batch" || bad "batch composition changes the root"
# a model named by its file name without a folder is found in the model folders; a mistyped name
# gets the closest model's name, a far one none
expect "predict --model band-gap.xpm" 0 "$XP" predict --model band-gap.xpm "$C/sample-cifs/9011998.cif"
expect "predict --model band_gap" 1 "$XP" predict --model band_gap "$C/sample-cifs/9011998.cif"
grep -q 'no model "band_gap" .*; did you mean --model band-gap? `xtalproof models` lists them' "$T/err" &&
  ok "  suggests band-gap" || bad "  message: $(cat "$T/err")"
expect "predict --model nothing-like-it" 1 "$XP" predict --model nothing-like-it "$C/sample-cifs/9011998.cif"
grep -q 'did you mean' "$T/err" && bad "  a far name got a suggestion: $(cat "$T/err")" || ok "  no suggestion for a far name"

# a 2x2x2 supercell predicts what its cell does (mean pooling over identical atoms)
N="$C/dev-structures/cod-1000041.vasp"
{ printf 'NaCl 2x2x2\n1.0\n'; sed -n 3,5p "$N" | awk '{printf "%.12f %.12f %.12f\n", 2*$1, 2*$2, 2*$3}'
  echo "Na Cl"; echo "32 32"; echo direct
  sed -n '9,16p' "$N" | while read -r x y z _; do
    for i in 0 1; do for j in 0 1; do for k in 0 1; do
      awk -v x="$x" -v y="$y" -v z="$z" -v i=$i -v j=$j -v k=$k 'BEGIN{printf "%.12f %.12f %.12f\n", (x+i)/2, (y+j)/2, (z+k)/2}'
    done; done; done
  done; } > super.vasp
expect "predict a supercell" 0 "$XP" predict --model formation-energy-per-atom --json "$N" super.vasp
[ "$(jq -r .valueQ "$T/out" | sort -u | wc -l)" = 1 ] && ok "supercell: the same value" || bad "supercell: $(jq -r .value "$T/out" | tr '\n' ' ')"

# errors per file, the others go on
printf 'not a structure\n' > bad.vasp
expect "predict with a bad file" 1 "$XP" predict --model band-gap --json "$C/sample-cifs/1000041.cif" bad.vasp "$C/sample-cifs/1000050.cif"
[ "$(wc -l < "$T/out")" = 3 ] && [ "$(sed -n 2p "$T/out" | jq -r .error | wc -c)" -gt 5 ] && [ "$(sed -n 3p "$T/out" | jq -r .model)" = band-gap ] && ok "error line in place" || bad "errors: $(cat "$T/out")"
expect "predict text" 0 "$XP" predict --model band-gap "$C/sample-cifs/1000041.cif"
sed -n 1p "$T/out" | grep -q '^value  *unit  *traceRoot  *file$' &&
  sed -n 2p "$T/out" | grep -q '^[0-9.-]* *eV  *0x[0-9a-f]\{64\}  .*1000041.cif$' && ok "text: a header row, then the line" || bad "text: $(cat "$T/out")"
grep -q '^xtalproof: band-gap: .*DFT (PBE).*underestimate' "$T/err" && ok "the model card's note on standard error" || bad "note: $(cat "$T/err")"
expect "unknown model" 1 "$XP" predict --model no-such-model "$C/sample-cifs/1000041.cif"
expect "no --model" 2 "$XP" predict "$C/sample-cifs/1000041.cif"
expect "bad --device" 2 "$XP" predict --model band-gap --device tpu "$C/sample-cifs/1000041.cif"
if "$XP" version | grep -q 'cuda: .*ok\|device 0'; then
  expect "predict --device gpu" 0 "$XP" predict --model formation-energy-per-atom --json --device gpu "$C/sample-cifs"
  cmp -s "$T/out" "$T/pred1" && ok "GPU output = CPU output" || bad "GPU differs from CPU"
else
  expect "predict --device gpu without a GPU" 1 "$XP" predict --model band-gap --device gpu "$C/sample-cifs/1000041.cif"
  expect "predict --device auto" 0 "$XP" predict --model band-gap --json --device auto "$C/sample-cifs/1000041.cif"
fi

# bench infer: one JSON object with the rates and peak memory
expect "bench infer" 0 "$XP" bench infer --model band-gap "$C/sample-cifs"
[ "$(jq '.structures == 10 and .errors == 0 and .featurize_per_second > 0 and .forward_per_second > 0 and .end_to_end_per_second > 0 and .peak_rss_kib > 0' "$T/out")" = true ] && ok "bench infer JSON" || bad "bench: $(cat "$T/out")"
finish
