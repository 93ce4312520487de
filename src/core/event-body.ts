import type { MessageExtras } from "./message-extras";
import type { XNewEventRequest } from "./x-types";

export function buildMessageCreateEvent(recipientId: string, text: string, extras: MessageExtras = {}): XNewEventRequest {
  return {
    event: {
      type: "message_create",
      message_create: { target: { recipient_id: recipientId }, message_data: { text, ...extras } },
    },
  };
}
