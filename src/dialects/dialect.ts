import type { DirectMessage } from "../core/direct-message";
import type { BridgeError } from "../core/errors";
import type { LegacyDmRequest } from "../core/legacy-request";
import type { Param } from "../oauth/signature";
import type { RateLimitHeaderNames } from "./rate-limit-headers";

export type Format = "json" | "xml";

export interface Rendered {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  format: Format;
  /** The path the client called, query string included, as legacy error documents echo it. */
  requestPath: string;
}

/**
 * One legacy API: where it lives, how it names the recipient, and how it writes messages and errors. Adding a
 * dialect is one file implementing this plus one line in the registry.
 */
export interface Dialect {
  name: string;
  /** Path prefixes this dialect owns, for answering unknown paths in the right error form. */
  prefixes: readonly string[];
  /**
   * `direct_messages/new` routes: path without extension, and the formats served there. Two dialects may declare
   * one path (Twitter 1.0 and Sina do); the registry gives it to one of them.
   */
  routes: readonly { path: string; formats: readonly Format[] }[];
  parseRequest(params: readonly Param[]): LegacyDmRequest;
  renderMessage(dm: DirectMessage, renderContext: RequestContext): Rendered;
  renderError(err: BridgeError, renderContext: RequestContext): Rendered;
  /** The names its clients read the upstream's rate-limit state under, on a message and on an error. */
  rateLimitHeaderNames: RateLimitHeaderNames;
}
