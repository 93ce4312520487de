import { BridgeError } from "../core/errors";

/**
 * Reads at most `maxBytes`, refusing early on a declared length and cancelling the stream past the limit. A body
 * that stops arriving (the client went away mid-request) is the client's fault, a 400, not the gateway's 500.
 */
export async function readBodyLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  try {
    return await readBody(request, maxBytes);
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError("param_invalid", { param: "body" });
  }
}

async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  const declared = Number(length ?? "0");
  if (declared > maxBytes) throw new BridgeError("body_too_large", { limit: maxBytes });
  // A declared length bounds what the HTTP parser delivers, so one whole-body read is safe; on Node's adapter it
  // also skips the web stream that reading through `body` would build for every request.
  if (length !== null && /^[0-9]+$/.test(length)) return new Uint8Array(await request.arrayBuffer());
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BridgeError("body_too_large", { limit: maxBytes });
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
