#!/usr/bin/env bash
# make-pdml-fixtures.sh -- regenerate fixtures/pdml/*.pdml(.gz) from our own mkcap captures
# (fixtures/mkcap), in both PDML shapes, with the tshark on PATH; then refresh the golden CSVs
# next to them with scripts/update-golden.ts. Review `git diff fixtures/pdml` before committing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tshark --version | head -n 1
mkdir -p fixtures/pdml

# The flat `-T pdml -e …` form, exactly as `follow-tcp --pcap` asks tshark for it.
lean() { node --input-type=module -e "
  import { tsharkArguments } from './dist/index.js';
  process.stdout.write(tsharkArguments({ capture: process.argv[1] }).join('\0'));" "$1" | xargs -0 tshark; }

# Full nested PDML, as Wireshark's "Export Packet Dissections > As PDML" writes it.
full() { tshark -r "$1" -T pdml; }

full fixtures/mkcap/loss-mss536/b.pcapng | gzip -9n > fixtures/pdml/loss-mss536-b.pdml.gz
full fixtures/mkcap/ipv6-loss/a.pcapng | gzip -9n > fixtures/pdml/ipv6-loss-a.pdml.gz
lean fixtures/mkcap/caploss/b-caploss.pcapng > fixtures/pdml/caploss-b-caploss.pdml
lean fixtures/mkcap/late-start/b.pcapng > fixtures/pdml/late-start-b.pdml
lean fixtures/mkcap/reorder/b.pcapng > fixtures/pdml/reorder-b.pdml
npx tsx scripts/update-golden.ts
