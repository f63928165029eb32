#!/usr/bin/env python3
"""The streaming PDML baseline for `npm run bench` (case d).

What a user would write to pull TCP payloads out of tshark's full PDML with the standard
library, in flat memory: xml.etree.ElementTree.iterparse, reading each packet's
frame.time_epoch, tcp.stream, tcp.seq_raw and tcp.payload (hex in `value`, decoded to
bytes) when the packet ends, then clearing it (and the root, which otherwise keeps
an empty child per packet).

    python3 scripts/iterparse_baseline.py FILE.pdml      # or - for stdin

Prints one JSON line: packets, TCP packets, payload packets and bytes, first/last time,
and a checksum of the sequence numbers (so the work cannot be skipped).
"""

import json
import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    source = sys.stdin.buffer if path == "-" else path
    packets = tcp_packets = payload_packets = payload_bytes = 0
    seq_sum = 0
    first_time = last_time = None
    root = None
    for event, elem in ET.iterparse(source, events=("start", "end")):
        if event == "start":
            if root is None:
                root = elem
            continue
        if elem.tag != "packet":
            continue
        packets += 1
        time = seq = payload = None
        for field in elem.iter("field"):
            name = field.get("name")
            if name == "frame.time_epoch":
                time = field.get("show")
            elif name == "tcp.seq_raw":
                seq = int(field.get("show"))
            elif name == "tcp.payload":
                payload = bytes.fromhex(field.get("value", ""))
        if time is not None:
            if first_time is None:
                first_time = time
            last_time = time
        if seq is not None:
            tcp_packets += 1
            seq_sum = (seq_sum + seq) & 0xFFFFFFFFFFFFFFFF
        if payload:
            payload_packets += 1
            payload_bytes += len(payload)
        elem.clear()
        root.clear()
    print(
        json.dumps(
            {
                "packets": packets,
                "tcp_packets": tcp_packets,
                "payload_packets": payload_packets,
                "payload_bytes": payload_bytes,
                "first_time": first_time,
                "last_time": last_time,
                "seq_sum": seq_sum,
            }
        )
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: iterparse_baseline.py FILE.pdml|-", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
