/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether each stream is a terminal (colours, progress lines); absent means neither is. */
  isTTY?: { stdout: boolean; stderr: boolean };
  /** The file descriptor behind `stderr`, where a progress line may draw from its own thread; absent in tests. */
  stderrFd?: number;
}
