import type { XNewEventRequest } from "./x-types";

export function buildMessageCreateEvent(recipientId: string, text: string): XNewEventRequest {
  return {
    event: {
      type: "message_create",
      message_create: { target: { recipient_id: recipientId }, message_data: { text } },
    },
  };
}
