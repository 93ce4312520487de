// The bindings vitest.workers.config.ts gives the test isolate; typed here so the suite needs no Workers type package.
declare module "cloudflare:workers" {
  interface ServiceBinding {
    fetch(request: Request): Promise<Response>;
  }
  interface KvNamespace {
    get(key: string): Promise<string | null>;
    put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
    getWithMetadata(key: string): Promise<{ value: string | null }>;
  }
  export const env: {
    SANDBOX_WORKER: ServiceBinding;
    SANDBOX_WORKER_2: ServiceBinding;
    SINA_WORKER: ServiceBinding;
    KV_WORKER_A: ServiceBinding;
    KV_WORKER_B: ServiceBinding;
    DO_WORKER_A: ServiceBinding;
    DO_WORKER_B: ServiceBinding;
    DO_FALLBACK_WORKER: ServiceBinding;
    DO_REQUIRED_WORKER: ServiceBinding;
    /** The X API sandbox behind do-a, do-b, do-fallback and do-required: `/_sandbox/stats` lists what they sent. */
    DO_X_API: ServiceBinding;
    CONFIGURED_WORKER: ServiceBinding;
    MISCONFIGURED_WORKER: ServiceBinding;
    TEST_KV: KvNamespace;
    SHARED_KV: KvNamespace;
  };
}

// Vite's raw imports: the seeds' fixtures, read at build time, since the test isolate has no access to the disk.
declare module "*?raw" {
  const text: string;
  export default text;
}
