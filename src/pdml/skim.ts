// Skim PDML text before the XML parser sees it: every element follow-tcp reads is passed on (as
// written, or shorter: display attributes cut, tshark's flat field tags coded or handed past the
// parser in runs), the rest of each packet (other protocols' subtrees, unread fields) is dropped,
// and every line break is kept, so the parser's line numbers stay those of the input.

import { FIELD_CODES, READ_PROTOS } from './fields.js';

/** The value a `tcp.payload` tag carries to the parser once its hex has been taken out. */
export const PAYLOAD_PLACEHOLDER = '@';

/** The element name of the skimmer's coded tags. `<f/>` stands for a run of tshark's flat
 *  `<field name="NAME" value="VALUE"/>` tags whose fields the skimmer hands past the XML parser
 *  (FlatFieldRuns), in place of the run's last tag (the line breaks between them kept);
 *  `<f aCODE="VALUE"/>` for one flat tag whose value the parser must read (an entity, a line
 *  break, a character beyond ASCII: CODE is NAME's code in FIELD_CODES). Each coded tag has one
 *  run in FlatFieldRuns, empty for the second kind. */
export const CODED_FIELD_TAG = 'f';

/** What a coded tag's attribute names start with (the field's code follows). */
export const CODED_ATTRIBUTE_PREFIX = 'a';

// Past this many fields taken, the queue's arrays drop them (so they stay small).
const FLAT_FIELDS_KEPT = 4096;

/** Flat fields handed past the XML parser, in document order, in one run per coded tag. */
export class FlatFieldRuns {
  readonly #codes: number[] = [];
  readonly #values: string[] = [];
  readonly #runs: number[] = []; // fields per run, for runs whose coded tag is written
  #nextField = 0;
  #nextRun = 0;

  /** Fields stored: those not yet taken, and some taken ones not yet dropped. */
  get stored(): number {
    return this.#codes.length;
  }

  // Add a field to the run being gathered.
  add(code: number, value: string): void {
    this.#codes.push(code);
    this.#values.push(value);
  }

  // The run being gathered is complete, with `fields` fields: its coded tag is written.
  endRun(fields: number): void {
    this.#runs.push(fields);
  }

  // Hand the fields of the next complete run to `visit` in order (none when no run is complete).
  takeRun(visit: (code: number, value: string) => void): void {
    if (this.#nextRun === this.#runs.length) return;
    const end = this.#nextField + this.#runs[this.#nextRun++]!;
    for (; this.#nextField < end; this.#nextField++) visit(this.#codes[this.#nextField]!, this.#values[this.#nextField]!);
    if (this.#nextRun === this.#runs.length) {
      this.#runs.length = 0;
      this.#nextRun = 0;
    }
    if (this.#nextField === this.#codes.length) {
      this.#codes.length = 0;
      this.#values.length = 0;
      this.#nextField = 0;
    } else if (this.#nextField > FLAT_FIELDS_KEPT) {
      this.#codes.splice(0, this.#nextField);
      this.#values.splice(0, this.#nextField);
      this.#nextField = 0;
    }
  }
}

// The rest of a start or end tag after its '<': attribute values may hold '>' inside quotes.
const TAG_REST = /[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>/y;
// A well-formed start tag, checked on tags that are dropped (sax checks those it is given).
const XML_NAME = '[A-Za-z_:][-A-Za-z0-9_.:]*';
const REFERENCE = `&(?:${XML_NAME}|#[0-9]+|#x[0-9A-Fa-f]+);`;
const QUOTED = `"[^"<&]*(?:${REFERENCE}[^"<&]*)*"|'[^'<&]*(?:${REFERENCE}[^'<&]*)*'`;
const START_TAG = new RegExp(`<${XML_NAME}(?:\\s+${XML_NAME}\\s*=\\s*(?:${QUOTED}))*\\s*/?>`, 'y');
const END_TAG = new RegExp(`</${XML_NAME}\\s*>`, 'y');
const PAYLOAD_FIELD = 'tcp.payload';
// The rest of tshark's geninfo after its start tag, through its end tag: fields of plain
// attributes only (for those, the general path would find the same tags and pass them on as written).
const GENINFO_REST = /(?:[ \t\r\n]*<field name="(?:num|len|caplen|timestamp)"(?:[ \t\r\n]+[A-Za-z_:][-A-Za-z0-9_.:]*="[^"<>]*")*[ \t\r\n]*\/>)*[ \t\r\n]*<\/proto>/y;
// Text waiting for the end of one construct beyond this is handed on unskimmed: no PDML tag is
// this long, so the input is not PDML and the parser will say so.
const MAX_PENDING = 64 * 1024 * 1024;

const SLASH = 47;
const BANG = 33;
const QUESTION = 63;

function isNameEnd(code: number): boolean {
  return code === 32 || code === SLASH || code === 62 || code === 10 || code === 9 || code === 13;
}

// The element name of the tag whose name starts at `start`.
function tagName(text: string, start: number): string {
  if (text.startsWith('field', start) && isNameEnd(text.charCodeAt(start + 5))) return 'field';
  if (text.startsWith('proto', start) && isNameEnd(text.charCodeAt(start + 5))) return 'proto';
  let end = start;
  while (end < text.length && !isNameEnd(text.charCodeAt(end))) end++;
  return text.slice(start, end);
}

// One attribute, read from where the previous one (or the element name) ends.
const ATTRIBUTE = /\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

/** The attributes follow-tcp reads from a tag. */
interface ReadAttributes {
  name?: string;
  show?: string;
  value?: string;
}

// The name, show and value attributes of the tag text[from, end) (`from` just after the element
// name), each its first occurrence, read attribute by attribute (so text inside another
// attribute's value is never taken for one).
function readAttributes(text: string, from: number, end: number): ReadAttributes {
  const found: ReadAttributes = {};
  ATTRIBUTE.lastIndex = from;
  for (let match = ATTRIBUTE.exec(text); match !== null && ATTRIBUTE.lastIndex <= end; match = ATTRIBUTE.exec(text)) {
    const name = match[1];
    if (name === 'name' || name === 'show' || name === 'value') found[name] ??= match[2] ?? match[3] ?? '';
  }
  return found;
}

// The `name` attribute of a field or proto tag text[lt, end), or '' when it has none.
function nameAttribute(text: string, lt: number, end: number): string {
  // tshark writes it first: `<field name="…"` (both element names are 5 letters long).
  const at = lt + 6;
  if (text.startsWith(' name="', at)) {
    const close = text.indexOf('"', at + 7);
    if (close !== -1 && close < end) return text.slice(at + 7, close);
  }
  return readAttributes(text, at, end).name ?? '';
}

// The text of attribute `name` inside one tag's text, if present.
function attribute(tag: string, name: string): string | undefined {
  const start = tag.indexOf(` ${name}="`);
  if (start === -1) return undefined;
  const from = start + name.length + 3;
  const end = tag.indexOf('"', from);
  return end === -1 ? undefined : tag.slice(from, end);
}

// The tag's text with attribute `name` (if present) set to the placeholder.
function replaceAttribute(tag: string, name: string): string {
  const start = tag.indexOf(` ${name}="`);
  if (start === -1) return tag;
  const from = start + name.length + 3;
  const end = tag.indexOf('"', from);
  return end === -1 ? tag : `${tag.slice(0, from)}${PAYLOAD_PLACEHOLDER}${tag.slice(end)}`;
}

// A read field or protocol tag with only the attributes follow-tcp reads (name, show, value), or
// undefined to pass it on as it is. In full PDML the display attributes (showname, size, pos,
// hide, …) are most of a tag's text, and sax builds attribute text one character at a time.
// Only plain, well-formed tags are cut: no line break (line numbers stay exact), no entity or
// single quote (sax judges those as written). A column sax reports later on the same line moves.
function shortTag(text: string, lt: number, end: number, tag: string, selfClosing: boolean): string | undefined {
  const source = text.slice(lt, end);
  if (!source.includes(' showname="')) return undefined;
  if (/[&'\n\r\t]/.test(source) || !isWellFormed(START_TAG, text, lt, end)) return undefined;
  const { name, show, value } = readAttributes(text, lt + 1 + tag.length, end);
  if (name === undefined) return undefined;
  const showPart = show === undefined ? '' : ` show="${show}"`;
  const valuePart = value === undefined ? '' : ` value="${value}"`;
  return `<${tag} name="${name}"${showPart}${valuePart}${selfClosing ? '/>' : '>'}`;
}

const FLAT_FIELD_START = '<field name="';
const FLAT_VALUE_START = '" value="';
const FLAT_FIELD_END = '"/>';
const LETTER_F = 102;

// Where the tag at `lt` ends when it is tshark's flat form of a field,
// `<field name="NAME" value="VALUE"/>` exactly, or -1 when it is not (or not yet whole in the text).
function flatFieldEnd(text: string, lt: number): number {
  if (!text.startsWith(FLAT_FIELD_START, lt)) return -1;
  const nameEnd = text.indexOf('"', lt + FLAT_FIELD_START.length);
  if (nameEnd === -1 || !text.startsWith(FLAT_VALUE_START, nameEnd)) return -1;
  const valueEnd = text.indexOf('"', nameEnd + FLAT_VALUE_START.length);
  return valueEnd !== -1 && text.startsWith(FLAT_FIELD_END, valueEnd) ? valueEnd + FLAT_FIELD_END.length : -1;
}

// A read field's flat tag as a coded tag of its own, with `value` as written (entities and all:
// sax reads it as it would have).
function codedTag(code: number, value: string): string {
  return `<${CODED_FIELD_TAG} ${CODED_ATTRIBUTE_PREFIX}${code}="${value}"/>`;
}

// The coded tag that stands for a run of fields handed past sax.
const CODED_RUN_TAG = `<${CODED_FIELD_TAG}/>`;

// True when text[from, to), a flat tag's value, reads the same without an XML parser: printable
// ASCII without '&' (no entity to decode, no line break to count, no UTF-8 to decode).
function isPlainValue(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code < 32 || code > 126 || code === 38) return false;
  }
  return true;
}

// The line breaks in text[from, to), as a string of that many '\n'.
function lineBreaks(text: string, from: number, to: number): string {
  return newlines(countLineBreaks(text, from, to));
}

// How many line breaks text[from, to) holds.
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf('\n', from); at !== -1 && at < to; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

// Strings of 0 to 31 line breaks, made once: a dozen are handed on per packet.
const NEWLINES = Array.from({ length: 32 }, (_, count) => '\n'.repeat(count));

// A string of `count` line breaks.
function newlines(count: number): string {
  return NEWLINES[count] ?? '\n'.repeat(count);
}

// True when text[start, end) is exactly one well-formed tag of the given kind.
function isWellFormed(pattern: RegExp, text: string, start: number, end: number): boolean {
  pattern.lastIndex = start;
  return pattern.test(text) && pattern.lastIndex === end;
}

// True when text[from, to) holds anything but XML white space.
function hasText(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) {
    const code = text.charCodeAt(at);
    if (code !== 32 && code !== 10 && code !== 9 && code !== 13) return true;
  }
  return false;
}

// Where the comment, CDATA section, processing instruction or declaration at `start` ends
// (just past it), or -1 when the text does not hold its end yet.
function markupEnd(text: string, start: number): number {
  const closer = text.startsWith('<!--', start)
    ? '-->'
    : text.startsWith('<![CDATA[', start)
      ? ']]>'
      : text.startsWith('<?', start)
        ? '?>'
        : '>';
  const at = text.indexOf(closer, start + 2);
  return at === -1 ? -1 : at + closer.length;
}

/** Reduces PDML text to the elements follow-tcp reads; feed it chunks in order. */
export class PdmlSkimmer {
  /** Payload hex taken out of `tcp.payload` tags (which now say PAYLOAD_PLACEHOLDER), in document order. */
  readonly payloads: string[] = [];
  /** Set when an end tag does not close the element open in the packet; nothing after it is passed on. */
  mismatch: string | undefined;
  #pending = ''; // text from the first construct not yet complete
  #inPacket = false;
  #names: string[] = []; // element names open inside the current <packet>
  #kept: boolean[] = []; // whether each open element was passed on
  #skipDepth = 0; // > 0: inside a dropped protocol subtree whose root is open at this depth
  #passThrough = false; // no longer skimming (the input is not PDML)
  // geninfo is read only for frames without frame.number and frame.time_epoch: in the flat `-e`
  // form, which lists both right after geninfo, it is held back until they show it is not needed.
  #geninfo: 'none' | 'inside' | 'after' = 'none';
  #held: string[] = []; // passed-on text from geninfo's start, held back
  #geninfoEnd = 0; // where geninfo ends in #held (a part index)
  #flatFrameFields = 0; // bit 1: flat frame.number seen after geninfo, bit 2: frame.time_epoch
  /** Flat fields handed past the XML parser (each run's coded tag in the text says when). */
  readonly flatFields = new FlatFieldRuns();
  // Fields in the run being gathered; its coded tag is written when the run ends (0: no run).
  #runFields = 0;
  // Line breaks of the white space before the run's fields, handed on just before its coded tag.
  #runBreaks = 0;

  /** True once the input has shown it is not PDML: text is then handed on as it comes. */
  get passingThrough(): boolean {
    return this.#passThrough;
  }

  // The text to hand to the XML parser for this chunk; `atEnd` when no more text will follow.
  skim(chunk: string, atEnd: boolean): string {
    // The construct left incomplete at the end of the last chunk is finished with this chunk's
    // text up to its first '>', not by joining the two: a chunk joined to anything is copied whole
    // (a megabyte read from a file, each time).
    const split = this.#pending === '' ? 0 : chunk.indexOf('>') + 1;
    if (split <= 0 || split >= chunk.length) return this.#skimText(chunk, atEnd).join('');
    const head = this.#skimText(chunk.slice(0, split), false);
    return head.concat(this.#skimText(chunk.slice(split), atEnd)).join('');
  }

  // The parts of the text to hand on for the pending text and `chunk`.
  #skimText(chunk: string, atEnd: boolean): string[] {
    if (this.mismatch !== undefined) return [];
    const text = this.#pending + chunk;
    this.#pending = '';
    if (this.#passThrough) return [text];
    // The text passed on, in parts (a string built with += would be flattened, again and again,
    // by the slicing geninfo's hold needs). Text passed on verbatim is not cut tag by tag: it
    // stays one run, text[run, pos), until something else must be put in its place.
    const out: string[] = this.#held;
    this.#held = [];
    let holdStart = this.#geninfo === 'none' ? -1 : 0;
    let pos = 0;
    let run = 0;
    const flush = (to: number): void => {
      if (run < to) out.push(text.slice(run, to));
      run = to;
    };
    // text[pos, end) is replaced by `replacement`.
    const replace = (end: number, replacement: string): void => {
      flush(pos);
      if (replacement !== '') out.push(replacement);
      run = end;
    };
    // The tag text[lt, end) is replaced by `tag` (the text before it stays).
    const cut = (lt: number, end: number, tag: string): void => {
      flush(lt);
      out.push(tag);
      run = end;
    };
    // End the run being gathered: its coded tag goes right after its last field's place.
    const closeCoded = (): void => {
      if (this.#runFields === 0) return;
      out.push(this.#runBreaks === 0 ? CODED_RUN_TAG : newlines(this.#runBreaks) + CODED_RUN_TAG);
      this.#runBreaks = 0;
      this.flatFields.endRun(this.#runFields);
      this.#runFields = 0;
    };
    // The flat tag text[lt, end) is handed past sax, in the run being gathered (ended first when
    // the text since its last field holds more than white space). sax tests every character of
    // element and attribute names against a pattern, builds values a character at a time and pays
    // for every tag; tshark's flat tags are a dozen per packet, and mostly names and values. Of
    // the white space before the tag, only its line breaks stay: sax's lines stay those of the
    // input, a column it reports later on a line moves.
    const passed = (lt: number, end: number, code: number, value: string): void => {
      const stray = hasText(text, pos, lt);
      if (stray) closeCoded();
      flush(pos);
      // (Line breaks are counted, and handed on with the run's coded tag: fewer parts to join.)
      if (stray) out.push(text.slice(pos, lt));
      else this.#runBreaks += countLineBreaks(text, pos, lt);
      run = end;
      this.flatFields.add(code, value);
      this.#runFields += 1;
    };
    // The flat tag text[lt, end) as a coded tag of its own, read by sax.
    const coded = (lt: number, end: number, code: number, value: string): void => {
      closeCoded();
      cut(lt, end, codedTag(code, value));
      this.flatFields.endRun(0);
    };
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt === -1 || lt + 1 >= text.length) break;
      const next = text.charCodeAt(lt + 1);
      if (next === BANG || next === QUESTION) {
        if (!atEnd && lt + 9 > text.length) break;
        const end = markupEnd(text, lt);
        if (end === -1) break;
        closeCoded();
        if (this.#skipDepth > 0) replace(end, this.#dropped(text, pos, lt, end));
        pos = end;
        continue;
      }
      // tshark's flat field tags are found by their quotes; any other tag by the general pattern.
      let end = next === LETTER_F ? flatFieldEnd(text, lt) : -1;
      // Where a flat tag's value starts (just after the name's closing quote and ` value="`), or -1.
      let valueStart = -1;
      if (end !== -1) {
        valueStart = text.indexOf('"', lt + FLAT_FIELD_START.length) + FLAT_VALUE_START.length;
      } else {
        TAG_REST.lastIndex = lt + 1;
        if (!TAG_REST.test(text)) break;
        end = TAG_REST.lastIndex;
      }
      if (!this.#inPacket) {
        if (next !== SLASH && text.charCodeAt(end - 2) !== SLASH && tagName(text, lt + 1) === 'packet') this.#inPacket = true;
        pos = end;
        continue;
      }
      if (next === SLASH) {
        closeCoded();
        const name = text.slice(lt + 2, end - 1).trim();
        const depth = this.#names.length;
        if (depth === 0 && name === 'packet') {
          this.#inPacket = false;
          this.#geninfo = 'none';
          pos = end;
          continue;
        }
        const open = this.#names.pop();
        const kept = this.#kept.pop() ?? true;
        if (open !== name) {
          // Handed to sax as it is: sax reports it exactly when it closes an element sax was given.
          this.mismatch = open === undefined ? `</${name}> where </packet> was expected` : `</${name}> where </${open}> was expected`;
          this.#geninfo = 'none';
          flush(end);
          pos = run = text.length;
          break;
        }
        if (this.#skipDepth === depth) this.#skipDepth = 0;
        if (!kept && isWellFormed(END_TAG, text, lt, end)) replace(end, this.#dropped(text, pos, lt, end));
        pos = end;
        if (depth === 1 && this.#geninfo === 'inside') {
          this.#geninfo = 'after';
          flush(pos);
          this.#geninfoEnd = out.length;
          this.#flatFrameFields = 0;
        }
        continue;
      }
      const selfClosing = text.charCodeAt(end - 2) === SLASH;
      const tag = valueStart !== -1 ? 'field' : tagName(text, lt + 1);
      let kept = false;
      let read = false; // a field or protocol kept because follow-tcp reads it
      let payload = false;
      let flatFrameField = 0;
      let name = '';
      let code: number | undefined; // a read field's code
      let geninfoStart = false;
      if (this.#skipDepth === 0) {
        if (tag === 'field') {
          name = valueStart !== -1 ? text.slice(lt + FLAT_FIELD_START.length, valueStart - FLAT_VALUE_START.length) : nameAttribute(text, lt, end);
          code = FIELD_CODES.get(name);
          kept = read = code !== undefined;
          payload = name === PAYLOAD_FIELD;
          if (this.#names.length === 0) flatFrameField = name === 'frame.number' ? 1 : name === 'frame.time_epoch' ? 2 : 0;
        } else if (tag === 'proto') {
          name = nameAttribute(text, lt, end);
          kept = read = this.#names.length === 0 && READ_PROTOS.has(name);
          if (!kept && !selfClosing && this.#names.length === 0) this.#skipDepth = 1;
          if (kept && name === 'geninfo' && !selfClosing && this.#geninfo === 'none') {
            // Closed before the text held back starts: if geninfo is dropped, the held text goes.
            closeCoded();
            this.#geninfo = 'inside';
            flush(pos);
            holdStart = out.length;
            geninfoStart = true;
          }
        } else if (tag === CODED_FIELD_TAG) {
          // Not PDML: dropped with what it holds, so that every coded tag sax is given is the skimmer's.
          if (!selfClosing) this.#skipDepth = this.#names.length + 1;
        } else {
          kept = true;
        }
      }
      // A malformed tag is handed to sax (kept), which then reports it with its place.
      if (!kept && !isWellFormed(START_TAG, text, lt, end)) kept = true;
      if (!selfClosing) {
        this.#names.push(tag);
        this.#kept.push(kept);
      }
      // (geninfo is held back as it is: in the flat form it is about to be dropped whole.)
      const flatRead = kept && valueStart !== -1 && (payload || (read && this.#geninfo !== 'inside'));
      if (!flatRead) closeCoded();
      // An input's own tag of the coded tags' name that reaches sax (one sax must judge) has an
      // empty run, so each coded tag sax reads still meets its own.
      if (kept && tag === CODED_FIELD_TAG) this.flatFields.endRun(0);
      if (!kept) replace(end, this.#dropped(text, pos, lt, end));
      else if (payload) {
        // Payload hex never goes through sax (in the flat form it is handed past it whole).
        if (valueStart !== -1) passed(lt, end, code!, text.slice(valueStart, end - FLAT_FIELD_END.length));
        else cut(lt, end, this.#withoutPayload(text.slice(lt, end)));
        if (this.#geninfo === 'inside') this.#geninfo = 'none'; // its hex is queued: geninfo stays
      } else if (flatRead) {
        const valueEnd = end - FLAT_FIELD_END.length;
        if (isPlainValue(text, valueStart, valueEnd)) passed(lt, end, code!, text.slice(valueStart, valueEnd));
        else coded(lt, end, code!, text.slice(valueStart, valueEnd));
      } else if (read && this.#geninfo !== 'inside') {
        const short = shortTag(text, lt, end, tag, selfClosing);
        if (short !== undefined) cut(lt, end, short);
      }
      pos = end;
      if (geninfoStart) {
        // tshark's geninfo whole in the text: taken in one step, as the tag-by-tag path would.
        GENINFO_REST.lastIndex = end;
        if (GENINFO_REST.test(text)) {
          this.#names.pop();
          this.#kept.pop();
          pos = GENINFO_REST.lastIndex;
          this.#geninfo = 'after';
          flush(pos);
          this.#geninfoEnd = out.length;
          this.#flatFrameFields = 0;
          continue;
        }
      }
      if (this.#geninfo === 'after' && this.#names.length <= 1) {
        // A start tag right inside the packet after geninfo: decide on geninfo.
        this.#flatFrameFields |= flatFrameField;
        if (this.#flatFrameFields === 3) {
          let count = 0;
          for (let part = holdStart; part < this.#geninfoEnd; part++) count += countLineBreaks(out[part]!, 0, out[part]!.length);
          out.splice(holdStart, this.#geninfoEnd - holdStart, newlines(count));
          this.#geninfo = 'none';
        } else if (flatFrameField === 0) {
          this.#geninfo = 'none';
        }
      }
    }
    if (atEnd) {
      pos = text.length;
      closeCoded();
    } else if (text.length - pos > MAX_PENDING) {
      this.#passThrough = true;
      pos = text.length;
      closeCoded();
    }
    flush(pos);
    if (this.#geninfo !== 'none' && !atEnd && !this.#passThrough && this.mismatch === undefined) {
      // Still deciding: hold the text from geninfo on for the next chunk.
      this.#held = out.splice(holdStart);
      this.#geninfoEnd -= holdStart;
    } else {
      this.#geninfo = 'none';
    }
    this.#pending = text.slice(pos);
    return out;
  }

  // What stands for a dropped tag: stray text before it (for the parser to judge) and its line breaks.
  #dropped(text: string, pos: number, lt: number, end: number): string {
    return hasText(text, pos, lt) ? text.slice(pos, lt) + lineBreaks(text, lt, end) : lineBreaks(text, pos, end);
  }

  // Sax builds attribute values one character at a time and payload hex is most of the PDML:
  // the hex is kept in `payloads` and the tag gets the placeholder value (never hex).
  #withoutPayload(tag: string): string {
    const hex = attribute(tag, 'value') ?? attribute(tag, 'show');
    if (hex === undefined) return tag;
    this.payloads.push(hex);
    return replaceAttribute(replaceAttribute(tag, 'value'), 'show');
  }
}
