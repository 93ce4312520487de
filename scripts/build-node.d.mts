export function bundleForNode(entry: string, outfile: string): Promise<void>;
export function buildSidecar(): Promise<void>;
