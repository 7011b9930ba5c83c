#!/usr/bin/env bash
# Runs JMH configurations with two benchmark jars alternately, round by round, in one session, so that both see the
# same machine load; then summarizes (medians per configuration, new/old ratio per round) with AbSummary.
#
#   bench/ab-jars.sh OLD_JAR NEW_JAR ROUNDS OUT_DIR [name='JMH ARGS' ...]
#
# Without configurations it runs StreamEngineOverhead at shards 1/4 x PF 1/10 and ParallelizationScaling at PF 1/10.
# JMH_OPTS (default "-f 1 -wi 2 -i 3") applies to every run; each jar's own @Fork JVM flags apply to its forks, so
# keep them identical between the two. Odd rounds run OLD first, even rounds NEW first. Output per run:
# OUT_DIR/r<round>-<name>-<old|new>.{json,txt}; load averages in OUT_DIR/load.txt; the summary in OUT_DIR/summary.txt.
# FIRST_ROUND (default 1) numbers the rounds from there, to add rounds to an earlier run's OUT_DIR.
set -euo pipefail
if [ $# -lt 4 ]; then
  sed -n '2,11p' "$0"
  exit 2
fi
OLD_JAR=$1 NEW_JAR=$2 ROUNDS=$3 OUT=$4
shift 4
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JMH_OPTS=${JMH_OPTS:--f 1 -wi 2 -i 3}
FIRST_ROUND=${FIRST_ROUND:-1}
if [ $# -eq 0 ]; then
  set -- \
    "overhead-s1-pf1=StreamEngineOverhead -p shards=1 -p parallelizationFactor=1" \
    "overhead-s4-pf1=StreamEngineOverhead -p shards=4 -p parallelizationFactor=1" \
    "overhead-s1-pf10=StreamEngineOverhead -p shards=1 -p parallelizationFactor=10" \
    "overhead-s4-pf10=StreamEngineOverhead -p shards=4 -p parallelizationFactor=10" \
    "scaling-pf1=ParallelizationScaling -p parallelizationFactor=1" \
    "scaling-pf10=ParallelizationScaling -p parallelizationFactor=10"
fi
mkdir -p "$OUT"
echo "old=$(realpath "$OLD_JAR") new=$(realpath "$NEW_JAR") rounds=$FIRST_ROUND..$((FIRST_ROUND + ROUNDS - 1))" \
  "JMH_OPTS=$JMH_OPTS configurations: $*" >> "$OUT/setup.txt"
"$JAVA" -version 2>> "$OUT/setup.txt"
for round in $(seq "$FIRST_ROUND" $((FIRST_ROUND + ROUNDS - 1))); do
  if [ $((round % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
  for config in "$@"; do
    name=${config%%=*}
    args=${config#*=}
    for label in $order; do
      if [ "$label" = old ]; then jar=$OLD_JAR; else jar=$NEW_JAR; fi
      echo "$(date +%T) round $round $name $label load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
      # shellcheck disable=SC2086
      "$JAVA" -jar "$jar" $args $JMH_OPTS -rf json -rff "$OUT/r$round-$name-$label.json" \
        > "$OUT/r$round-$name-$label.txt" 2>&1 || echo "FAILED: see $OUT/r$round-$name-$label.txt"
    done
  done
done
echo "$(date +%T) done load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
"$JAVA" -cp "$NEW_JAR" io.esm4j.bench.AbSummary "$OUT" | tee "$OUT/summary.txt"
