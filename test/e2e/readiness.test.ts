import { afterEach, describe, expect, it } from "vitest";
import type { Lifecycle } from "../../src/app";
import { PROXY, startHarness, type Harness } from "../helpers/harness";
import { signLegacyCall } from "../helpers/legacy-client";

let harness: Harness;
afterEach(() => harness?.close());

/** The states a graceful drain moves the app through, as the Node sidecar's drain reports them. */
function drainState() {
  const state = { draining: false, maySend: true };
  const lifecycle: Lifecycle = { draining: () => state.draining, maySend: () => state.maySend };
  return { state, lifecycle };
}

const send = (path = "/1.1/direct_messages/new.json") => signLegacyCall({ url: PROXY + path, form: { screen_name: "dougw", text: "hi" } });

describe("readiness and the drain, as the app answers them", () => {
  it("/readyz is 200 until a drain starts and 503 from then on; /healthz stays 200", async () => {
    const { state, lifecycle } = drainState();
    harness = await startHarness({ app: { lifecycle } });
    expect((await harness.call(new Request(`${PROXY}/readyz`))).status).toBe(200);
    state.draining = true;
    const ready = await harness.call(new Request(`${PROXY}/readyz`));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "draining" });
    expect((await harness.call(new Request(`${PROXY}/healthz`))).status).toBe(200);
  });

  it("a send arriving during the drain is refused with 503 and Retry-After in its dialect's form, and not sent", async () => {
    const { state, lifecycle } = drainState();
    harness = await startHarness({ app: { lifecycle } });
    state.draining = true;
    const res = await harness.call(send());
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ errors: [{ code: 130, message: "Over capacity." }] });
    const xml = await harness.call(send("/api/direct_messages/new.xml"));
    expect(xml.status).toBe(503);
    expect(await xml.text()).toContain("<error>The service is unavailable for a moment; try again shortly.</error>");
    expect(harness.sandbox.stats.events).toHaveLength(0);
  });

  it("a send that could outlast the drain's deadline is refused before it goes out (503), never cut halfway", async () => {
    const { state, lifecycle } = drainState();
    harness = await startHarness({ app: { lifecycle } });
    // Already in flight when the drain started: past authentication and lookups, then no time left to send.
    state.maySend = false;
    const res = await harness.call(send());
    expect(res.status).toBe(503);
    expect(harness.sandbox.stats.calls["users/lookup"]).toBe(1);
    expect(harness.sandbox.stats.calls["direct_messages/events/new"]).toBeUndefined();
  });
});
