/**
 * The demo account of `npm start` with no configuration: Mick Jagger of seed 000 sends. Apart from the sandbox's
 * users so that the app (src/app-from-config.ts) gets these few lines without the sandbox, which a configured Worker
 * does not load.
 */
export const DEMO_CREDENTIALS = {
  consumers: { "demo-consumer-key": "demo-consumer-secret" },
  tokens: { "776627022-demo-access-token": "demo-token-secret" },
  basic: { demo: { password: "demo-password", consumer_key: "demo-consumer-key", token: "776627022-demo-access-token" } },
};
