// follow-tcp as a library: PDML or capture → frames → per-direction reassembly → rows.

export { canonicalAddress, type EndpointSelector, endpointMatches, formatEndpoint, parseEndpoint } from './endpoint.js';
export { type ErrorCode, exitCodeFor, FollowTcpError } from './errors.js';
export { followFrames, type FollowRun } from './follow.js';
export { flagLetters, type Frame, hasFlag, TcpFlag } from './frame.js';
export { displayFilter, type InputOptions, openFrames } from './input.js';
export { BYTE_COLUMNS, byteCells, type CellFormat, SEGMENT_COLUMNS, segmentCells } from './output/columns.js';
export { type DataFormat, encodeData, escapeText } from './output/data.js';
export { formatStreamList } from './output/stream-list.js';
export { type GapFill, type OutputFormat, type RowShape, RowWriter, type WriterOptions } from './output/writer.js';
export { pdmlFrames } from './pdml/frames.js';
export { toFrame } from './pdml/packet.js';
export { ANALYSIS_FLAGS, type PdmlField, type PdmlPacket, PdmlParser, parsePdml } from './pdml/parse.js';
export { readPdmlText } from './source/file.js';
export { TSHARK_FIELDS, type TsharkOptions, tsharkArguments, tsharkPdml } from './source/tshark.js';
export {
  type DirectionOptions,
  DirectionReassembler,
  type DirectionStats,
  type FrameClass,
  type FrameVerdict,
  type GapSummary,
  type SegmentOverlap,
} from './tcp/direction.js';
export { IntervalSet } from './tcp/intervals.js';
export { buildRows, type RowSpan } from './tcp/rows.js';
export type { HeldSegment, OverlapPolicy, RowKind, SegmentRow } from './tcp/segment.js';
export { seqDelta, unwrapSeq } from './tcp/seq.js';
export { StreamKeyer } from './tcp/stream-key.js';
export {
  type DirectionInfo,
  type DirectionKey,
  type DirectionRows,
  type FollowOptions,
  type FramePlacement,
  StreamFollower,
  type StreamInfo,
} from './tcp/streams.js';
export { formatIso, formatSeconds, formatTime, type Nanos, parseEpoch, type TimeFormat } from './time.js';
