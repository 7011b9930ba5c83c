#!/usr/bin/env bash
# Runs IdleFootprint with several benchmark jars at the same time, round after round, so that every jar's idle
# window sees the same machine load (on a shared machine the load moves idle CPU by ±20% between runs one after
# the other); then prints each jar's idle CPU per round and its median.
#
#   bench/idle-side-by-side.sh ROUNDS OUT_DIR JAR... [-- IdleFootprint options]
#
# IdleFootprint options default to "--shards 1000 --baseline 10 --settle 15 --measure 45". Output per run:
# OUT_DIR/<jar name>-r<round>.txt; the table in OUT_DIR/summary.txt.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,9p' "$0"
  exit 2
fi
ROUNDS=$1 OUT=$2
shift 2
JARS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do JARS+=("$1"); shift; done
if [ $# -gt 0 ]; then shift; fi
OPTS=${*:---shards 1000 --baseline 10 --settle 15 --measure 45}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mkdir -p "$OUT"
for round in $(seq 1 "$ROUNDS"); do
  for jar in "${JARS[@]}"; do
    # shellcheck disable=SC2086
    "$JAVA" -Xmx1g -cp "$jar" io.esm4j.bench.IdleFootprint $OPTS > "$OUT/$(basename "$jar" .jar)-r$round.txt" 2>&1 &
  done
  wait
done
{
  for jar in "${JARS[@]}"; do
    name=$(basename "$jar" .jar)
    cores=$(for f in "$OUT/$name"-r*.txt; do grep -o 'IDLE CPU: [0-9.]*' "$f" | cut -d' ' -f3; done)
    loads=$(for f in "$OUT/$name"-r*.txt; do grep -o 'idle with the mapping.*load [0-9.]*' "$f" | awk '{print $NF}'; done)
    median=$(echo "$cores" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
    echo "$name: idle CPU per round $(echo $cores), median $median cores; 1-minute load at the end of each window $(echo $loads)"
  done
} | tee "$OUT/summary.txt"
