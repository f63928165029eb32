#!/usr/bin/env bash
# make-mkcap-fixtures.sh -- regenerate the capture fixtures in fixtures/mkcap/ with mkcap.
#
#   sudo scripts/make-mkcap-fixtures.sh [MKCAP_DIR] [OUT_ROOT] [SCENARIO...]
#
#   MKCAP_DIR  directory holding mkcap.sh and verify.py (default: ../shared/tools/mkcap,
#              relative to the repository root)
#   OUT_ROOT   where the scenario directories go (default: fixtures/mkcap, relative to the
#              repository root)
#   SCENARIO   only (re)make these scenarios (default: all of them)
#
# * Needs root: mkcap creates network namespaces, veth links, nft rules and htb qdiscs.
# * Never run in CI. The fixtures are committed; this script only documents and reproduces
#   how they were made.
# * Every run is REAL traffic through an impaired path (random loss, queueing, timing), so the
#   packets, losses and timings differ on each run. The truth.json written next to the
#   captures always describes the run that produced them, so tests must read their expected
#   values from truth.json rather than hard-coding them.
#
# Each scenario keeps only: a.pcapng, b.pcapng, b-caploss.pcapng (if any), truth.json,
# byte-times.json, payload/*.bin.gz and verify.json (tshark cross-check, if verify.py works).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MKCAP=${1:-$REPO/../shared/tools/mkcap}
OUT_ROOT=${2:-$REPO/fixtures/mkcap}
shift $(( $# < 2 ? $# : 2 ))
ONLY=("$@")

# name | mkcap.sh options (besides -o/--name)
SCENARIOS=(
  "loss-mss536|--content pattern --client-bytes 60000 --server-bytes 30000 --loss 4 --mss 536 --delay 5"
  "reorder|--content pattern --client-bytes 80000 --reorder 5 --rate 20mbit --queue 50 --delay 5"
  "ipv6-loss|--content pattern --ipv6 --client-bytes 40000 --server-bytes 40000 --loss 3 --delay 5"
  "late-start|--content pattern --late 0.3 --client-bytes 80000 --server-bytes 60000 --write-size 2000 --write-delay 20 --delay 5"
  "caploss|--content pattern --client-bytes 60000 --server-bytes 20000 --caploss 3 --loss 2 --delay 5"
  "http-burst|--content pattern --mode http --http GET:20000,POST:15000:1200,GET:40000 --burst b2a:10:4 --loss 1 --delay 5"
  "multi-conn|--content pattern --conns 3 --client-bytes 20000,0,15000 --server-bytes 0,25000,10000 --loss 2 --delay 5"
  "zero-window|--content pattern --rcvbuf 4096 --read-pause 20000:300 --client-bytes 60000 --delay 2"
  "synack-fin-drop|--content pattern --drop-first synack --drop-first fin --client-bytes 20000 --server-bytes 20000 --delay 5"
)

[ "$(id -u)" = 0 ] || { echo "make-mkcap-fixtures: must run as root (mkcap needs network namespaces)" >&2; exit 2; }
[ -x "$MKCAP/mkcap.sh" ] || { echo "make-mkcap-fixtures: no mkcap.sh in $MKCAP" >&2; exit 2; }
mkdir -p "$OUT_ROOT"

wanted() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local s; for s in "${ONLY[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1
}

for row in "${SCENARIOS[@]}"; do
  name=${row%%|*}; opts=${row#*|}
  wanted "$name" || continue
  tmp=$(mktemp -d -t mkcap-fixture.XXXXXX)
  echo "== $name: mkcap.sh $opts"
  # shellcheck disable=SC2086  # opts is a plain word list on purpose
  if ! "$MKCAP/mkcap.sh" -o "$tmp/$name" --name "$name" $opts > "$tmp/$name.log" 2>&1; then
    echo "!! $name: mkcap failed, log:" >&2; cat "$tmp/$name.log" >&2; rm -rf "$tmp"; exit 1
  fi
  python3 "$MKCAP/verify.py" "$tmp/$name" > "$tmp/verify.log" 2>&1 || echo "   (verify.py failed; no verify.json)"
  dest=$OUT_ROOT/$name
  rm -rf "$dest"; mkdir -p "$dest/payload"
  for f in a.pcapng b.pcapng b-caploss.pcapng truth.json byte-times.json verify.json; do
    [ -f "$tmp/$name/$f" ] && cp "$tmp/$name/$f" "$dest/"
  done
  cp "$tmp/$name"/payload/*.bin.gz "$dest/payload/"
  rm -rf "$tmp"
  python3 - "$dest/truth.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
if t["warnings"]:
    print("   WARNINGS:", t["warnings"])
print("   nft:", t["network"]["nft_rule_counters"], "drops_in_R:", t["network"]["drops_in_R"])
PY
  du -sh "$dest" | sed 's/^/   size: /'
done
