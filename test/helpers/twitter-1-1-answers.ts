/** What a Twitter 1.1 client reads in an answer, shared by the Node and the workerd suites (no Node API here). */

/** Seed 000's top-level keys, as a 2016 recording of the real endpoint ordered them. */
export const DM_KEYS = [
  "id",
  "id_str",
  "text",
  "sender",
  "sender_id",
  "sender_id_str",
  "sender_screen_name",
  "recipient",
  "recipient_id",
  "recipient_id_str",
  "recipient_screen_name",
  "created_at",
  "entities",
];

/** 1.1's answer to a bad or replayed signature. */
export const AUTH_FAILED = { errors: [{ code: 32, message: "Could not authenticate you." }] };

/** An answer's status and JSON body, to compare with an error document in one assertion. */
export async function errorOf(res: Response) {
  return { status: res.status, body: await res.json() };
}
