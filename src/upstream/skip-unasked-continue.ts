import type { Socket } from "node:net";

/** `HTTP/1.1 100` and a space or the line's end: the longest prefix needed to tell a 100 from a final answer. */
const CONTINUE = /^HTTP\/1\.[01] 100[ \r]/;
const PREFIX_BYTES = 13;
/** An interim answer's headers past this size are not an interim answer worth saving: passed on as they are. */
const MAX_INTERIM_BYTES = 16_384;
const HEAD_END = Buffer.from("\r\n\r\n");

/**
 * Drops an unasked-for `100 Continue` from the start of an answer, before undici's parser reads it. undici treats one
 * as a protocol error and closes the connection, although the upstream took the request and its final answer is
 * on the way: a message that was sent would read as a 502 and be sent again by the client. 102 and 103 undici
 * passes to the handler itself, which keeps only the final answer.
 *
 * An answer starts after a request was written (one request at a time on a connection: no pipelining), so only
 * the bytes that follow a write are looked at; everything else passes through untouched.
 */
export function skipUnaskedContinue(socket: Socket): Socket {
  const push = socket.push.bind(socket);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let atAnswerStart = false;
  let held: Buffer | undefined;

  socket.write = ((...args: unknown[]) => {
    atAnswerStart = true;
    return write(...args);
  }) as Socket["write"];

  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      if (held) push(held);
      held = undefined;
      return push(null);
    }
    if (!atAnswerStart || !Buffer.isBuffer(chunk)) return push(chunk, encoding);
    let bytes = held ? Buffer.concat([held, chunk]) : chunk;
    held = undefined;
    while (atAnswerStart) {
      const head = bytes.subarray(0, PREFIX_BYTES).toString("latin1");
      if (bytes.length < PREFIX_BYTES && ("HTTP/1.1 100 ".startsWith(head) || "HTTP/1.0 100 ".startsWith(head))) {
        held = bytes;
        return true;
      }
      if (!CONTINUE.test(head)) {
        atAnswerStart = false;
        break;
      }
      const end = bytes.indexOf(HEAD_END);
      if (end < 0 && bytes.length < MAX_INTERIM_BYTES) {
        held = bytes;
        return true;
      }
      if (end < 0) {
        atAnswerStart = false;
        break;
      }
      bytes = bytes.subarray(end + HEAD_END.length);
      if (bytes.length === 0) return true;
    }
    return push(bytes);
  };
  return socket;
}
