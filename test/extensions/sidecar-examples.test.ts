import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { CURL, shouldSkip } from "../clients/external-client";
import { startSidecar, stopSidecars } from "../helpers/sidecar";

const run = promisify(execFile);
afterEach(stopSidecars);

/** The README's quick-reply example, continuation lines joined, pointed at the sidecar under test. */
function readmeQuickReplyCurl(url: string): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("curl -u demo:demo-password --data-urlencode 'quick_reply_options=");
  const command = readme.slice(start, readme.indexOf("\n```", start)).replace(/\\\n\s*/g, "");
  return command.replace("http://localhost:8787", url);
}

describe.skipIf(shouldSkip(CURL))("the sidecar as `npm start` runs it", () => {
  it("sends the README's media and quick-reply example as printed", async () => {
    const { url } = await startSidecar({});
    const { stdout } = await run("sh", ["-c", `${readmeQuickReplyCurl(url)} --silent --show-error`]);
    expect(JSON.parse(stdout)).toMatchObject({ text: "Coming?", recipient_screen_name: "dougw", sender_screen_name: "s0c1alm3dia" });
  });

  it("with UPSTREAM_API=v2 runs on the sandbox's v2 endpoints, and its printed curl works as printed", async () => {
    const { output, url } = await startSidecar({ UPSTREAM_API: "v2" });
    expect(output).toContain('"api":"v2"');
    const curl = output
      .split("\n")
      .find((l) => l.trim().startsWith("curl "))!
      .trim();
    const { stdout } = await run("sh", ["-c", `${curl} --silent --show-error`]);
    expect(JSON.parse(stdout)).toMatchObject({ text: "hello from dm-bridge", recipient_screen_name: "theSeanCook", sender_screen_name: "s0c1alm3dia" });
    const quickReply = await run("sh", ["-c", `${readmeQuickReplyCurl(url)} --silent --show-error`]);
    expect(JSON.parse(quickReply.stdout)).toEqual({ errors: [{ code: 44, message: "quick_reply_options parameter is invalid." }] });
  });
});
