import { afterEach, describe, expect, it } from "vitest";
import { DEMO, signLegacyCall } from "../helpers/legacy-client";
import { parsePrometheus } from "../helpers/prometheus";
import { startSidecar, stopSidecars } from "../helpers/sidecar";

afterEach(stopSidecars);

const BASIC = `Basic ${btoa("demo:demo-password")}`;
const FORM = "application/x-www-form-urlencoded";

describe("GET /metrics on a real sidecar", () => {
  it("counts sends in two dialects, a refusal and the upstream calls, with bounded labels", async () => {
    const { url } = await startSidecar({});
    const oneOne = await fetch(signLegacyCall({ url: `${url}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text: "message-text-one" } }));
    expect(oneOne.status).toBe(200);
    const oneZero = await fetch(`${url}/1/direct_messages/new.xml`, {
      method: "POST",
      headers: { authorization: BASIC, "content-type": FORM },
      body: "user=user_2&text=message-text-two",
    });
    expect(oneZero.status).toBe(200);
    const forged = await fetch(
      signLegacyCall({ url: `${url}/1.1/direct_messages/new.json`, form: { screen_name: "dougw", text: "x" }, creds: { ...DEMO, tokenSecret: "guess" } }),
    );
    expect(forged.status).toBe(401);

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = parsePrometheus(text);
    expect(m.get('dm_bridge_requests_total{dialect="twitter-1.1",format="json",status="200"}')).toBe(1);
    expect(m.get('dm_bridge_requests_total{dialect="twitter-1.0",format="xml",status="200"}')).toBe(1);
    expect(m.get('dm_bridge_requests_total{dialect="twitter-1.1",format="json",status="401"}')).toBe(1);
    expect(m.get('dm_bridge_refusals_total{reason="bad_signature"}')).toBe(1);
    expect(m.get('dm_bridge_refusals_total{reason="replay"}')).toBe(0);
    expect(m.get('dm_bridge_upstream_requests_total{endpoint="events/new",status="200"}')).toBe(2);
    expect(m.get('dm_bridge_request_duration_seconds_count{dialect="twitter-1.1"}')).toBe(2);
    expect(m.get('dm_bridge_upstream_duration_seconds_count{endpoint="events/new"}')).toBe(2);
    // The two recipients and the sender's own profile, in as many lookups as the batch window made of them.
    const lookups = m.get("dm_bridge_lookups_total")!;
    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(m.get("dm_bridge_lookup_names_count")).toBe(lookups);
    expect(m.get('dm_bridge_upstream_requests_total{endpoint="users/lookup",status="200"}')).toBe(lookups);
    // dougw, user_2 and the sender's own profile were new; the second message's sender was then known.
    expect(m.get('dm_bridge_user_cache_total{result="miss",tier="none"}')).toBe(3);
    expect(m.get('dm_bridge_user_cache_total{result="hit",tier="memory"}')).toBe(1);
    expect(m.get('dm_bridge_user_cache_total{result="hit",tier="shared"}')).toBe(0);
    // This scrape is the one request in flight.
    expect(m.get("dm_bridge_requests_in_flight")).toBe(1);
    expect(m.has("process_cpu_user_seconds_total")).toBe(true);
    expect(m.has("nodejs_eventloop_lag_seconds")).toBe(true);
    for (const secretOrName of ["dougw", "user_2", "demo-access-token", "776627022", "message-text", "demo-password"]) {
      expect(text).not.toContain(secretOrName);
    }
  });

  it("asks for METRICS_TOKEN as a bearer token when one is set", async () => {
    const token = "scrape-token-0123456789";
    const { url } = await startSidecar({ METRICS_TOKEN: token });
    const refused = await fetch(`${url}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer scrape-token-wrong-6789" } })).status).toBe(401);
    const allowed = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(parsePrometheus(await allowed.text()).has("dm_bridge_requests_in_flight")).toBe(true);
  });

  it("has no /metrics route with METRICS=off", async () => {
    const { url } = await startSidecar({ METRICS: "off" });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(404);
  });
});
