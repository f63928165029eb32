// PDML parsing: both PDML shapes (nested full tree and flat `-e`) into PdmlPackets and Frames,
// whatever the chunking of the text, and every kind of bad input as one FollowTcpError.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FollowTcpError } from '../src/errors.js';
import type { Frame } from '../src/frame.js';
import { pdmlFrameBatches, pdmlFrames } from '../src/pdml/frames.js';
import { FIELD_CODES, READ_FIELD_NAMES } from '../src/pdml/fields.js';
import { leadingInteger, toFrame } from '../src/pdml/packet.js';
import { type PdmlPacket, PdmlParser, parsePdml } from '../src/pdml/parse.js';
import { FlatFieldRuns, PdmlSkimmer } from '../src/pdml/skim.js';
import { chunked, collect } from './helpers.js';

const CHUNK_SIZES = [1, 7, 4096];
const SOURCE = 'x.pdml';

// ---------------------------------------------------------------------------------------------
// PDML builders, following research/tshark.md §1.2 (nested) and §2.1 (flat -e) excerpts.

const HEAD = [
  '<?xml version="1.0" encoding="utf-8"?>',
  '<?xml-stylesheet type="text/xsl" href="pdml2html.xsl"?>',
  '<!-- You can find pdml2html.xsl in /usr/share/wireshark or at https://gitlab.com/wireshark/wireshark/-/raw/master/pdml2html.xsl. -->',
  '<pdml version="0" creator="wireshark/4.0.17" time="Sun Nov 22 11:20:09 2026" capture_file="cap.pcapng">',
].join('\n');

function pdml(...packets: string[]): string {
  return `${HEAD}\n${packets.join('\n')}\n</pdml>\n`;
}

// One nested-form field line; `show`/`value` are written as given (already XML-escaped).
function fld(name: string, show: string | undefined, value?: string, extra = ''): string {
  const showAttr = show === undefined ? '' : ` show="${show}"`;
  const valueAttr = value === undefined ? '' : ` value="${value}"`;
  return `    <field name="${name}" showname="${name}: ${show ?? ''}" size="${value === undefined ? 0 : value.length / 2}" pos="0"${showAttr}${valueAttr}${extra}/>`;
}

function geninfo(num: number, time: string): string {
  return [
    '  <proto name="geninfo" pos="0" showname="General information" size="66">',
    `    <field name="num" pos="0" show="${num}" showname="Number" value="${num.toString(16)}" size="66"/>`,
    '    <field name="len" pos="0" show="66" showname="Frame Length" value="42" size="66"/>',
    '    <field name="caplen" pos="0" show="66" showname="Captured Length" value="42" size="66"/>',
    `    <field name="timestamp" pos="0" show="Nov 22, 2026 11:20:06.651105569 UTC" showname="Captured Time" value="${time}" size="66"/>`,
    '  </proto>',
  ].join('\n');
}

function proto(name: string, ...lines: string[]): string {
  return [`  <proto name="${name}" showname="${name} layer" size="20" pos="14">`, ...lines, '  </proto>'].join('\n');
}

function ipv4(src: string, dst: string, idHex: string): string {
  return proto(
    'ip',
    fld('ip.version', '4', '45'),
    fld('ip.id', `0x${idHex}`, idHex),
    fld('ip.src', src, '0a000001'),
    fld('ip.addr', src, '0a000001', ' hide="yes"'),
    fld('ip.src_host', src, '0a000001', ' hide="yes"'),
    fld('ip.dst', dst, '0a000002'),
    fld('ip.addr', dst, '0a000002', ' hide="yes"'),
  );
}

// A nested <packet>: geninfo, frame, eth, the network layers, then top-level protos after them.
function nested(num: number, time: string, ...layers: string[]): string {
  return [
    '<packet>',
    geninfo(num, time),
    `  <proto name="frame" showname="Frame ${num}: 66 bytes on wire" size="66" pos="0">`,
    `    <field name="frame.time_epoch" showname="Epoch Time: ${time} seconds" size="0" pos="0" show="${time}"/>`,
    '    <field name="frame.time_relative" showname="Time since reference" size="0" pos="0" show="0.732426452"/>',
    `    <field name="frame.number" showname="Frame Number: ${num}" size="0" pos="0" show="${num}"/>`,
    '    <field name="frame.len" showname="Frame Length" size="0" pos="0" show="66"/>',
    '  </proto>',
    proto('eth', fld('eth.dst', '00:00:00:00:00:00', '000000000000'), fld('eth.type', '0x0800', '0800')),
    ...layers,
    '</packet>',
  ].join('\n');
}

// The common head of a nested tcp proto: ports (and hidden tcp.port twins), stream, len.
function tcpHead(srcPort: number, dstPort: number, stream: number, length: number): string[] {
  return [
    fld('tcp.srcport', String(srcPort), srcPort.toString(16).padStart(4, '0')),
    fld('tcp.dstport', String(dstPort), dstPort.toString(16).padStart(4, '0')),
    fld('tcp.port', String(srcPort), srcPort.toString(16).padStart(4, '0'), ' hide="yes"'),
    fld('tcp.port', String(dstPort), dstPort.toString(16).padStart(4, '0'), ' hide="yes"'),
    fld('tcp.stream', String(stream)),
    fld('tcp.len', String(length)),
  ];
}

// tcp.flags as tshark writes it: masked `value`, `unmaskedvalue`, bit children.
function tcpFlags(flags: number): string {
  const show = `0x${flags.toString(16).padStart(4, '0')}`;
  const masked = flags.toString(16).toUpperCase();
  const unmasked = (0x8000 | flags).toString(16);
  const bit = (name: string, mask: number): string =>
    `      <field name="tcp.flags.${name}" showname="${name}" size="1" pos="47" show="${flags & mask ? 1 : 0}" value="${flags & mask ? 1 : 0}" unmaskedvalue="${unmasked.slice(2)}"/>`;
  return [
    `    <field name="tcp.flags" showname="Flags: ${show}" size="2" pos="46" show="${show}" value="${masked}" unmaskedvalue="${unmasked}">`,
    bit('ack', 0x10),
    bit('push', 0x08),
    bit('reset', 0x04),
    bit('syn', 0x02),
    bit('fin', 0x01),
    '      <field name="tcp.flags.str" showname="TCP Flags: ·······AP···" size="2" pos="46" show="·······AP···" value="8018"/>',
    '    </field>',
  ].join('\n');
}

function tcpWindow(value: number, scaled: number): string[] {
  const hex = value.toString(16).padStart(4, '0');
  return [fld('tcp.window_size_value', String(value), hex), fld('tcp.window_size', String(scaled), hex)];
}

// tshark's expert-info wrapping of tcp.analysis flags (nested form).
function analysis(...flags: string[]): string {
  return [
    '    <field name="tcp.analysis" showname="SEQ/ACK analysis" size="0" pos="34" show="" value="">',
    '      <field name="tcp.analysis.bytes_in_flight" showname="Bytes in flight: 100" size="0" pos="34" show="100"/>',
    '      <field name="tcp.analysis.flags" showname="TCP Analysis Flags" size="0" pos="34" show="" value="">',
    ...flags.flatMap((flag) => [
      `        <field name="_ws.expert" showname="Expert Info (Note/Sequence): ${flag}" size="0" pos="34">`,
      `          <field name="tcp.analysis.${flag}" showname="${flag}" size="0" pos="0" show="" value=""/>`,
      `          <field name="_ws.expert.message" showname="Message: ${flag}" hide="yes" size="0" pos="0" show="${flag}"/>`,
      '          <field name="_ws.expert.severity" showname="Severity level: Note" size="0" pos="0" show="4194304"/>',
      '        </field>',
    ]),
    '      </field>',
    '      <field name="tcp.analysis.rto" showname="RTO" size="0" pos="34" show="0.2"/>',
    '    </field>',
  ].join('\n');
}

function payload(hex: string): string {
  const show = hex.match(/../g)?.join(':') ?? '';
  return fld('tcp.payload', show, hex);
}

// The `data` wrapper tshark adds after tcp (must be ignored: tcp.payload is the source of bytes).
function dataWrapper(hex: string): string {
  return [
    '  <proto name="fake-field-wrapper">',
    `    <field name="data" value="${hex}">`,
    `      <field name="data.data" showname="Data" size="${hex.length / 2}" pos="66" show="${hex}" value="${hex}"/>`,
    '  </field>',
    '  </proto>',
  ].join('\n');
}

// A flat (-e) <packet>: geninfo, then one `<field name value/>` per entry, in order.
function flat(num: number, time: string, fields: [string, string][]): string {
  return ['<packet>', geninfo(num, time), ...fields.map(([name, value]) => `  <field name="${name}" value="${value}"/>`), '</packet>'].join(
    '\n',
  );
}

// ---------------------------------------------------------------------------------------------
// Expected frames are compared with the payload as hex (Buffer vs Uint8Array aside).

type FrameView = Omit<Frame, 'payload'> & { payload: string };

function view(frame: Frame): FrameView {
  return { ...frame, payload: Buffer.from(frame.payload).toString('hex') };
}

async function framesOf(text: string, size: number): Promise<FrameView[]> {
  return (await collect(pdmlFrames(chunked(text, size), SOURCE))).map(view);
}

const T208 = '1795346406.651105569';

interface FrameCase {
  name: string;
  text: string;
  frames: FrameView[];
}

const FRAME_CASES: FrameCase[] = [
  {
    name: 'nested IPv4 data segment (frame 208 shape): seq/ack from *_raw, flags from show, bytes from tcp.payload',
    text: pdml(
      nested(
        208,
        T208,
        ipv4('127.0.0.1', '127.0.0.2', '1c46'),
        proto(
          'tcp',
          ...tcpHead(39424, 5555, 2, 4),
          fld('tcp.seq', '2201', '6db82e9d'),
          fld('tcp.seq_raw', '1840787101', '6db82e9d'),
          fld('tcp.nxtseq', '2205'),
          fld('tcp.ack', '1', '1d6a24d7'),
          fld('tcp.ack_raw', '493495511', '1d6a24d7'),
          tcpFlags(0x18),
          ...tcpWindow(63, 64512),
          '    <field name="" show="Timestamps" size="0" pos="34">',
          '      <field name="tcp.time_relative" showname="Time since first frame" size="0" pos="34" show="0.014408755"/>',
          '    </field>',
          analysis(),
          payload('4c303030'),
        ),
        dataWrapper('ffffffff'),
      ),
    ),
    frames: [
      {
        number: 208,
        time: 1795346406651105569n,
        srcAddress: '127.0.0.1',
        dstAddress: '127.0.0.2',
        srcPort: 39424,
        dstPort: 5555,
        stream: 2,
        seq: 1840787101,
        ack: 493495511,
        flags: 0x18,
        length: 4,
        payload: '4c303030',
        window: 63,
        windowScaled: 64512,
        ipId: 0x1c46,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested IPv4-in-IPv4 tunnel: the inner ip layer gives addresses and IP ID; SYN options',
    text: pdml(
      nested(
        7,
        '1795346406.000000001',
        ipv4('192.0.2.1', '192.0.2.2', '0001'),
        ipv4('10.1.0.1', '10.1.0.2', '00aa'),
        proto(
          'tcp',
          ...tcpHead(40000, 80, 0, 0),
          fld('tcp.seq', '0', '000003e7'),
          fld('tcp.seq_raw', '999', '000003e7'),
          fld('tcp.ack', '0', '00000000'),
          fld('tcp.ack_raw', '0', '00000000'),
          tcpFlags(0x02),
          ...tcpWindow(64240, 64240),
          '    <field name="tcp.options" showname="Options" size="8" pos="54" show="02:04:05:b4:01:03:03:07" value="020405b401030307">',
          '      <field name="tcp.options.mss" showname="MSS" size="4" pos="54" show="02:04:05:b4" value="020405b4">',
          '        <field name="tcp.options.mss_val" showname="MSS Value: 1460" size="2" pos="56" show="1460" value="05b4"/>',
          '      </field>',
          '      <field name="tcp.options.wscale" showname="Window scale" size="3" pos="59" show="03:03:07" value="030307">',
          '        <field name="tcp.options.wscale.shift" showname="Shift count: 7" size="1" pos="61" show="7" value="07"/>',
          '        <field name="tcp.options.wscale.multiplier" showname="Multiplier: 128" size="1" pos="61" show="128" value="07"/>',
          '      </field>',
          '    </field>',
        ),
      ),
    ),
    frames: [
      {
        number: 7,
        time: 1795346406000000001n,
        srcAddress: '10.1.0.1',
        dstAddress: '10.1.0.2',
        srcPort: 40000,
        dstPort: 80,
        stream: 0,
        seq: 999,
        ack: 0,
        flags: 0x02,
        length: 0,
        payload: '',
        window: 64240,
        windowScaled: 64240,
        ipId: 0xaa,
        mss: 1460,
        windowShift: 7,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested IPv6: ipv6 addresses, no IP ID',
    text: pdml(
      nested(
        3601,
        '1795346409.323824661',
        proto(
          'ipv6',
          fld('ipv6.flow', '0x00000', '00000'),
          fld('ipv6.src', 'fd00::1', 'fd000000000000000000000000000001'),
          fld('ipv6.addr', 'fd00::1', 'fd000000000000000000000000000001', ' hide="yes"'),
          fld('ipv6.dst', 'fd00::2', 'fd000000000000000000000000000002'),
        ),
        proto(
          'tcp',
          ...tcpHead(35478, 5557, 4, 2),
          fld('tcp.seq_raw', '3935510528', 'ea93a300'),
          fld('tcp.ack_raw', '3881162811', 'e755c83b'),
          tcpFlags(0x18),
          ...tcpWindow(512, 65536),
          payload('6869'),
        ),
      ),
    ),
    frames: [
      {
        number: 3601,
        time: 1795346409323824661n,
        srcAddress: 'fd00::1',
        dstAddress: 'fd00::2',
        srcPort: 35478,
        dstPort: 5557,
        stream: 4,
        seq: 3935510528,
        ack: 3881162811,
        flags: 0x18,
        length: 2,
        payload: '6869',
        window: 512,
        windowScaled: 65536,
        ipId: undefined,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested non-TCP packets are skipped (UDP, and ICMP quoting a TCP header)',
    text: pdml(
      nested(1, '1795346400.000000000', ipv4('10.0.0.1', '10.0.0.2', '0001'), proto('udp', fld('udp.srcport', '53', '0035'))),
      nested(
        2,
        '1795346400.100000000',
        ipv4('10.0.0.9', '10.0.0.1', '0002'),
        [
          '  <proto name="icmp" showname="ICMP" size="36" pos="34">',
          fld('icmp.type', '3', '03'),
          '    <proto name="ip" showname="quoted ip" size="20" pos="42">',
          fld('ip.src', '10.0.0.1', '0a000001'),
          fld('ip.dst', '10.0.0.2', '0a000002'),
          '    </proto>',
          '    <proto name="tcp" showname="quoted tcp" size="8" pos="62">',
          ...tcpHead(1000, 80, 0, 0),
          fld('tcp.seq_raw', '1000', '000003e8'),
          '    </proto>',
          '  </proto>',
        ].join('\n'),
      ),
      nested(
        3,
        '1795346400.200000000',
        ipv4('10.0.0.1', '10.0.0.2', '0003'),
        proto('tcp', ...tcpHead(1000, 80, 0, 1), fld('tcp.seq_raw', '1000', '000003e8'), fld('tcp.ack_raw', '0'), tcpFlags(0x10), payload('7a')),
      ),
    ),
    frames: [
      {
        number: 3,
        time: 1795346400200000000n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 1000,
        ack: 0,
        flags: 0x10,
        length: 1,
        payload: '7a',
        window: undefined,
        windowScaled: undefined,
        ipId: 3,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested tcp.analysis flags wrapped in _ws.expert (numbers such as rto are not flags)',
    text: pdml(
      nested(
        9,
        '1795346406.5',
        ipv4('10.0.0.1', '10.0.0.2', '0009'),
        proto(
          'tcp',
          ...tcpHead(1000, 80, 0, 1),
          fld('tcp.seq_raw', '1000', '000003e8'),
          fld('tcp.ack_raw', '7', '00000007'),
          tcpFlags(0x18),
          analysis('spurious_retransmission', 'retransmission'),
          payload('41'),
        ),
      ),
    ),
    frames: [
      {
        number: 9,
        time: 1795346406500000000n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 1000,
        ack: 7,
        flags: 0x18,
        length: 1,
        payload: '41',
        window: undefined,
        windowScaled: undefined,
        ipId: 9,
        mss: undefined,
        windowShift: undefined,
        analysis: ['spurious_retransmission', 'retransmission'],
      },
    ],
  },
  {
    name: 'nested RST with data: bytes from tcp.reset_cause value (show stops at the NUL)',
    text: pdml(
      nested(
        12,
        '1795346406.000000000',
        ipv4('10.0.0.1', '10.0.0.2', '000c'),
        proto(
          'tcp',
          ...tcpHead(1000, 80, 0, 9),
          fld('tcp.seq_raw', '2000', '000007d0'),
          fld('tcp.ack_raw', '1', '00000001'),
          tcpFlags(0x14),
          fld('tcp.reset_cause', 'ab', '61620001ff223c260a'),
        ),
      ),
    ),
    frames: [
      {
        number: 12,
        time: 1795346406000000000n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 2000,
        ack: 1,
        flags: 0x14,
        length: 9,
        payload: '61620001ff223c260a',
        window: undefined,
        windowScaled: undefined,
        ipId: 12,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested without tcp.seq_raw/tcp.ack_raw: the on-wire hex value of tcp.seq/tcp.ack',
    text: pdml(
      nested(
        13,
        '1795346406.651105569',
        ipv4('10.0.0.1', '10.0.0.2', '000d'),
        proto(
          'tcp',
          ...tcpHead(39424, 5555, 2, 1),
          fld('tcp.seq', '2201', '6db82e9d'),
          fld('tcp.ack', '1', '1d6a24d7'),
          tcpFlags(0x10),
          payload('00'),
        ),
      ),
    ),
    frames: [
      {
        number: 13,
        time: 1795346406651105569n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 39424,
        dstPort: 5555,
        stream: 2,
        seq: 0x6db82e9d,
        ack: 0x1d6a24d7,
        flags: 0x10,
        length: 1,
        payload: '00',
        window: undefined,
        windowScaled: undefined,
        ipId: 13,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'nested XML entities and \\xNN in attributes: RST data from the decoded hex, show text ignored',
    text: pdml(
      nested(
        14,
        '0000000001.999999999',
        ipv4('10.0.0.1', '10.0.0.2', '000e'),
        proto(
          'tcp',
          ...tcpHead(1000, 80, 0, 4),
          fld('tcp.seq_raw', '4294967295', 'ffffffff'),
          fld('tcp.ack_raw', '4294967294', 'fffffffe'),
          tcpFlags(0x14),
          fld('tcp.reset_cause', 'a&lt;\\x01&amp;', '613c0126'),
        ),
      ),
    ),
    frames: [
      {
        number: 14,
        time: 1999999999n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 4294967295,
        ack: 4294967294,
        flags: 0x14,
        length: 4,
        payload: '613c0126',
        window: undefined,
        windowScaled: undefined,
        ipId: 14,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'flat -e IPv6 SYN/ACK (frame 3599 shape): values are display strings',
    text: pdml(
      flat(3599, '1795346409.323824661', [
        ['frame.number', '3599'],
        ['frame.time_epoch', '1795346409.323824661'],
        ['frame.len', '94'],
        ['frame.cap_len', '94'],
        ['ipv6.src', '::1'],
        ['ipv6.dst', '::1'],
        ['tcp.srcport', '5557'],
        ['tcp.dstport', '35478'],
        ['tcp.stream', '4'],
        ['tcp.seq_raw', '3881162810'],
        ['tcp.ack_raw', '3935510528'],
        ['tcp.len', '0'],
        ['tcp.flags', '0x0012'],
        ['tcp.window_size', '64260'],
        ['tcp.options.mss_val', '65476'],
        ['tcp.options.wscale.shift', '7'],
        ['tcp.analysis.ack_rtt', '0.000051808'],
      ]),
    ),
    frames: [
      {
        number: 3599,
        time: 1795346409323824661n,
        srcAddress: '::1',
        dstAddress: '::1',
        srcPort: 5557,
        dstPort: 35478,
        stream: 4,
        seq: 3881162810,
        ack: 3935510528,
        flags: 0x12,
        length: 0,
        payload: '',
        window: undefined,
        windowScaled: 64260,
        ipId: undefined,
        mss: 65476,
        windowShift: 7,
        analysis: [],
      },
    ],
  },
  {
    name: 'flat -e IPv4 data with analysis flags (value="1") and ip.id as 0x…',
    text: pdml(
      flat(20, '1795346406.123456789', [
        ['frame.number', '20'],
        ['frame.time_epoch', '1795346406.123456789'],
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['ip.id', '0x1c46'],
        ['tcp.srcport', '1000'],
        ['tcp.dstport', '80'],
        ['tcp.stream', '0'],
        ['tcp.seq_raw', '1000'],
        ['tcp.ack_raw', '5001'],
        ['tcp.len', '3'],
        ['tcp.flags', '0x0018'],
        ['tcp.window_size_value', '502'],
        ['tcp.window_size', '64256'],
        ['tcp.payload', '616263'],
        ['tcp.analysis.retransmission', '1'],
        ['tcp.analysis.out_of_order', '1'],
        ['tcp.analysis.bytes_in_flight', '3'],
      ]),
    ),
    frames: [
      {
        number: 20,
        time: 1795346406123456789n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 1000,
        ack: 5001,
        flags: 0x18,
        length: 3,
        payload: '616263',
        window: 502,
        windowScaled: 64256,
        ipId: 0x1c46,
        mss: undefined,
        windowShift: undefined,
        analysis: ['retransmission', 'out_of_order'],
      },
    ],
  },
  {
    name: 'flat -e numbers written oddly (space, 0X, wide flags) and payload text that is not hex',
    text: pdml(
      flat(22, '1795346406.5', [
        ['frame.number', '22'],
        ['frame.time_epoch', ' 1795346406.5'],
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['ip.id', '0X1C46'],
        ['tcp.srcport', ' 1000'],
        ['tcp.dstport', '80 (http)'],
        ['tcp.stream', '007'],
        ['tcp.seq_raw', '4294967295'],
        ['tcp.ack_raw', '0x10'],
        ['tcp.len', '2'],
        ['tcp.flags', '0x0fff'],
        ['tcp.window_size_value', '0x'],
        ['tcp.window_size', 'none'],
        ['tcp.payload', '0g12'],
      ]),
    ),
    frames: [
      {
        number: 22,
        time: 1795346406500000000n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 7,
        seq: 4294967295,
        ack: 16,
        flags: 0xff,
        length: 2,
        payload: '',
        window: 0,
        windowScaled: undefined,
        ipId: 0x1c46,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'flat -e IPv4-in-IPv4 tunnel: repeated ip fields, the last (inner) wins',
    text: pdml(
      flat(21, '1795346406.000000000', [
        ['frame.number', '21'],
        ['frame.time_epoch', '1795346406.000000000'],
        ['ip.src', '192.0.2.1'],
        ['ip.src', '10.1.0.1'],
        ['ip.dst', '192.0.2.2'],
        ['ip.dst', '10.1.0.2'],
        ['ip.id', '0x0001'],
        ['ip.id', '0x00aa'],
        ['tcp.srcport', '40000'],
        ['tcp.dstport', '80'],
        ['tcp.seq_raw', '999'],
        ['tcp.len', '0'],
        ['tcp.flags', '0x0002'],
      ]),
    ),
    frames: [
      {
        number: 21,
        time: 1795346406000000000n,
        srcAddress: '10.1.0.1',
        dstAddress: '10.1.0.2',
        srcPort: 40000,
        dstPort: 80,
        stream: undefined,
        seq: 999,
        ack: 0,
        flags: 0x02,
        length: 0,
        payload: '',
        window: undefined,
        windowScaled: undefined,
        ipId: 0xaa,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'flat -e RST data: whole plain display string used (entities decoded); cut or escaped ones are not',
    text: pdml(
      flat(30, '1795346406.000000030', [
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['tcp.srcport', '1000'],
        ['tcp.dstport', '80'],
        ['tcp.seq_raw', '2000'],
        ['tcp.len', '7'],
        ['tcp.flags', '0x0014'],
        ['tcp.reset_cause', 'a&lt;&amp;&gt;&quot;&apos;z'],
      ]),
      flat(31, '1795346406.000000031', [
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['tcp.srcport', '1000'],
        ['tcp.dstport', '80'],
        ['tcp.seq_raw', '2000'],
        ['tcp.len', '9'],
        ['tcp.flags', '0x0014'],
        ['tcp.reset_cause', 'ab'],
      ]),
      flat(32, '1795346406.000000032', [
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['tcp.srcport', '1000'],
        ['tcp.dstport', '80'],
        ['tcp.seq_raw', '2000'],
        ['tcp.len', '4'],
        ['tcp.flags', '0x0014'],
        ['tcp.reset_cause', '\\x01'],
      ]),
    ),
    // No frame.number / frame.time_epoch: geninfo's num and timestamp value stand in.
    frames: [30, 31, 32].map((number, index) => ({
      number,
      time: 1795346406000000030n + BigInt(index),
      srcAddress: '10.0.0.1',
      dstAddress: '10.0.0.2',
      srcPort: 1000,
      dstPort: 80,
      stream: undefined,
      seq: 2000,
      ack: 0,
      flags: 0x14,
      length: [7, 9, 4][index]!,
      payload: index === 0 ? Buffer.from('a<&>"\'z', 'latin1').toString('hex') : '',
      window: undefined,
      windowScaled: undefined,
      ipId: undefined,
      mss: undefined,
      windowShift: undefined,
      analysis: [],
    })),
  },
  {
    name: 'time with 9 decimals kept exactly as integer nanoseconds (beyond a double), both shapes',
    text: pdml(
      nested(
        40,
        '1795346406.000000001',
        ipv4('10.0.0.1', '10.0.0.2', '0028'),
        proto('tcp', ...tcpHead(1000, 80, 0, 0), fld('tcp.seq_raw', '1'), tcpFlags(0x10)),
      ),
      flat(41, '1795346406.999999999', [
        ['frame.number', '41'],
        ['frame.time_epoch', '1795346406.999999999'],
        ['ip.src', '10.0.0.1'],
        ['ip.dst', '10.0.0.2'],
        ['tcp.srcport', '1000'],
        ['tcp.dstport', '80'],
        ['tcp.seq_raw', '2'],
        ['tcp.flags', '0x0010'],
      ]),
    ),
    frames: [
      {
        number: 40,
        time: 1795346406000000001n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: 0,
        seq: 1,
        ack: 0,
        flags: 0x10,
        length: 0,
        payload: '',
        window: undefined,
        windowScaled: undefined,
        ipId: 0x28,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
      {
        number: 41,
        time: 1795346406999999999n,
        srcAddress: '10.0.0.1',
        dstAddress: '10.0.0.2',
        srcPort: 1000,
        dstPort: 80,
        stream: undefined,
        seq: 2,
        ack: 0,
        flags: 0x10,
        length: 0,
        payload: '',
        window: undefined,
        windowScaled: undefined,
        ipId: undefined,
        mss: undefined,
        windowShift: undefined,
        analysis: [],
      },
    ],
  },
  {
    name: 'a <pdml> with no packets yields no frames',
    text: pdml(),
    frames: [],
  },
];

// pdmlFrames: each PDML text gives exactly these frames, whatever the chunk size.
const Frames = suite('pdmlFrames: both PDML shapes → Frames, chunked 1/7/4096');

for (const row of FRAME_CASES) {
  Frames(row.name, async () => {
    for (const size of CHUNK_SIZES) {
      assert.equal(await framesOf(row.text, size), row.frames, `chunks of ${size}`);
    }
  });
}

// The arrays: never empty, one per chunk at most, and the frames of a text read in one chunk come
// in one array.
Frames('pdmlFrameBatches: the same frames in non-empty arrays, one per chunk at most', async () => {
  for (const row of FRAME_CASES) {
    for (const size of CHUNK_SIZES) {
      const chunks = Math.ceil(row.text.length / size);
      const batches = await collect(pdmlFrameBatches(chunked(row.text, size), SOURCE));
      assert.ok(batches.length <= chunks, `${row.name}: ${batches.length} arrays for ${chunks} chunks of ${size}`);
      assert.ok(batches.every((frames) => frames.length > 0), `${row.name}: an empty array, chunks of ${size}`);
      assert.equal(batches.flat().map(view), row.frames, `${row.name}, chunks of ${size}`);
      if (chunks === 1) assert.is(batches.length, row.frames.length > 0 ? 1 : 0, row.name);
    }
  }
});

Frames.run();

// ---------------------------------------------------------------------------------------------

interface PacketView {
  line: number;
  analysis: string[];
  fields: Record<string, [string | undefined, string | undefined]>;
}

function packetView(packet: PdmlPacket): PacketView {
  const fields: PacketView['fields'] = {};
  packet.fields.forEach((field, code) => {
    if (field) fields[READ_FIELD_NAMES[code]!] = [field.show, field.value];
  });
  return { line: packet.line, analysis: packet.analysis, fields };
}

const TUNNEL_FLAT = flat(2, '1.5', [
  ['ip.src', '192.0.2.1'],
  ['ip.src', '10.1.0.1'],
  ['tcp.srcport', '1'],
  ['tcp.reset_cause', 'x&quot;y\\x7f'],
  ['data', 'ffff'],
  ['tcp.analysis.keep_alive', '1'],
  ['tcp.analysis.ack_rtt', '0.1'],
]);

// A flat packet whose text holds elements named like the skimmer's coded tags, and a value on two
// lines. One of them (a '<' in a value) is not well-formed XML, but sax takes it, so it reaches sax.
const CODED_LOOKALIKE = flat(1, '1.000000001', [
  ['frame.number', '1'],
  ['frame.time_epoch', '1.000000001'],
  ['tcp.srcport', '1'],
  ['tcp.reset_cause', 'a\nb'],
])
  .replace('  <field name="tcp.srcport"', '  <f v="<"/>\n  <field name="tcp.srcport"')
  .replace(
    '</packet>',
    `  <f n="${FIELD_CODES.get('tcp.dstport')}" v="2"/>\n  <f a${FIELD_CODES.get('tcp.len')}="4"/>\n  <f><field name="tcp.stream" value="3"/></f>\n</packet>`,
  );

// A flat packet with text between two of its fields (mixed content: allowed, and not read).
const TEXT_BETWEEN_FIELDS = flat(1, '1.000000001', [
  ['frame.number', '1'],
  ['frame.time_epoch', '1.000000001'],
  ['tcp.srcport', '1'],
  ['tcp.dstport', '2'],
]).replace('\n  <field name="tcp.dstport"', '\n  stray text <field name="tcp.dstport"');

// The fields of a flat packet that keeps its geninfo (it does not list both frame.number and frame.time_epoch).
function withGeninfo(num: number, time: string, fields: PacketView['fields']): PacketView['fields'] {
  const geninfo: PacketView['fields'] = { caplen: ['66', '42'], len: ['66', '42'], num: [String(num), String(num)] };
  return { ...geninfo, timestamp: ['Nov 22, 2026 11:20:06.651105569 UTC', time], ...fields };
}

interface PacketCase {
  name: string;
  text: string;
  packets: PacketView[];
}

const PACKET_CASES: PacketCase[] = [
  {
    name: 'flat: geninfo is skimmed away when the packet lists frame.number and frame.time_epoch, kept otherwise',
    text: pdml(
      flat(1, '1.000000001', [
        ['frame.number', '1'],
        ['frame.time_epoch', '1.000000001'],
        ['tcp.srcport', '1'],
      ]),
      flat(2, '1.000000002', [
        ['frame.number', '2'],
        ['tcp.srcport', '2'],
      ]),
      flat(3, '1.000000003', [['tcp.srcport', '3']]),
    ),
    packets: [
      { line: 5, analysis: [], fields: { 'frame.number': [undefined, '1'], 'frame.time_epoch': [undefined, '1.000000001'], 'tcp.srcport': [undefined, '1'] } },
      { line: 16, analysis: [], fields: withGeninfo(2, '1.000000002', { 'frame.number': [undefined, '2'], 'tcp.srcport': [undefined, '2'] }) },
      { line: 26, analysis: [], fields: withGeninfo(3, '1.000000003', { 'tcp.srcport': [undefined, '3'] }) },
    ],
  },
  {
    name: 'flat: an <f> element in the input is not a field (coded tags are the skimmer\'s own); a value on two lines keeps them',
    text: pdml(CODED_LOOKALIKE, flat(2, '1.000000002', [['frame.number', '2']])),
    packets: [
      {
        line: 5,
        analysis: [],
        fields: {
          'frame.number': [undefined, '1'],
          'frame.time_epoch': [undefined, '1.000000001'],
          'tcp.reset_cause': [undefined, 'a\nb'],
          'tcp.srcport': [undefined, '1'],
        },
      },
      { line: 22, analysis: [], fields: withGeninfo(2, '1.000000002', { 'frame.number': [undefined, '2'] }) },
    ],
  },
  {
    name: 'flat: a field before geninfo, which is then skimmed away',
    text: pdml(
      flat(1, '1.000000001', [
        ['frame.number', '1'],
        ['frame.time_epoch', '1.000000001'],
      ]).replace('<packet>\n', '<packet>\n  <field name="tcp.srcport" value="7"/>\n'),
    ),
    packets: [
      {
        line: 5,
        analysis: [],
        fields: { 'tcp.srcport': [undefined, '7'], 'frame.number': [undefined, '1'], 'frame.time_epoch': [undefined, '1.000000001'] },
      },
    ],
  },
  {
    name: 'flat: text between two fields is not read, and the fields on both sides are',
    text: pdml(TEXT_BETWEEN_FIELDS),
    packets: [
      {
        line: 5,
        analysis: [],
        fields: {
          'frame.number': [undefined, '1'],
          'frame.time_epoch': [undefined, '1.000000001'],
          'tcp.srcport': [undefined, '1'],
          'tcp.dstport': [undefined, '2'],
        },
      },
    ],
  },
  {
    name: 'nested: field per layer, hidden twins / data / text nodes ignored, entities decoded, \\xNN kept literally',
    text: pdml(
      nested(
        5,
        '1.000000005',
        ipv4('192.0.2.1', '192.0.2.2', '0001'),
        ipv4('10.1.0.1', '10.1.0.2', '00aa'),
        proto(
          'tcp',
          ...tcpHead(1, 2, 3, 2),
          fld('tcp.seq_raw', '9', '00000009'),
          tcpFlags(0x14),
          analysis('keep_alive'),
          fld('tcp.reset_cause', 'q&quot;\\x00', '7122'),
        ),
        dataWrapper('ffff'),
      ),
    ),
    packets: [
      {
        line: 5,
        analysis: ['keep_alive'],
        fields: {
          caplen: ['66', '42'],
          'frame.number': ['5', undefined],
          'frame.time_epoch': ['1.000000005', undefined],
          'ip.dst': ['10.1.0.2', '0a000002'],
          'ip.id': ['0x00aa', '00aa'],
          'ip.src': ['10.1.0.1', '0a000001'],
          len: ['66', '42'],
          num: ['5', '5'],
          'tcp.dstport': ['2', '0002'],
          'tcp.flags': ['0x0014', '14'],
          'tcp.len': ['2', undefined],
          'tcp.reset_cause': ['q"\\x00', '7122'],
          'tcp.seq_raw': ['9', '00000009'],
          'tcp.srcport': ['1', '0001'],
          'tcp.stream': ['3', undefined],
          timestamp: ['Nov 22, 2026 11:20:06.651105569 UTC', '1.000000005'],
        },
      },
    ],
  },
  {
    name: 'flat: fields directly under <packet>, repeated ip fields keep the last, flags from value="1"',
    text: pdml(TUNNEL_FLAT),
    packets: [
      {
        line: 5,
        analysis: ['keep_alive'],
        fields: {
          caplen: ['66', '42'],
          'ip.src': [undefined, '10.1.0.1'],
          len: ['66', '42'],
          num: ['2', '2'],
          'tcp.reset_cause': [undefined, 'x"y\\x7f'],
          'tcp.srcport': [undefined, '1'],
          timestamp: ['Nov 22, 2026 11:20:06.651105569 UTC', '1.5'],
        },
      },
    ],
  },
];

// parsePdml: which fields of a <packet> are kept, from which layer, with the packet's line.
const Packets = suite('parsePdml: PdmlPacket fields, chunked 1/7/4096');

for (const row of PACKET_CASES) {
  Packets(row.name, async () => {
    for (const size of CHUNK_SIZES) {
      const packets = (await collect(parsePdml(chunked(row.text, size), SOURCE))).map(packetView);
      assert.equal(packets, row.packets, `chunks of ${size}`);
    }
  });
}

// The push parser directly: toFrame on its packets gives the same frames as pdmlFrames.
Packets('PdmlParser.write/end with toFrame agrees with pdmlFrames', async () => {
  for (const row of FRAME_CASES) {
    const packets: PdmlPacket[] = [];
    const parser = new PdmlParser(SOURCE, (packet) => packets.push(packet));
    for (let index = 0; index < row.text.length; index += 3) parser.write(row.text.slice(index, index + 3));
    parser.end();
    const frames = packets.map((packet) => toFrame(packet, SOURCE)).filter((frame): frame is Frame => frame !== undefined);
    assert.equal(frames.map(view), row.frames, row.name);
  }
});

// The skimmer alone: only the elements follow-tcp reads reach sax, with every line break, and
// the result does not depend on how the text was chunked.
Packets('PdmlSkimmer keeps read elements and line breaks, whatever the chunking', () => {
  const text = pdml(
    nested(
      7,
      '1.000000007',
      ipv4('10.1.0.1', '10.1.0.2', '00aa'),
      proto(
        'tcp',
        ...tcpHead(1, 2, 3, 2),
        fld('tcp.seq_raw', '9', '00000009'),
        '    <field name="tcp.window_size" showname="Window: 5 > 4 >" size="2" pos="48" show="5" value="0005"/>',
        fld('tcp.payload', '61:62', '6162'),
      ),
      proto('icmp', '    <!-- a comment -->', fld('ip.src', '192.0.2.9', 'c0000209'), '    <![CDATA[ <not a tag> ]]>'),
      proto('data', fld('data.data', '61:62', '6162')),
    ),
  );
  const skimmed: string[] = [];
  // (A '>' inside an attribute value is not the end of a tag cut between chunks.)
  for (const size of [1, 2, 3, 5, 7, 11, 13, 4096, text.length]) {
    const skimmer = new PdmlSkimmer();
    let out = '';
    for (let index = 0; index < text.length; index += size) out += skimmer.skim(text.slice(index, index + size), false);
    out += skimmer.skim('', true);
    assert.equal(skimmer.payloads, ['6162'], `payload hex taken out, chunks of ${size}`);
    assert.is(skimmer.mismatch, undefined);
    skimmed.push(out);
  }
  const [whole] = skimmed;
  for (const out of skimmed) assert.is(out, whole);
  assert.is(whole!.split('\n').length, text.split('\n').length, 'every line break kept');
  for (const read of ['name="frame.time_epoch"', '    <field name="ip.src" show="10.1.0.1" value="0a000001"/>\n', 'name="tcp.seq_raw"', 'name="tcp.payload"']) {
    assert.ok(whole!.includes(read), read);
  }
  // Read fields and protocols keep only name, show and value; the payload and geninfo (held
  // back as written, in the flat form it is dropped whole) keep their other attributes.
  assert.ok(whole!.includes('  <proto name="tcp">\n'), 'protocol tag cut to its name');
  const uncut = whole!.split('\n').filter((line) => line.includes('showname='));
  assert.ok(uncut.length > 1);
  for (const line of uncut) assert.match(line, /name="(geninfo|num|len|caplen|timestamp|tcp\.payload)"/);
  for (const dropped of ['frame.time_relative', 'eth.dst', 'ip.version', '192.0.2.9', 'a comment', 'CDATA', 'data.data', 'icmp']) {
    assert.not.ok(whole!.includes(dropped), dropped);
  }
});

Packets('PdmlSkimmer passes on as written the read tags it cannot cut safely', () => {
  const entity = '    <field name="ip.src" showname="Source: a&amp;b" size="4" pos="26" show="10.1.0.1" value="0a010001"/>';
  const quoted = "    <field name='ip.dst' showname=\"Destination\" size=\"4\" pos=\"30\" show=\"10.1.0.2\" value=\"0a010002\"/>";
  const split = '    <field name="ip.id" showname="Identification"\n      size="2" pos="18" show="0x00aa" value="00aa"/>';
  const malformed = '    <field name="ip.ttl" showname="TTL" size="1" pos="22" show="64" value="40" broken/>';
  const lean = '  <field name="tcp.len" value="0"/>'; // tshark's flat form: coded, below
  const text = ['<pdml>', '<packet>', '  <proto name="ip" showname="IP" size="20" pos="14">', entity, quoted, split, malformed, '  </proto>', lean, '</packet>', '</pdml>', ''].join('\n');
  const skimmer = new PdmlSkimmer();
  const out = skimmer.skim(text, true);
  for (const kept of [entity, quoted, split, malformed]) assert.ok(out.includes(kept), kept);
  assert.ok(out.includes('  <proto name="ip">\n'));
  assert.not.ok(out.includes(lean));
  assert.ok(out.includes('\n<f/>\n</packet>'), 'the flat tag handed past sax: a coded tag in its place, its indent gone');
  const passed: [string, string][] = [];
  skimmer.flatFields.takeRun((code, value) => passed.push([READ_FIELD_NAMES[code]!, value]));
  assert.equal(passed, [['tcp.len', '0']]);
  assert.is(out.split('\n').length, text.split('\n').length);
});

// The queue between skimmer and parser stays small while a run is always being gathered (a chunk
// ending inside a packet's fields), and hands every field on in order.
Packets('FlatFieldRuns: runs taken in order, taken fields dropped while others wait', () => {
  const runs = new FlatFieldRuns();
  const seen: number[] = [];
  runs.add(0, 'v0');
  for (let field = 1; field < 20_000; field++) {
    runs.add(field, `v${field}`);
    runs.endRun(1); // the run of field - 1 is complete; field's run is still being gathered
    runs.takeRun((code, value) => {
      assert.is(value, `v${code}`);
      seen.push(code);
    });
    assert.ok(runs.stored <= 4098, `${runs.stored} fields stored after ${field} runs`);
  }
  runs.takeRun(() => assert.unreachable('no run complete'));
  runs.endRun(1);
  runs.takeRun((code) => seen.push(code));
  assert.equal(seen, Array.from({ length: 20_000 }, (_, index) => index));
});

// Flat fields handed past sax: plain values in runs (one per coded tag, the payload's hex
// included), values sax must read (an entity, a line break, beyond ASCII) as coded tags of their
// own, in document order, whatever the chunking.
Packets('PdmlSkimmer hands plain flat fields past sax in runs, in order, whatever the chunking', () => {
  const text = pdml(
    flat(1, '1.000000001', [
      ['frame.number', '1'],
      ['frame.time_epoch', '1.000000001'],
      ['ip.src', '10.1.0.1'],
      ['tcp.reset_cause', 'a&amp;b'],
      ['tcp.srcport', '1 < 2'],
      ['tcp.payload', '6162'],
      ['tcp.reset_cause', 'caf\u00e9'],
      ['tcp.reset_cause', 'two\nlines'],
      ['tcp.analysis.retransmission', ''],
      ['frame.number', '9'],
    ]),
    flat(2, '1.000000002', [['tcp.srcport', '2']]),
  );
  const results: { out: string; runs: string[][] }[] = [];
  for (const size of [1, 2, 3, 5, 7, 11, 13, 4096, text.length]) {
    const skimmer = new PdmlSkimmer();
    let out = '';
    for (let index = 0; index < text.length; index += size) out += skimmer.skim(text.slice(index, index + size), false);
    out += skimmer.skim('', true);
    // What the parser does: one run taken per coded tag, in the order sax reads them.
    const runs: string[][] = [];
    for (const _ of out.matchAll(/<f[ />]/g)) {
      const run: string[] = [];
      skimmer.flatFields.takeRun((code, value) => run.push(`${READ_FIELD_NAMES[code]}=${value}`));
      runs.push(run);
    }
    const extra: string[] = [];
    skimmer.flatFields.takeRun((code, value) => extra.push(`${code}=${value}`));
    assert.equal(extra, [], `no run left over, chunks of ${size}`);
    assert.equal(skimmer.payloads, [], 'the flat payload is in its run');
    results.push({ out, runs });
  }
  const [whole] = results;
  for (const result of results) assert.equal(result, whole);
  const code = (name: string): number => FIELD_CODES.get(name)!;
  assert.equal(whole!.runs, [
    ['frame.number=1', 'frame.time_epoch=1.000000001', 'ip.src=10.1.0.1'],
    [],
    ['tcp.srcport=1 < 2', 'tcp.payload=6162'],
    [],
    [],
    ['tcp.analysis.retransmission=', 'frame.number=9'],
    ['tcp.srcport=2'],
  ]);
  for (const coded of [`<f a${code('tcp.reset_cause')}="a&amp;b"/>`, `<f a${code('tcp.reset_cause')}="caf\u00e9"/>`, `<f a${code('tcp.reset_cause')}="two\nlines"/>`]) {
    assert.ok(whole!.out.includes(coded), coded);
  }
  assert.not.match(whole!.out, /<field name="(frame|ip|tcp)\./, 'no flat tag left (packet 2 keeps its geninfo)');
  assert.is(whole!.out.split('\n').length, text.split('\n').length, 'every line break kept');
});

Packets('attributes are read one by one; payload text beyond Latin-1 is not hex', async () => {
  const text = pdml(
    nested(
      4,
      '1.000000004',
      ipv4('10.1.0.1', '10.1.0.2', '00aa'),
      proto(
        'tcp',
        '    <field name="tcp.len" showname="a show=" size="0" pos="0" show="7" value="07"/>',
        '    <field showname="x name=" name="tcp.stream" size="0" pos="0" show="9"/>',
        ...tcpHead(1, 2, 3, 2),
        tcpFlags(0x18),
        fld('tcp.seq_raw', '9', '00000009'),
        '    <field name="tcp.payload" showname="TCP payload (1 byte)" size="1" pos="54" show="9\u0130" value="9\u0130"/>',
      ),
    ),
  );
  for (const size of CHUNK_SIZES) {
    const frames = await collect(pdmlFrames(chunked(text, size), SOURCE));
    assert.is(frames.length, 1);
    assert.is(frames[0]!.length, 7, 'tcp.len from its own show, not from inside showname');
    assert.is(frames[0]!.stream, 9, 'tcp.stream found after an attribute whose text ends in " name="');
    assert.is(frames[0]!.payload.length, 0, '"9\u0130" is not hex');
  }
});

Packets('a malformed read tag after a cut one: sax reports the right line', async () => {
  const text = pdml(
    nested(
      3,
      '1.000000003',
      ipv4('10.1.0.1', '10.1.0.2', '00aa'),
      proto('tcp', ...tcpHead(1, 2, 3, 2), '    <field name="tcp.seq_raw" showname="raw" size="4" pos="38" show="9" value="00000009" =oops/>'),
    ),
  );
  const line = text.split('\n').findIndex((candidate) => candidate.includes('=oops')) + 1;
  for (const size of CHUNK_SIZES) {
    try {
      await collect(parsePdml(chunked(text, size), SOURCE));
      assert.unreachable('malformed tag accepted');
    } catch (error) {
      assert.instance(error, FollowTcpError);
      assert.match((error as Error).message, new RegExp(`^x\\.pdml:${line}:\\d+: malformed XML`));
    }
  }
});

Packets.run();

// ---------------------------------------------------------------------------------------------

const GOOD = pdml(
  flat(1, '1.000000001', [
    ['ip.src', '10.0.0.1'],
    ['ip.dst', '10.0.0.2'],
    ['tcp.srcport', '1000'],
    ['tcp.dstport', '80'],
    ['tcp.seq_raw', '1000'],
    ['tcp.len', '1'],
    ['tcp.flags', '0x0018'],
    ['tcp.payload', '61'],
  ]),
);
// The same PDML without its closing </pdml>: one complete packet, ending at line 20.
const GOOD_OPEN = GOOD.slice(0, GOOD.indexOf('</pdml>'));

interface BadCase {
  name: string;
  text: string;
  /** Frame numbers yielded before the error. */
  frames: number[];
  code: 'BAD_INPUT' | 'TRUNCATED_INPUT';
  message: string;
}

const BAD_CASES: BadCase[] = [
  {
    // The eth layer is not read (the skimmer drops it) but its malformed tag still reaches sax.
    name: 'malformed XML inside a layer follow-tcp does not read',
    text: `${GOOD_OPEN}<packet>\n  <proto name="eth" showname="Ethernet">\n    <field name="eth.dst" show="a & b"/>\n  </proto>\n</packet>\n</pdml>\n`,
    frames: [1],
    code: 'BAD_INPUT',
    message: 'x.pdml:23:36: malformed XML: Invalid character in entity name',
  },
  {
    name: 'end tag that closes nothing open, inside a layer follow-tcp does not read',
    text: `${GOOD_OPEN}<packet>\n  <proto name="eth" showname="Ethernet">\n    <field name="eth.dst" show="a">\n  </proto>\n</packet>\n</pdml>\n`,
    frames: [1],
    code: 'BAD_INPUT',
    message: 'x.pdml:24:10: malformed XML: Unexpected close tag',
  },
  {
    name: 'unclosed element inside a layer follow-tcp does not read',
    text: `${GOOD_OPEN}<packet>\n  <proto name="eth" showname="Ethernet">\n    <field name="eth.dst" show="a">\n</packet>\n</pdml>\n`,
    frames: [1],
    code: 'BAD_INPUT',
    message: 'x.pdml:24:9: malformed XML: unexpected end tag </packet> where </field> was expected',
  },
  {
    // BUG: the column is one past the offending character ('x' is column 15 of line 22; reported 16).
    name: 'malformed XML (unquoted attribute) after a good packet',
    text: `${GOOD_OPEN}<packet>\n  <field name=x/>\n</packet>\n</pdml>\n`,
    frames: [1],
    code: 'BAD_INPUT',
    message: 'x.pdml:22:15: malformed XML: Unquoted attribute value',
  },
  {
    // BUG: the column is one past the offending character (the '>' of </protx> is column 28; reported 29).
    name: 'malformed XML (mismatched close tag)',
    text: `${HEAD}\n<packet>\n  <proto name="tcp"></protx>\n</packet>\n</pdml>\n`,
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml:6:28: malformed XML: Unexpected close tag',
  },
  {
    // BUG: the column is one past the offending character (the space after '&' is column 28; reported 29).
    name: 'malformed XML (bare & in an attribute)',
    text: '<pdml>\n<packet>\n  <field name="a" show="a & b"/>\n</packet>\n</pdml>\n',
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml:3:28: malformed XML: Invalid character in entity name',
  },
  {
    // BUG: the column is one past the offending character ('h' is column 1; reported 2).
    name: 'non-XML text',
    text: 'hello world\n',
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml:1:1: not PDML (expected tshark -T pdml output): Non-whitespace before first tag.',
  },
  {
    name: 'XML whose root is not <pdml>',
    text: '<?xml version="1.0"?>\n<html><body><packet/></body></html>\n',
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml:2: not PDML: the root element is <html>, expected <pdml> (tshark -T pdml output)',
  },
  {
    name: 'empty input',
    text: '',
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml: empty input: no PDML in it (expected tshark -T pdml output)',
  },
  {
    name: 'only whitespace and the XML declaration',
    text: '<?xml version="1.0" encoding="utf-8"?>\n  \n',
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml: empty input: no PDML in it (expected tshark -T pdml output)',
  },
  {
    name: 'truncated inside a <packet>: complete packets first',
    text: `${GOOD_OPEN}<packet>\n${geninfo(2, '2.0')}\n  <field name="tcp.srcport" value="10`,
    frames: [1],
    code: 'TRUNCATED_INPUT',
    message:
      'x.pdml:28: PDML ends inside the <packet> that starts at line 21 without </pdml> (tshark killed or disk full?); every complete packet was used',
  },
  {
    name: 'truncated inside a <packet> right after its flat fields',
    text: `${GOOD_OPEN}<packet>\n  <field name="frame.number" value="2"/>\n  <field name="tcp.srcport" value="1"/>\n  `,
    frames: [1],
    code: 'TRUNCATED_INPUT',
    message: 'x.pdml:24: PDML ends inside the <packet> that starts at line 21 without </pdml> (tshark killed or disk full?); every complete packet was used',
  },
  {
    name: 'truncated between packets (no </pdml>)',
    text: GOOD_OPEN.trimEnd(),
    frames: [1],
    code: 'TRUNCATED_INPUT',
    message: 'x.pdml:20: PDML ends without </pdml> (tshark killed or disk full?); every complete packet was used',
  },
  {
    name: 'flat TCP packet without tcp.seq_raw (relative tcp.seq value cannot be used)',
    text: `${GOOD_OPEN}${flat(2, '2.0', [
      ['ip.src', '10.0.0.1'],
      ['ip.dst', '10.0.0.2'],
      ['tcp.srcport', '1000'],
      ['tcp.dstport', '80'],
      ['tcp.seq', '1'],
      ['tcp.flags', '0x0010'],
    ])}\n</pdml>\n`,
    frames: [1],
    code: 'BAD_INPUT',
    message: 'x.pdml:21: TCP packet without tcp.seq_raw: export the PDML with tshark -T pdml (full) or list tcp.seq_raw with -e',
  },
  {
    name: 'TCP packet with an unreadable time',
    text: `${HEAD}\n${flat(3, 'Nov 22', [
      ['ip.src', '10.0.0.1'],
      ['ip.dst', '10.0.0.2'],
      ['tcp.srcport', '1000'],
      ['tcp.dstport', '80'],
      ['tcp.seq_raw', '1'],
      ['tcp.flags', '0x0010'],
    ])}\n</pdml>\n`,
    frames: [],
    code: 'BAD_INPUT',
    message: 'x.pdml:5: frame 3 has no readable time (frame.time_epoch): export it with tshark -T pdml',
  },
];

// Bad input: the frames before the error are yielded, then exactly this FollowTcpError.
const Bad = suite('pdmlFrames: bad input, chunked 1/7/4096');

for (const row of BAD_CASES) {
  Bad(row.name, async () => {
    for (const size of CHUNK_SIZES) {
      const frames: number[] = [];
      let error: unknown;
      try {
        for await (const frame of pdmlFrames(chunked(row.text, size), SOURCE)) frames.push(frame.number);
      } catch (caught) {
        error = caught;
      }
      assert.equal(frames, row.frames, `frames before the error, chunks of ${size}`);
      assert.instance(error, FollowTcpError, `chunks of ${size}`);
      const failure = error as FollowTcpError;
      assert.equal([failure.code, failure.message], [row.code, row.message], `chunks of ${size}`);
    }
  });
}

Bad.run();

// ---------------------------------------------------------------------------------------------
// leadingInteger reads numbers exactly as the regular expression it replaced did.

const LEADING_INTEGER_REFERENCE = /^\s*(0x[0-9a-f]+|\d+)/i;

function referenceInteger(text: string): number | undefined {
  const match = LEADING_INTEGER_REFERENCE.exec(text);
  return match ? Number(match[1]) : undefined;
}

const Numbers = suite('leadingInteger: same numbers as /^\\s*(0x[0-9a-f]+|\\d+)/i');

Numbers('hand-picked texts', () => {
  const texts = ['', '0', '00012', '12abc', ' 12', '\t\n 7', '\u00a012', '\u2003 5', 'abc', '-1', '0x', '0xg', '0x1f', '0X1A ', '0x0018',
    '4294967295', '9007199254740993', '123456789012345678901234', '0x' + 'f'.repeat(20), '1e5', '1.5'];
  for (const text of texts) assert.is(leadingInteger(text), referenceInteger(text), JSON.stringify(text));
});

Numbers('random texts from the characters that matter', () => {
  const alphabet = ['0', '1', '9', 'x', 'X', 'a', 'F', 'g', ' ', '\t', '\n', '\u00a0', '\u2003', '-', '.', 'e'];
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let index = 0; index < 20000; index++) {
    let text = '';
    for (let length = next() % 9; length > 0; length--) text += alphabet[next() % alphabet.length];
    assert.is(leadingInteger(text), referenceInteger(text), JSON.stringify(text));
  }
});

Numbers.run();
