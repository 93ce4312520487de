import { BridgeError } from "./errors";
import type { XEntities, XEventResponse, XUser } from "./x-types";

/** What every dialect renders: one sent message with both users, independent of any wire format. */
export interface DirectMessage {
  id: string;
  text: string;
  createdAtMs: number;
  entities: XEntities;
  sender: XUser;
  recipient: XUser;
}

const ID = /^[0-9]{1,20}$/;

/** Checks the upstream's answer before trusting it; a malformed event is the upstream's fault (502), not ours. */
export function toDirectMessage(response: unknown, sender: XUser, recipient: XUser): DirectMessage {
  const event = (response as XEventResponse | undefined)?.event;
  const mc = event?.message_create;
  const created = Number(event?.created_timestamp);
  if (!event || !mc || typeof event.id !== "string" || !ID.test(event.id) || !Number.isFinite(created)) {
    throw new BridgeError("upstream_bad_response");
  }
  const data = mc.message_data;
  return {
    id: event.id,
    text: typeof data?.text === "string" ? data.text : "",
    createdAtMs: created,
    entities: {
      hashtags: data?.entities?.hashtags ?? [],
      symbols: data?.entities?.symbols ?? [],
      user_mentions: data?.entities?.user_mentions ?? [],
      urls: data?.entities?.urls ?? [],
    },
    sender,
    recipient,
  };
}

/** The sender id the upstream recorded, which is the authoritative one (a token names its user only upstream). */
export function senderIdOf(response: unknown): string {
  const id = (response as XEventResponse | undefined)?.event?.message_create?.sender_id;
  if (typeof id !== "string" || !ID.test(id)) throw new BridgeError("upstream_bad_response");
  return id;
}
