import { DEMO_CREDENTIALS } from "./demo-credentials";

/** What `npm start` prints with no configuration: enough to send a first message by copy and paste. */
export function describeSandboxDemo(proxyUrl: string): string {
  const consumerKey = Object.keys(DEMO_CREDENTIALS.consumers)[0]!;
  const token = Object.keys(DEMO_CREDENTIALS.tokens)[0]!;
  return [
    "dm-bridge is running on its built-in X API SANDBOX: no message leaves this machine.",
    "Configure DM_PROXY_CREDENTIALS (and UPSTREAM_URL) to proxy to the real X API; see README.md.",
    "",
    "Demo credentials (sandbox only):",
    `  OAuth consumer key / secret: ${consumerKey} / ${DEMO_CREDENTIALS.consumers[consumerKey as keyof typeof DEMO_CREDENTIALS.consumers]}`,
    `  OAuth access token / secret: ${token} / ${DEMO_CREDENTIALS.tokens[token as keyof typeof DEMO_CREDENTIALS.tokens]}`,
    `  HTTP Basic user / password:  demo / ${DEMO_CREDENTIALS.basic.demo.password}`,
    "",
    "Try it:",
    `  curl -u demo:${DEMO_CREDENTIALS.basic.demo.password} -d "screen_name=theSeanCook&text=hello from dm-bridge" ${proxyUrl}/1.1/direct_messages/new.json`,
  ].join("\n");
}
