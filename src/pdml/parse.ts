// Streaming PDML reader: the only module that uses sax. Feeds sax (strict) the skimmed text
// (skim.ts: the elements read here; most flat fields handed past sax in runs, one empty coded
// tag each) and emits one PdmlPacket per complete <packet>, in either PDML shape (nested full
// tree, or flat `-e`).

import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import sax from 'sax';
import { FollowTcpError } from '../errors.js';
import { ANALYSIS_PREFIX, FIELD_CODES, FIELD_LAYERS, fieldCode, IP_FIELDS, READ_FIELD_NAMES } from './fields.js';
import { CODED_ATTRIBUTE_PREFIX, CODED_FIELD_TAG, PAYLOAD_PLACEHOLDER, PdmlSkimmer } from './skim.js';

export { ANALYSIS_FLAGS } from './fields.js';

/** One PDML field's two attributes: `show` (display text) and `value` (raw hex, or display text in `-e` form). */
export interface PdmlField {
  show: string | undefined;
  value: string | undefined;
}

/** The fields of one <packet> that follow-tcp reads, each taken from the right protocol layer. */
export interface PdmlPacket {
  /** Each read field's first occurrence (for IP fields: the innermost IP layer before TCP), at
   *  its code: the index of its name in READ_FIELD_NAMES. */
  fields: (PdmlField | undefined)[];
  /** Names of tshark's `tcp.analysis.*` flags present on the packet, without the prefix. */
  analysis: string[];
  /** 1-based line where the <packet> element starts, for error messages. */
  line: number;
}

const NON_ASCII = /[^\x00-\x7f]/;

// A coded tag's attribute name → the field's code.
const CODES_BY_ATTRIBUTE: ReadonlyMap<string, number> = new Map(READ_FIELD_NAMES.map((_, code) => [`${CODED_ATTRIBUTE_PREFIX}${code}`, code]));
const IP_CODES = [...IP_FIELDS].map(fieldCode);
const PAYLOAD_CODE = fieldCode('tcp.payload');
const IGNORE_FIELD = (): void => {};

/** Where a piece of PDML sits in its document, for a parser that reads only that piece. */
export interface PdmlPiece {
  /** Lines of the document before the piece's first character. */
  lineOffset: number;
  /** The piece follows the opening <pdml> tag (it holds packets, and </pdml> if it is the end). */
  continued: boolean;
}

// Push-based PDML parser: write() text chunks of any size, end() at the end of input.
export class PdmlParser {
  readonly #source: string;
  readonly #onPacket: (packet: PdmlPacket) => void;
  readonly #sax: sax.SAXParser;
  #sawRoot = false;
  #rootClosed = false;
  #failure: FollowTcpError | undefined;
  // The packet being read: a <packet> spans many chunks and is emitted only on </packet>.
  #packet: PdmlPacket | undefined;
  #depth = 0; // element depth inside the open <packet> (1 = its children)
  #topProto = ''; // name of the open top-level <proto> of the packet
  #tcpProtos = 0; // top-level tcp protos opened so far in this packet
  readonly #skimmer = new PdmlSkimmer(); // hands sax only the elements read here
  #bytes = false; // fed bytes: the skimmer reads them as Latin-1, what it passes on is decoded here
  #nonAscii = false; // a byte above 0x7f has been fed: skimmed text must be checked before it goes to sax
  readonly #decoder = new StringDecoder('utf8');
  // A flat field the skimmer handed past sax, read into the open packet.
  readonly #flatField = (code: number, value: string): void => this.#field(this.#packet!, code, undefined, value);

  readonly #lineOffset: number;

  constructor(source: string, onPacket: (packet: PdmlPacket) => void, piece?: PdmlPiece) {
    this.#source = source;
    this.#onPacket = onPacket;
    const parser = sax.parser(true, { position: true });
    parser.onopentag = (tag) => this.#open(tag as sax.Tag);
    parser.onclosetag = () => this.#close();
    parser.onerror = (error) => {
      this.#fail(this.#xmlError(error.message.split('\n')[0] ?? 'malformed XML'));
    };
    this.#sax = parser;
    this.#lineOffset = piece?.lineOffset ?? 0;
    if (piece?.continued) this.#sax.write('<pdml>');
  }

  /** Line breaks read so far (in the text given to this parser). */
  get lineBreaks(): number {
    return this.#sax.line;
  }

  // The 1-based line in the document that sax has reached.
  #line(): number {
    return this.#sax.line + 1 + this.#lineOffset;
  }

  // Feed the next chunk of PDML text; throws FollowTcpError on malformed or non-PDML input.
  write(chunk: string): void {
    this.#feed(chunk, false);
    if (this.#failure) throw this.#failure;
  }

  // Feed the next chunk of PDML as UTF-8 bytes (instead of write, never mixed with it). The skimmer
  // reads them as Latin-1, one character per byte and several times faster to make than UTF-8
  // (the markup it looks at is ASCII); only the text it passes on is decoded as UTF-8.
  writeBytes(chunk: Uint8Array): void {
    this.#bytes = true;
    if (!this.#nonAscii && !isAscii(chunk)) this.#nonAscii = true;
    this.#feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1'), false);
    if (this.#failure) throw this.#failure;
  }

  // Hand sax the skimmed text: what follow-tcp reads, verbatim, with every line break.
  #feed(chunk: string, atEnd: boolean): void {
    let text = this.#skimmer.skim(chunk, atEnd);
    if (this.#bytes) {
      // Skimmed text ends after a tag, so a character is split between pieces only when passed through.
      // Until a byte above 0x7f comes (tshark's PDML rarely has one), skimmed text is ASCII already.
      if (this.#nonAscii && (NON_ASCII.test(text) || this.#skimmer.passingThrough)) text = this.#decoder.write(Buffer.from(text, 'latin1'));
      if (atEnd) text += this.#decoder.end();
    }
    if (text !== '') this.#sax.write(text);
    const mismatch = this.#skimmer.mismatch;
    if (mismatch !== undefined && !this.#failure) this.#fail(this.#xmlError(`unexpected end tag ${mismatch}`));
  }

  // Signal the end of input; throws if the input was empty or stops inside a packet.
  end(): void {
    this.#feed('', true);
    if (this.#failure) throw this.#failure;
    if (!this.#sawRoot) {
      throw new FollowTcpError('BAD_INPUT', `${this.#source}: empty input: no PDML in it (expected tshark -T pdml output)`);
    }
    if (!this.#rootClosed) {
      const where = `${this.#source}:${this.#line()}`;
      const open = this.#packet ? ` inside the <packet> that starts at line ${this.#packet.line}` : '';
      throw new FollowTcpError(
        'TRUNCATED_INPUT',
        `${where}: PDML ends${open} without </pdml> (tshark killed or disk full?); every complete packet was used`,
      );
    }
  }

  #xmlError(message: string): FollowTcpError {
    const where = `${this.#source}:${this.#line()}:${this.#sax.column}`;
    const hint = this.#sawRoot ? 'malformed XML' : 'not PDML (expected tshark -T pdml output)';
    return new FollowTcpError('BAD_INPUT', `${where}: ${hint}: ${message}`);
  }

  #fail(error: FollowTcpError): void {
    this.#failure ??= error;
    // sax keeps going after onerror; make it stop reading this input.
    this.#sax.onopentag = () => {};
    this.#sax.onclosetag = () => {};
    this.#sax.onerror = () => {};
    (this.#sax as unknown as { error: Error | null }).error = null;
  }

  #open(tag: sax.Tag): void {
    if (!this.#sawRoot) {
      this.#sawRoot = true;
      if (tag.name !== 'pdml') {
        this.#fail(
          new FollowTcpError(
            'BAD_INPUT',
            `${this.#source}:${this.#line()}: not PDML: the root element is <${tag.name}>, expected <pdml> (tshark -T pdml output)`,
          ),
        );
      }
      return;
    }
    const packet = this.#packet;
    if (!packet) {
      // (The skimmer writes coded tags only inside packets; its run is taken all the same.)
      if (tag.name === CODED_FIELD_TAG) this.#skimmer.flatFields.takeRun(IGNORE_FIELD);
      if (tag.name === 'packet') {
        this.#packet = { fields: new Array(READ_FIELD_NAMES.length), analysis: [], line: this.#line() };
        this.#depth = 0;
        this.#topProto = '';
        this.#tcpProtos = 0;
      }
      return;
    }
    this.#depth += 1;
    if (tag.name === 'proto') {
      if (this.#depth !== 1) return;
      const name = tag.attributes.name ?? '';
      this.#topProto = name;
      if (name === 'tcp') this.#tcpProtos += 1;
      else if ((name === 'ip' || name === 'ipv6') && this.#tcpProtos === 0) {
        // A later IP layer (a tunnel's inner header) replaces the outer one's addresses.
        for (const code of IP_CODES) packet.fields[code] = undefined;
      }
      return;
    }
    if (tag.name === CODED_FIELD_TAG) {
      // Every coded tag is the skimmer's: the fields it handed past sax for this tag, or (none
      // handed past) one field it left to sax, as an attribute.
      this.#skimmer.flatFields.takeRun(this.#flatField);
      const attributes = tag.attributes;
      for (const name in attributes) {
        const code = CODES_BY_ATTRIBUTE.get(name);
        if (code !== undefined) this.#field(packet, code, undefined, attributes[name]);
      }
      return;
    }
    if (tag.name !== 'field') return;
    const code = FIELD_CODES.get(tag.attributes.name ?? '');
    if (code !== undefined) this.#field(packet, code, tag.attributes.show, tag.attributes.value);
  }

  // One read field of the open packet (its code, show and value), kept if it is from the right layer.
  #field(packet: PdmlPacket, code: number, show: string | undefined, value: string | undefined): void {
    const flat = this.#depth === 1;
    const proto = flat ? '' : this.#topProto;
    const firstTcp = proto === 'tcp' && this.#tcpProtos === 1;
    if (code === PAYLOAD_CODE && (value === PAYLOAD_PLACEHOLDER || show === PAYLOAD_PLACEHOLDER)) {
      value = this.#skimmer.payloads.shift();
      show = undefined;
    }
    let wanted: boolean;
    switch (FIELD_LAYERS[code]) {
      case 'analysis': {
        const flag = READ_FIELD_NAMES[code]!.slice(ANALYSIS_PREFIX.length);
        if ((flat || firstTcp) && !packet.analysis.includes(flag)) packet.analysis.push(flag);
        return;
      }
      case 'ip':
        // The last IP layer before TCP wins.
        if (flat || ((proto === 'ip' || proto === 'ipv6') && this.#tcpProtos === 0)) packet.fields[code] = { show, value };
        return;
      case 'tcp':
        wanted = flat || firstTcp;
        break;
      case 'frame':
        wanted = flat || proto === 'frame';
        break;
      default:
        wanted = proto === 'geninfo';
    }
    if (wanted && packet.fields[code] === undefined) packet.fields[code] = { show, value };
  }

  #close(): void {
    const packet = this.#packet;
    if (!packet) {
      // sax has already popped the closed tag: no open tags left means </pdml> was read.
      if ((this.#sax as unknown as { tags: unknown[] }).tags.length === 0) this.#rootClosed = true;
      return;
    }
    if (this.#depth === 0) {
      this.#packet = undefined;
      this.#onPacket(packet);
      return;
    }
    if (this.#depth === 1) this.#topProto = '';
    this.#depth -= 1;
  }
}

// Parse PDML text (or UTF-8 byte) chunks into packets as they stream in, one array per chunk (the
// packets it completed; none: no array); errors surface after the packets before them.
export async function* parsePdmlBatches(chunks: AsyncIterable<string | Uint8Array>, source: string): AsyncGenerator<PdmlPacket[]> {
  let ready: PdmlPacket[] = [];
  const parser = new PdmlParser(source, (packet) => ready.push(packet));
  const take = (): PdmlPacket[] => {
    const batch = ready;
    ready = [];
    return batch;
  };
  for await (const chunk of chunks) {
    try {
      if (typeof chunk === 'string') parser.write(chunk);
      else parser.writeBytes(chunk);
    } finally {
      if (ready.length > 0) yield take();
    }
  }
  try {
    parser.end();
  } finally {
    if (ready.length > 0) yield take();
  }
}

// Parse PDML text (or UTF-8 byte) chunks into packets as they stream in; errors surface after the packets before them.
export async function* parsePdml(chunks: AsyncIterable<string | Uint8Array>, source: string): AsyncGenerator<PdmlPacket> {
  for await (const packets of parsePdmlBatches(chunks, source)) yield* packets;
}
