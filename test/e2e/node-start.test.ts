import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { SIDECAR_ARGS, startSidecar, stopSidecars } from "../helpers/sidecar";

const run = promisify(execFile);
afterEach(stopSidecars);

describe("npm start", () => {
  it("with no configuration, serves the sandbox demo and its printed curl works as printed", async () => {
    const { output, url } = await startSidecar({});
    expect(output).toMatch(/SANDBOX/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-dm-bridge-upstream")).toBe("sandbox");
    const curl = output
      .split("\n")
      .find((l) => l.trim().startsWith("curl "))!
      .trim();
    const { stdout } = await run("sh", ["-c", `${curl} --silent --show-error --include`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(stdout.toLowerCase()).toContain("x-dm-bridge-upstream: sandbox");
    const body = JSON.parse(stdout.slice(stdout.indexOf("\r\n\r\n") + 4));
    expect(body).toMatchObject({ text: "hello from dm-bridge", recipient_screen_name: "theSeanCook", sender_screen_name: "s0c1alm3dia" });
  });

  it("runs as the README's first line has it: `npm start` builds the sidecar, then serves", async () => {
    const { output, url } = await startSidecar({}, ["npm", "start"]);
    expect(output).toContain("> npm run -s build");
    expect(output).toContain(`> exec node ${SIDECAR_ARGS.join(" ")}`);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: "ok", upstream: "sandbox" });
  });

  it("answers seed 002's Sina curl as printed there, and Sina's error form when UNVERSIONED_ERROR_FORM=sina", async () => {
    const { url } = await startSidecar({ UNVERSIONED_ERROR_FORM: "sina" });
    const seedCurl = (user: string) =>
      run("curl", ["--silent", "--show-error", "-u", user, "-d", "text=all your bases are belong to us&user=user_2", `${url}/direct_messages/new.xml`]);
    const { stdout } = await seedCurl("demo:demo-password");
    expect(stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<direct_message>\n<id>\d+<\/id>\n<sender_id>776627022<\/sender_id>\n<text>all your bases are belong to us<\/text>/,
    );
    expect(stdout).toContain("<recipient_screen_name>user_2</recipient_screen_name>");
    const refused = await seedCurl("demo:wrong");
    expect(refused.stdout).toContain("<error>40302:Error: auth faild!</error>");
  });

  it("stops with one clear line on invalid configuration", async () => {
    const err = await run(process.execPath, SIDECAR_ARGS, {
      env: { PATH: process.env.PATH ?? "", DM_PROXY_CREDENTIALS: '{"consumers":{"k":"top-secret"' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect("code" in err && err.code).toBe(1);
    expect((err as { stderr: string }).stderr.trim()).toBe("dm-bridge: configuration error: DM_PROXY_CREDENTIALS is not valid JSON");
  });
});
