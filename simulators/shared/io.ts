// Where a command-line tool of the lab writes: stdout and stderr in production, arrays in tests.
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}
