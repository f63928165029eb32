// One CSV record as text, exactly as csv-stringify writes it with its default options, for cells
// that are numbers or strings: the rows' hot path, without csv-stringify's per-cell casting and
// option handling (a tenth of follow-tcp's time on large captures). Headers and the other tables
// still go through csv-stringify, and a test holds the two to the same output.

const NEEDS_QUOTES = /[",\r\n]/;

/** `cells` as one CSV line: `,` between cells, a cell holding `,` `"` CR or LF quoted (its `"`
 *  doubled), numbers as JavaScript writes them, and `\n` after the last cell (unless `newline` is
 *  false: the caller ends the line). With `plainLast`, the caller vouches that the last cell holds
 *  none of those (hex payload: not searched). */
export function csvRecord(cells: readonly (string | number)[], plainLast = false, newline = true): string {
  let line = '';
  const last = cells.length - 1;
  for (let index = 0; index <= last; index++) {
    const cell = cells[index]!;
    if (index > 0) line += ',';
    if (typeof cell === 'number' || (plainLast && index === last) || !NEEDS_QUOTES.test(cell)) line += cell;
    else line += `"${cell.replaceAll('"', '""')}"`;
  }
  return newline ? `${line}\n` : line;
}
