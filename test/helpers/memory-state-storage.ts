import type { StateStorage } from "../../src/auth/state-object";

/**
 * A Durable Object's key-value storage in a Map, for the state object's logic under a clock the test moves (workerd
 * runs the real one in test/workers/durable-objects.test.ts). Values are copied in and out, as the runtime does.
 */
export function createMemoryStateStorage() {
  const data = new Map<string, unknown>();
  let alarm: number | null = null;
  const storage: StateStorage = {
    async get<T>(key: string) {
      return data.has(key) ? (structuredClone(data.get(key)) as T) : undefined;
    },
    async put(key, value) {
      data.set(key, structuredClone(value));
    },
    async delete(keys) {
      let n = 0;
      for (const k of keys) n += data.delete(k) ? 1 : 0;
      return n;
    },
    async list<T>({ prefix, startAfter, limit }: { prefix: string; startAfter?: string; limit: number }) {
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter)).sort();
      return new Map(keys.slice(0, limit).map((k) => [k, structuredClone(data.get(k)) as T]));
    },
    async getAlarm() {
      return alarm;
    },
    async setAlarm(at) {
      alarm = at;
    },
  };
  return { storage, data, alarm: () => alarm, clearAlarm: () => void (alarm = null) };
}
