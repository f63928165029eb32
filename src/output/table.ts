// An aligned text table for terminals: numbers right-aligned, text left-aligned.

// Lay out records under their column names, two spaces between columns.
export function formatTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [columns.map(String), ...rows.map((row) => row.map(String))];
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => row[index]!.length)));
  const numeric = columns.map((_, index) => rows.every((row) => typeof row[index] === 'number' || /^-?\d+(\.\d+)?$/.test(String(row[index]))));
  return `${cells
    .map((row) =>
      row
        .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
