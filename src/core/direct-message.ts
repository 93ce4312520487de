import type { XEntities, XUser } from "./x-types";

/**
 * A message the upstream accepted, as each upstream API's answer says it (x-api.ts for v1.1 events, x-api-v2.ts
 * for v2), already checked: ids are decimal strings, never numbers, so that ids above 2^53 stay exact.
 */
export interface SentMessage {
  id: string;
  createdAtMs: number;
  /** The sender the upstream recorded, which is the authoritative one (a token names its user only upstream). */
  senderId: string;
  /** The user the send was addressed to. */
  recipientId: string;
  text: string;
  entities: XEntities;
}

/** What every dialect renders: one sent message with both users, independent of any wire format. */
export interface DirectMessage {
  id: string;
  text: string;
  createdAtMs: number;
  entities: XEntities;
  sender: XUser;
  recipient: XUser;
}

export function toDirectMessage(sent: SentMessage, sender: XUser, recipient: XUser): DirectMessage {
  return { id: sent.id, text: sent.text, createdAtMs: sent.createdAtMs, entities: sent.entities, sender, recipient };
}
