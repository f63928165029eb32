// follow-tcp as a library: PDML or capture → frames → per-direction reassembly → rows.

export { canonicalAddress, type EndpointSelector, endpointMatches, formatEndpoint, parseEndpoint } from './endpoint.js';
export { type ErrorCode, exitCodeFor, FollowTcpError } from './errors.js';
export { followFrameBatches, followFrames, type FollowRun } from './follow.js';
export { flagLetters, type Frame, hasFlag, TcpFlag } from './frame.js';
export { displayFilter, type InputOptions, openFrameBatches, openFrames } from './input.js';
export { BYTE_COLUMNS, byteCells, type CellFormat, SEGMENT_COLUMNS, segmentCells } from './output/columns.js';
export { type DataFormat, encodeData, escapeText } from './output/data.js';
export { formatStreamList } from './output/stream-list.js';
export { type DirectionList, StreamOrderedWriter } from './output/stream-order.js';
export { type GapFill, type OutputFormat, type RowShape, type RowSink, RowWriter, type WriterOptions } from './output/writer.js';
export { pdmlFrameBatches, pdmlFrames } from './pdml/frames.js';
export { toFrame } from './pdml/packet.js';
export { READ_FIELD_NAMES } from './pdml/fields.js';
export { ANALYSIS_FLAGS, type PdmlField, type PdmlPacket, PdmlParser, parsePdml, parsePdmlBatches } from './pdml/parse.js';
export { readPdmlText } from './source/file.js';
export { FOLLOW_FIELDS, TSHARK_FIELDS, type TsharkOptions, tsharkArguments, tsharkPdml } from './source/tshark.js';
export {
  type DirectionOptions,
  DirectionReassembler,
  type DirectionStats,
  type FrameClass,
  type FrameVerdict,
  type GapSummary,
  type SegmentOverlap,
} from './tcp/direction.js';
export { DirectionOrder } from './tcp/direction-order.js';
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
export { type ChunkStatus, type ComparedChunk, comparedChunks } from './compare/chunks.js';
export { CHUNK_COLUMNS, chunkRecords, type CompareRecord, PACKET_COLUMNS, packetRecords } from './compare/columns.js';
export { type CaptureComparison, compareCaptures, compareDirection, type CompareOptions, type DirectionComparison } from './compare/compare.js';
export { type ComparedPacket, comparedPackets, type PacketStatus } from './compare/compared-packets.js';
export { type DelayFigures, delayFigures } from './compare/delay-figures.js';
export { type CaptureDirection, DirectionCollector } from './compare/directions.js';
export { formatComparisonSummary, formatDirectionSummary } from './compare/format-summary.js';
export { matchPackets, type PacketMatch } from './compare/matching.js';
export { type DelayMilliseconds, delayMilliseconds, roundLikePython } from './compare/milliseconds.js';
export { type DirectionOrigin, directionOrigin, type PacketPlace, packetPlaces } from './compare/offsets.js';
export { type CapturedPacket, capturedPacket, packetIdentity } from './compare/packet.js';
export { type DirectionPair, type DirectionPairing, pairDirections } from './compare/pairing.js';
export { type Reordering, reorderingOf } from './compare/reordering.js';
export { countRetransmissions, type RetransmissionCount } from './compare/retransmissions.js';
export { type ComparisonSummary, type LostPacket, summarizeComparison } from './compare/summary.js';
export { type CapturePoint, chooseUpstream, type UpstreamChoice, type UpstreamReason } from './compare/upstream.js';
export { type InputKind, inputKindOf, sniffInputKind } from './source/sniff.js';
