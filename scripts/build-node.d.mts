export function bundleForNode(entry: string, outfile: string): Promise<void>;
export function buildSidecar(): Promise<void>;
export function writeAtomically(outfile: string, contents: Uint8Array | string): void;
export function startArgs(checkout?: string): string[];
