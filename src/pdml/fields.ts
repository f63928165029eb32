// The PDML field names follow-tcp reads, grouped by the protocol layer each is taken from.

/** geninfo's fields (nested form only): fallbacks for frame number and time. */
export const GENINFO_FIELDS: ReadonlySet<string> = new Set(['num', 'timestamp', 'len', 'caplen']);

/** IP fields, taken from the innermost IP layer before TCP. */
export const IP_FIELDS: ReadonlySet<string> = new Set([
  'ip.src',
  'ip.dst',
  'ip.id',
  'ip.ttl',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.flow',
  'ipv6.hlim',
]);

/** The frame layer's fields. */
export const FRAME_FIELDS: ReadonlySet<string> = new Set(['frame.number', 'frame.time_epoch']);

/** TCP fields, taken from the first TCP layer of the packet. */
export const TCP_FIELDS: ReadonlySet<string> = new Set([
  'tcp.srcport',
  'tcp.dstport',
  'tcp.stream',
  'tcp.len',
  'tcp.seq',
  'tcp.seq_raw',
  'tcp.ack',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.window_size',
  'tcp.window_size_value',
  'tcp.payload',
  'tcp.reset_cause',
  'tcp.options.mss_val',
  'tcp.options.wscale.shift',
  'tcp.options.timestamp.tsval',
  'tcp.options.timestamp.tsecr',
]);

/** tshark's TCP expert flags (the `tcp.analysis.*` names that mark a frame, not numbers). */
export const ANALYSIS_FLAGS: ReadonlySet<string> = new Set([
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'ack_lost_segment',
  'duplicate_ack',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'keep_alive',
  'keep_alive_ack',
  'window_full',
  'window_update',
  'reused_ports',
  'tfo_syn',
  'tfo_ack',
  'tfo_ignored',
]);

/** The prefix of tshark's TCP expert flag fields. */
export const ANALYSIS_PREFIX = 'tcp.analysis.';

/** Top-level protocols of a nested-form packet that hold fields follow-tcp reads. */
export const READ_PROTOS: ReadonlySet<string> = new Set(['geninfo', 'frame', 'ip', 'ipv6', 'tcp']);

/** The layer a read field is taken from; `analysis`: a `tcp.analysis.*` flag of the first TCP layer. */
export type FieldLayer = 'geninfo' | 'ip' | 'frame' | 'tcp' | 'analysis';

const LAYER_FIELDS: [FieldLayer, Iterable<string>][] = [
  ['geninfo', GENINFO_FIELDS],
  ['ip', IP_FIELDS],
  ['frame', FRAME_FIELDS],
  ['tcp', TCP_FIELDS],
  ['analysis', [...ANALYSIS_FLAGS].map((flag) => ANALYSIS_PREFIX + flag)],
];

/** Every field name follow-tcp reads, in a fixed order: a name's index is its code, its slot in a
 *  PdmlPacket's fields and its number in the skimmer's coded tags. */
export const READ_FIELD_NAMES: readonly string[] = LAYER_FIELDS.flatMap(([, names]) => [...names]);

/** The layer of each read field, by code. */
export const FIELD_LAYERS: readonly FieldLayer[] = LAYER_FIELDS.flatMap(([layer, names]) => [...names].map(() => layer));

/** A read field's name → its code. */
export const FIELD_CODES: ReadonlyMap<string, number> = new Map(READ_FIELD_NAMES.map((name, index) => [name, index]));

// The code of a field follow-tcp reads; throws for any other name (a mistake in this program).
export function fieldCode(name: string): number {
  const code = FIELD_CODES.get(name);
  if (code === undefined) throw new Error(`follow-tcp does not read a field named ${name}`);
  return code;
}
