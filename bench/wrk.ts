/** What wrk's `done` hook in bench/requests.lua prints, as one `WRK_JSON {...}` line. */
export interface WrkReport {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export function parseWrkReport(output: string): WrkReport {
  const line = output.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no WRK_JSON line:\n${output.slice(-2000)}`);
  const raw = JSON.parse(line.slice("WRK_JSON ".length)) as {
    requests: number;
    duration_us: number;
    errors: WrkReport["errors"];
    latency_us: WrkReport["latencyUs"];
  };
  return { requests: raw.requests, durationUs: raw.duration_us, errors: raw.errors, latencyUs: raw.latency_us };
}

export function errorCount(r: WrkReport): number {
  const e = r.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

export function wrkArgs(o: {
  url: string;
  connections: number;
  threads: number;
  durationSec: number;
  script: string;
  file: string;
  contentType: string;
}): string[] {
  return [`-t${o.threads}`, `-c${o.connections}`, `-d${o.durationSec}s`, "--timeout", "10s", "-s", o.script, o.url, "--", o.file, o.contentType];
}
