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

const READ_FIELDS: ReadonlySet<string> = new Set([...GENINFO_FIELDS, ...IP_FIELDS, ...FRAME_FIELDS, ...TCP_FIELDS]);

// True when follow-tcp reads a field of this name (in some layer).
export function isReadField(name: string): boolean {
  if (READ_FIELDS.has(name)) return true;
  return name.startsWith(ANALYSIS_PREFIX) && ANALYSIS_FLAGS.has(name.slice(ANALYSIS_PREFIX.length));
}

/** Every field name follow-tcp reads; a name's index here is its code in a coded field tag (skim.ts). */
export const CODED_FIELD_NAMES: readonly string[] = [...READ_FIELDS, ...[...ANALYSIS_FLAGS].map((flag) => ANALYSIS_PREFIX + flag)];

/** A read field's name → its code: the decimal text of its index in CODED_FIELD_NAMES. */
export const FIELD_CODES: ReadonlyMap<string, string> = new Map(CODED_FIELD_NAMES.map((name, index) => [name, String(index)]));

/** A code → the read field's name. */
export const CODED_FIELDS: ReadonlyMap<string, string> = new Map(CODED_FIELD_NAMES.map((name, index) => [String(index), name]));
