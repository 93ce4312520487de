// The one class of the Workers runtime module the Worker uses, typed here so the project needs no Workers type
// package. Merges with test/workers/cloudflare-workers.d.ts, which types the test isolate's `env`.
declare module "cloudflare:workers" {
  export abstract class DurableObject<Env = unknown> {
    protected readonly ctx: { readonly storage: unknown };
    protected readonly env: Env;
    constructor(ctx: { readonly storage: unknown }, env: Env);
    alarm?(): void | Promise<void>;
  }
}
