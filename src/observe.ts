import type { BridgeError } from "./core/errors";
import type { FetchLike } from "./upstream/upstream-fetch";
import type { UserDirectoryObserver } from "./users/user-directory";

/**
 * What the app reports as it works, for a metrics backend to count (Prometheus on Node, nothing on Workers). Every
 * label is from a fixed set: never a screen name, an id, a token or a text.
 */
export interface AppObserver extends UserDirectoryObserver {
  requestStarted(): void;
  requestEnded(labels: { dialect: string; format: string; status: number }, seconds: number): void;
  refused(reason: RefusalReason): void;
  upstreamCall(endpoint: UpstreamEndpoint, status: string, seconds: number): void;
}

export type RefusalReason = "bad_signature" | "replay" | "stale_timestamp" | "budget" | "body_too_large" | "unavailable";

/** The refusals an operator alerts on, by the error that answered them; other errors are not refusals. */
export function refusalReason(e: BridgeError): RefusalReason | undefined {
  switch (e.kind) {
    case "auth_invalid":
      return "bad_signature";
    case "auth_replay":
      return "replay";
    case "auth_timestamp":
      return "stale_timestamp";
    case "body_too_large":
      return "body_too_large";
    case "unavailable":
      return "unavailable";
    // The gateway's own count; a 429 the upstream sent is counted as an upstream call instead.
    case "rate_limited":
      return e.detail.upstreamStatus === undefined ? "budget" : undefined;
    default:
      return undefined;
  }
}

export type UpstreamEndpoint = "events/new" | "users/lookup" | "users/show" | "v2/dm" | "v2/users" | "other";

/** The endpoint of an upstream URL (a canonical href, as the upstream client gets it), from a fixed set. */
export function upstreamEndpoint(url: string): UpstreamEndpoint {
  // Read from the string: this runs on every upstream call, where parsing a URL again would cost more than the count.
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  if (path.endsWith("/direct_messages/events/new.json")) return "events/new";
  if (path.endsWith("/users/lookup.json")) return "users/lookup";
  if (path.endsWith("/users/show.json")) return "users/show";
  if (/\/2\/dm_conversations\//.test(path)) return "v2/dm";
  if (/\/2\/users(\/|$)/.test(path)) return "v2/users";
  return "other";
}

/** The upstream client, counted: calls by endpoint and status ("error" when no answer came), and their duration. */
export function observeFetch(fetch: FetchLike, observer: AppObserver, clock: () => number): FetchLike {
  return async (request) => {
    const endpoint = upstreamEndpoint(request.url);
    const started = clock();
    try {
      const response = await fetch(request);
      observer.upstreamCall(endpoint, String(response.status), (clock() - started) / 1000);
      return response;
    } catch (err) {
      observer.upstreamCall(endpoint, "error", (clock() - started) / 1000);
      throw err;
    }
  };
}
