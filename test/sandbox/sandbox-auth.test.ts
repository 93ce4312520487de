import { describe, expect, it } from "vitest";
import { createRequestSigner } from "../../bench/presign";
import { createSandboxVerifier } from "../../src/sandbox/sandbox-auth";
import { DEMO_CREDENTIALS } from "../../src/sandbox/sandbox-users";
import { DEMO } from "../helpers/legacy-client";
import { nodeHmac } from "../helpers/node-crypto";

const URL_ = "http://127.0.0.1:9/1.1/direct_messages/events/new.json";
const T0 = 1_800_000_000;

describe("the sandbox's replay check", () => {
  let nowSec = T0;
  const verify = createSandboxVerifier({ ...DEMO_CREDENTIALS, hmac: nodeHmac, clock: () => nowSec * 1000 });
  const signedAt = (timestamp: number, nonce: string) => createRequestSigner({ url: URL_, creds: DEMO, timestamp }, nodeHmac)(nonce);

  it("refuses a nonce again for as long as a replay's timestamp could pass, then forgets it (memory stays bounded)", async () => {
    nowSec = T0;
    // Stamped as far ahead as X allows, so that its replay stays within the timestamp window the longest.
    const late = signedAt(T0 + 900, "latestampednonce1");
    expect(await verify("POST", URL_, late)).toEqual({ ok: true, token: DEMO.token });
    for (let i = 0; i < 3; i++) expect((await verify("POST", URL_, signedAt(T0, `filler000${i}`))).ok).toBe(true);
    expect(verify.rememberedNonces()).toBe(4);

    nowSec = T0 + 1799;
    expect(await verify("POST", URL_, late)).toEqual({ ok: false, code: 32, message: "Could not authenticate you." });
    const fresh = signedAt(nowSec, "fresh00001");
    expect((await verify("POST", URL_, fresh)).ok).toBe(true);

    // A new generation begins; the last one is still consulted.
    nowSec = T0 + 1801;
    expect(await verify("POST", URL_, fresh)).toEqual({ ok: false, code: 32, message: "Could not authenticate you." });
    expect((await verify("POST", URL_, signedAt(nowSec, "fresh00002"))).ok).toBe(true);
    expect(verify.rememberedNonces()).toBe(6);

    // Once a replay would fail on its timestamp anyway, its nonce is no longer kept.
    nowSec = T0 + 3601;
    expect(await verify("POST", URL_, fresh)).toEqual({ ok: false, code: 135, message: "Timestamp out of bounds." });
    expect((await verify("POST", URL_, signedAt(nowSec, "fresh00003"))).ok).toBe(true);
    expect(verify.rememberedNonces()).toBe(2);

    nowSec = T0 + 10_000;
    expect((await verify("POST", URL_, signedAt(nowSec, "fresh00004"))).ok).toBe(true);
    expect(verify.rememberedNonces()).toBe(1);
  });
});
