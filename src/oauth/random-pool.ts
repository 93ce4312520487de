/**
 * Hex tokens cut from one large block of random bytes, refilled when used up: a call to the system's random
 * source per token cost more than the HMAC it goes with. `fill` is the runtime's CSPRNG (node:crypto's
 * randomFillSync, or crypto.getRandomValues).
 */
export function createRandomIdPool(fill: (bytes: Uint8Array) => void, bytesPerId = 16, idsPerBlock = 256): () => string {
  const block = new Uint8Array(bytesPerId * idsPerBlock);
  let offset = block.length;
  return () => {
    if (offset === block.length) {
      fill(block);
      offset = 0;
    }
    let hex = "";
    for (let i = offset; i < offset + bytesPerId; i++) hex += HEX[block[i]!];
    // Used bytes are zeroed, so a token never outlives its one use in memory.
    block.fill(0, offset, offset + bytesPerId);
    offset += bytesPerId;
    return hex;
  };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
