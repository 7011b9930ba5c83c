#!/usr/bin/env bash
# Runs source-kafka's KafkaBenchmark (no-op comparison, with CPU per record by thread) on two revisions of the
# repository alternately, run by run in one session, so that both see the same machine; then prints each run's median
# no-op ratio (esm4j over the raw KafkaConsumer loop) and the median over the runs of each revision.
#
#   bench/ab-kafka.sh BEFORE_REV AFTER_REV PAIRS OUT_DIR ['RECORDS ROUNDS']
#
# RECORDS ROUNDS are KafkaBenchmark's first two arguments (default '3000000 7'). Each revision is checked out in its own
# git worktree under OUT_DIR/trees (removed at the end) and built there. Odd pairs run BEFORE first, even pairs AFTER
# first. Output per run: OUT_DIR/<before|after>-<pair>.txt; the summary (ratios, and CPU a record by thread group) in
# OUT_DIR/summary.txt. Run it on a quiet machine: other builds on the same cores move the ratio more than most
# changes do.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,12p' "$0"
  exit 2
fi
BEFORE=$1 AFTER=$2 PAIRS=$3 OUT=$4
ARGS=${5:-3000000 7}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_MAJOR=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' |
  cut -d. -f1)
if [ "${JAVA_MAJOR:-0}" -lt 21 ]; then
  echo "ab-kafka.sh: the build needs a JDK 21 or newer, but JAVA_HOME=${JAVA_HOME:-(unset)} gives Java" \
    "${JAVA_MAJOR:-(none)}; point JAVA_HOME at one" >&2
  exit 2
fi
REPO=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
mkdir -p "$OUT/trees"
OUT=$(realpath "$OUT")
cleanup() {
  for label in before after; do
    git -C "$REPO" worktree remove --force "$OUT/trees/$label" 2>/dev/null || true
  done
  rmdir "$OUT/trees" 2>/dev/null || true
}
trap cleanup EXIT
git -C "$REPO" worktree add -q --detach "$OUT/trees/before" "$BEFORE"
git -C "$REPO" worktree add -q --detach "$OUT/trees/after" "$AFTER"
echo "before=$(git -C "$OUT/trees/before" rev-parse --short HEAD) after=$(git -C "$OUT/trees/after" rev-parse --short HEAD)" \
  "pairs=$PAIRS args='$ARGS'" > "$OUT/summary.txt"

run() {
  local label=$1 pair=$2
  echo "$(date +%T) pair $pair $label load $(cut -d' ' -f1-3 /proc/loadavg)"
  (cd "$OUT/trees/$label" && ./mvnw -q -pl source-kafka -am test-compile exec:java -Dexec.skip=true \
    -Dexec.mainClass=io.esm4j.kafka.KafkaBenchmark -Desm4j.bench.noopOnly=true -Desm4j.bench.threadCpu=true \
    -Dexec.args="$ARGS" > "$OUT/$label-$pair.txt" 2>&1) || echo "FAILED: see $OUT/$label-$pair.txt"
}

for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) -eq 1 ]; then order="before after"; else order="after before"; fi
  for label in $order; do
    run "$label" "$pair"
  done
done

# The median no-op ratio of each run, as KafkaBenchmark prints it, then the median over the runs of each revision.
ratio() {
  sed -n 's/^no-op medians over .* ratio \([0-9.]*\) (per-round ratios \(.*\))$/\1 \2/p' "$1"
}
median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "none"; else if (NR % 2) print v[(NR + 1) / 2];
    else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# CPU a record by thread group, for one side ("esm4j" or "raw consumer"): the median over the runs' rounds, leaving out
# each run's first two, warm-up round included (JIT). CPU moves much less with the machine's load than the wall-clock
# ratio does.
cpu() {
  local side=$1
  shift
  for file in "$@"; do
    grep "CPU ns a record, $side:" "$file" | tail -n +3
  done | awk -F'; ' '{
      sub(/^.*: /, "")
      for (i = 1; i <= NF; i++) {
        n = split($i, part, " "); value = part[n] + 0; group = $i; sub(/ [0-9]+;?$/, "", group)
        if (group == "") continue
        count[group]++; values[group, count[group]] = value
      }
    }
    END {
      for (group in count) {
        c = count[group]
        for (i = 1; i <= c; i++) sorted[i] = values[group, i]
        for (i = 2; i <= c; i++) { v = sorted[i]; for (j = i - 1; j >= 1 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]; sorted[j + 1] = v }
        median = c % 2 ? sorted[(c + 1) / 2] : (sorted[c / 2] + sorted[c / 2 + 1]) / 2
        printf "%s %.0f\n", group, median
      }
    }' | sort | paste -sd ';' | sed 's/;/; /g'
}
for label in before after; do
  for pair in $(seq 1 "$PAIRS"); do
    echo "$label $pair: $(ratio "$OUT/$label-$pair.txt")"
  done
  files=()
  for pair in $(seq 1 "$PAIRS"); do files+=("$OUT/$label-$pair.txt"); done
  echo "$label: esm4j CPU ns a record (medians over the rounds after each run's first two, its warm-up round included): $(cpu esm4j "${files[@]}")"
  echo "$label: raw loop CPU ns a record (the same): $(cpu 'raw consumer' "${files[@]}")"
  echo "$label: median of the runs' median ratios $(for pair in $(seq 1 "$PAIRS"); do
    ratio "$OUT/$label-$pair.txt" | cut -d' ' -f1; done | median)"
done | tee -a "$OUT/summary.txt"
