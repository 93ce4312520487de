import { DurableObject } from "cloudflare:workers";
import { createStateObject, type StateObject, type StateStorage } from "../src/auth/state-object";

/**
 * The Durable Object class of the optional DM_BRIDGE_STATE binding (docs/workers-durable-objects.md): one object
 * per token for its nonces and daily budget, one per consumer key for the app's budget. Only wiring; the logic is
 * src/auth/state-object.ts. Its methods are called over RPC by src/auth/durable-state.ts.
 */
export class DmBridgeState extends DurableObject {
  private readonly state: StateObject = createStateObject(this.ctx.storage as StateStorage);

  claim(nonceKey: string, expiresAt: number) {
    return this.state.claim(nonceKey, expiresAt);
  }

  reserve(limit: number) {
    return this.state.reserve(limit);
  }

  release(takenAt: number) {
    return this.state.release(takenAt);
  }

  override alarm() {
    return this.state.sweep();
  }
}
