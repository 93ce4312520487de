import type { XAttachment, XQuickReply } from "./message-extras";

/** Wire objects of the X API v1.1 as they travel, snake_case, mirroring the JSON. */

/**
 * What an X screen name can be (15 characters today; a few older accounts have more). Anything else names nobody,
 * and must not reach the upstream: a comma would turn one name into several in users/lookup, a slash a path.
 */
export const SCREEN_NAME = /^[A-Za-z0-9_]{1,50}$/;

/** Whether a value is an X id (a user's, a message's) as the API writes it in `id_str`: a 64-bit number's digits. */
export const isXId = (value: unknown): value is string => typeof value === "string" && /^[0-9]{1,20}$/.test(value);

/** The id of an X access token's user: X's tokens begin with it (`776627022-…`); undefined for tokens of other forms. */
export function tokenUserId(token: string): string | undefined {
  return /^([0-9]{1,20})-/.exec(token)?.[1];
}

export interface XUser {
  id: number;
  id_str: string;
  name: string;
  screen_name: string;
  location?: string | null;
  description?: string | null;
  url?: string | null;
  protected?: boolean;
  followers_count?: number;
  friends_count?: number;
  created_at?: string;
  [field: string]: unknown;
}

export interface XEntities {
  hashtags: unknown[];
  symbols?: unknown[];
  user_mentions: unknown[];
  urls: unknown[];
}

export interface XMessageData {
  text: string;
  entities?: XEntities;
  attachment?: unknown;
  quick_reply?: unknown;
}

export interface XMessageCreateEvent {
  type: "message_create";
  id: string;
  created_timestamp: string;
  message_create: {
    target: { recipient_id: string };
    sender_id: string;
    source_app_id?: string;
    message_data: XMessageData;
  };
}

export interface XEventResponse {
  event: XMessageCreateEvent;
  apps?: Record<string, unknown>;
}

export interface XNewEventRequest {
  event: {
    type: "message_create";
    message_create: {
      target: { recipient_id: string };
      message_data: { text: string; attachment?: XAttachment; quick_reply?: XQuickReply };
    };
  };
}

export interface XErrorDocument {
  errors: { code: number; message: string }[];
}
