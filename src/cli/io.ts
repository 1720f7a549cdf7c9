/** Where a command writes: injected so tests run commands in-process and read what they printed. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input, read whole when a command is given `-`. */
  readonly stdin: () => string;
}
