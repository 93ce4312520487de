import type { SandboxUser } from "./sandbox-users";

/**
 * The sending rules of the sandbox, shared by its v1.1 events endpoint and its v2 DM endpoint: the recipient must
 * exist and accept messages, the sender has a daily limit, and every accepted message is recorded for the tests.
 */
export interface SentEvent {
  id: string;
  sender_id: string;
  recipient_id: string;
  text: string;
  attachment?: { type: "media"; media: { id: string } };
  quick_reply?: { type: "options"; options: { label: string; description?: string; metadata?: string }[] };
}

export type SendRefusal =
  | { refused: "no_recipient" }
  | { refused: "not_following" }
  | { refused: "blocked" }
  | { refused: "too_long" }
  | { refused: "rate_limited"; limit: number; reset: number };

export interface SendLedgerOptions {
  users: { get(id: string): SandboxUser | undefined };
  clock: () => number;
  dailyLimitPerUser: number;
  events: SentEvent[];
  /** Keeps only the newest events, so that a long benchmark run does not grow the sandbox. */
  maxRecordedEvents?: number;
}

export function createSendLedger(o: SendLedgerOptions) {
  const sentBy = new Map<string, number>();
  let nextEventId = 1855000000000000001n;
  return {
    /** The sender's daily quota as X's answers state it in x-rate-limit-*. */
    quota(sender: SandboxUser): Record<string, string> {
      const used = sentBy.get(sender.user.id_str) ?? 0;
      return {
        "x-rate-limit-limit": String(o.dailyLimitPerUser),
        "x-rate-limit-remaining": String(Math.max(0, o.dailyLimitPerUser - used)),
        "x-rate-limit-reset": String(Math.floor(o.clock() / 1000) + 86_400),
      };
    },
    send(sender: SandboxUser, message: Omit<SentEvent, "id" | "sender_id">): SentEvent | SendRefusal {
      if ([...message.text].length > 10_000) return { refused: "too_long" };
      const recipient = o.users.get(message.recipient_id);
      if (!recipient) return { refused: "no_recipient" };
      if (recipient.refuses) return { refused: recipient.refuses };
      const sentToday = sentBy.get(sender.user.id_str) ?? 0;
      if (sentToday >= o.dailyLimitPerUser) {
        return { refused: "rate_limited", limit: o.dailyLimitPerUser, reset: Math.floor(o.clock() / 1000) + 86_400 };
      }
      sentBy.set(sender.user.id_str, sentToday + 1);
      const event: SentEvent = { id: String(nextEventId++), sender_id: sender.user.id_str, ...message };
      o.events.push(event);
      if (o.maxRecordedEvents !== undefined && o.events.length > o.maxRecordedEvents) o.events.shift();
      return event;
    },
  };
}

/** The events API's checks of `message_data` beyond its text, written apart from the proxy's own. */
export function checkMessageData(data: Record<string, unknown>): string | undefined {
  const { attachment, quick_reply: qr } = data as { attachment?: unknown; quick_reply?: unknown };
  if (attachment !== undefined) {
    const a = attachment as { type?: unknown; media?: { id?: unknown } };
    if (a.type !== "media" || typeof a.media?.id !== "string" || !/^[0-9]+$/.test(a.media.id)) {
      return "event.message_create.message_data.attachment: invalid media id";
    }
  }
  if (qr !== undefined) {
    const q = qr as { type?: unknown; options?: unknown };
    if (q.type !== "options" || !Array.isArray(q.options) || q.options.length < 1 || q.options.length > 20) {
      return "event.message_create.message_data.quick_reply: between 1 and 20 options";
    }
    for (const opt of q.options as Record<string, unknown>[]) {
      const fits = (v: unknown, max: number) => v === undefined || (typeof v === "string" && [...v].length <= max);
      if (typeof opt?.label !== "string" || opt.label === "" || !fits(opt.label, 36) || !fits(opt.description, 72) || !fits(opt.metadata, 1000)) {
        return "event.message_create.message_data.quick_reply.options: label 1-36, description 72, metadata 1000";
      }
    }
  }
  return undefined;
}
