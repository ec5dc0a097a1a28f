export interface RunningMock {
  /** Where the mock answers, e.g. `http://127.0.0.1:4010`. */
  url: string;
  close(): Promise<void>;
}

/** Starts Prism on the contract behind a front that refuses what the real server refuses. */
export function startMock(options: {
  port?: number;
  host?: string;
  specFile: string;
  log?: (line: string) => void;
}): Promise<RunningMock>;
