#!/usr/bin/env bash
# Runs source-kafka's KafkaBenchmark (no-op comparison, with CPU per record by thread) on two revisions of the
# repository alternately, run by run in one session, so that both see the same machine; then prints each run's median
# no-op ratio (esm4j over the raw KafkaConsumer loop) and the median over the runs of each revision.
#
#   bench/ab-kafka.sh BEFORE_REV AFTER_REV PAIRS OUT_DIR ['RECORDS ROUNDS']
#
# RECORDS ROUNDS are KafkaBenchmark's first two arguments (default '3000000 7'). Each revision is checked out in its own
# git worktree under OUT_DIR/trees (removed at the end) and built there. Odd pairs run BEFORE first, even pairs AFTER
# first. Output per run: OUT_DIR/<before|after>-<pair>.txt; the summary in OUT_DIR/summary.txt. Run it on a quiet
# machine: other builds on the same cores move the ratio more than most changes do.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,11p' "$0"
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
for label in before after; do
  for pair in $(seq 1 "$PAIRS"); do
    echo "$label $pair: $(ratio "$OUT/$label-$pair.txt")"
  done
  echo "$label: median of the runs' median ratios $(for pair in $(seq 1 "$PAIRS"); do
    ratio "$OUT/$label-$pair.txt" | cut -d' ' -f1; done | median)"
done | tee -a "$OUT/summary.txt"
