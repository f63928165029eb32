// The one error class of follow-tcp: a stable code, a one-line message that names the place.

/** Every way follow-tcp can fail, as a closed set of codes. */
export type ErrorCode =
  | 'USAGE' // bad option or value, ambiguous selection, no such stream
  | 'BAD_INPUT' // not PDML, malformed XML, empty input, a packet we cannot read
  | 'TRUNCATED_INPUT' // PDML that stops inside a packet (tshark killed, disk full)
  | 'TSHARK_NOT_FOUND'
  | 'TSHARK_FAILED'
  | 'IO'; // a file that cannot be read or written

// An error the CLI reports as one line on stderr; `code` decides the exit status.
export class FollowTcpError extends Error {
  override name = 'FollowTcpError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

// Exit status for an error code, as SPEC's Errors section fixes them.
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'USAGE':
      return 2;
    case 'BAD_INPUT':
    case 'TRUNCATED_INPUT':
      return 3;
    case 'TSHARK_NOT_FOUND':
    case 'TSHARK_FAILED':
    case 'IO':
      return 1;
  }
}
