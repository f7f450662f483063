#!/usr/bin/env bash
# Cluster against a standalone node, same machine, same run: `skein load --workload BANK` at fixed rates and at the
# maximum (rate 0), first against a standalone node (RECORDED durability), then against a three-member cluster on
# loopback (default member settings: shared threading, back-off idling); in between, a node whose replies wait for
# one follower (REPLICATED). Prints each run's throughput and latency
# lines. Needs cli/target/skein.jar (mvn -B -q -DskipTests package -pl cli -am). About 3 minutes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar="$root/cli/target/skein.jar"
java=(java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED
    -XX:+UseParallelGC -Xmx1g -jar "$jar")
work="$(mktemp -d /tmp/skein-cluster-bench.XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
rates=(${RATES:-2000 10000 0})
duration=${DURATION:-10}

load() # label, extra load options...
{
    local label="$1"; shift
    for rate in "${rates[@]}"; do
        local count=()
        [ "$rate" = 0 ] && count=(--count 100000)
        echo "== $label, rate ${rate/#0/max}"
        "${java[@]}" load --workload BANK --rate "$rate" --duration "$duration" --warmup 20000 "${count[@]}" "$@" \
            | grep -E "^(Throughput|Latency|Outcomes|Cluster)"
    done
}

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(date -u +%F)"
"${java[@]}" node --dir "$work/node" > "$work/node.out" 2>&1 &
pids+=($!)
until grep -q "recovered in" "$work/node.out" 2>/dev/null; do sleep 0.2; done
load "standalone node (RECORDED)"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

# A leader whose replies wait for one follower (REPLICATED), and the follower, both on this machine.
"${java[@]}" node --dir "$work/leader" --ingress "aeron:udp?endpoint=localhost:20121" \
    -D "skein.archive.control.channel=aeron:udp?endpoint=localhost:8010" \
    -D "skein.replication.status.channel=aeron:udp?endpoint=localhost:8020" -D skein.replication.followers=1 \
    > "$work/leader.out" 2>&1 &
pids+=($!)
until grep -q "recovered in" "$work/leader.out" 2>/dev/null; do sleep 0.2; done
"${java[@]}" node --dir "$work/follower" --ingress "aeron:udp?endpoint=localhost:20122" \
    -D "skein.leader.archive.control.channel=aeron:udp?endpoint=localhost:8010" \
    -D "skein.replication.status.channel=aeron:udp?endpoint=localhost:8020" -D skein.follower.id=2 \
    -D "skein.follower.response.channel=aeron:udp?endpoint=localhost:0" \
    -D "skein.archive.replication.channel=aeron:udp?endpoint=localhost:0" \
    -D "skein.archive.control.channel=aeron:udp?endpoint=localhost:8011" \
    > "$work/follower.out" 2>&1 &
pids+=($!)
until grep -q "recovered in" "$work/follower.out" 2>/dev/null; do sleep 0.2; done
sleep 2
load "node with one follower (REPLICATED)" --ingress "aeron:udp?endpoint=localhost:20121"
for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
pids=()

members=localhost:9000,localhost:9100,localhost:9200
for m in 0 1 2; do
    "${java[@]}" cluster --member "$m" --members "$members" --dir "$work/m$m" > "$work/m$m.out" 2>&1 &
    pids+=($!)
done
until grep -q "role LEADER" "$work"/m*.out 2>/dev/null; do sleep 0.2; done
sleep 1
load "three-member cluster" --cluster "$members"
