import { BridgeError } from "./errors";
import type { Param } from "../oauth/signature";

/**
 * Optional extras a legacy client may add to `direct_messages/new`, beyond what any legacy API had:
 * `media_id` (one uploaded media id) and `quick_reply_options` (a JSON array of `{label, description?, metadata?}`).
 * They map into the events API's `message_data.attachment` and `message_data.quick_reply`, checked with its limits.
 */
export interface XAttachment {
  type: "media";
  media: { id: string };
}

export interface XQuickReplyOption {
  label: string;
  description?: string;
  metadata?: string;
}

export interface XQuickReply {
  type: "options";
  options: XQuickReplyOption[];
}

export interface MessageExtras {
  attachment?: XAttachment;
  quick_reply?: XQuickReply;
}

export const QUICK_REPLY_LIMITS = { options: 20, label: 36, description: 72, metadata: 1000 } as const;

const MEDIA_ID = /^[0-9]{1,20}$/;

export function parseMessageExtras(params: readonly Param[]): MessageExtras {
  const extras: MessageExtras = {};
  const mediaId = singleValue(params, "media_id");
  if (mediaId !== undefined) {
    // "A Direct Message may only reference a single media_id": a list is refused rather than cut to its first.
    if (!MEDIA_ID.test(mediaId)) throw invalid("media_id");
    extras.attachment = { type: "media", media: { id: mediaId.replace(/^0+(?=\d)/, "") } };
  }
  const options = singleValue(params, "quick_reply_options");
  if (options !== undefined) extras.quick_reply = { type: "options", options: parseQuickReplyOptions(options) };
  return extras;
}

export function parseQuickReplyOptions(raw: string): XQuickReplyOption[] {
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw invalid("quick_reply_options");
  }
  if (!Array.isArray(list) || list.length === 0 || list.length > QUICK_REPLY_LIMITS.options) throw invalid("quick_reply_options");
  return list.map(checkOption);
}

function checkOption(o: unknown): XQuickReplyOption {
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw invalid("quick_reply_options");
  const entries = Object.entries(o as Record<string, unknown>);
  // Unknown keys are refused as the events API refuses them, instead of being dropped without a word.
  if (entries.some(([k]) => k !== "label" && k !== "description" && k !== "metadata")) throw invalid("quick_reply_options");
  const { label, description, metadata } = o as Record<string, unknown>;
  const option: XQuickReplyOption = { label: checkText(label, QUICK_REPLY_LIMITS.label, true)! };
  const d = checkText(description, QUICK_REPLY_LIMITS.description, false);
  const m = checkText(metadata, QUICK_REPLY_LIMITS.metadata, false);
  if (d !== undefined) option.description = d;
  if (m !== undefined) option.metadata = m;
  return option;
}

function checkText(v: unknown, max: number, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || (required && v.trim() === "") || countChars(v) > max) throw invalid("quick_reply_options");
  return v;
}

function singleValue(params: readonly Param[], name: string): string | undefined {
  const values = params.filter(([n]) => n === name).map(([, v]) => v);
  if (values.length > 1) throw invalid(name);
  return values[0] === "" ? undefined : values[0];
}

const invalid = (param: string) => new BridgeError("param_invalid", { param });

function countChars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
