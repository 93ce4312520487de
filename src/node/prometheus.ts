import cluster from "node:cluster";
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AppObserver, RefusalReason, UpstreamEndpoint } from "../observe";

const REFUSALS: readonly RefusalReason[] = ["bad_signature", "replay", "stale_timestamp", "budget", "body_too_large", "unavailable"];
const SCRAPE_REQUEST = "dm-bridge:scrape";
const SCRAPE_ANSWER = "dm-bridge:scrape-answer";

/**
 * The app's observer as Prometheus metrics (prom-client), Node only. Counters whose labels are known up front start
 * at 0, so that an alert on their rate works from the first scrape.
 */
export function createPrometheusMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requestTally = createTally(["dialect", "format", "status"]);
  new Counter({
    name: "dm_bridge_requests_total",
    help: "Requests answered, by dialect, format and HTTP status.",
    labelNames: requestTally.labelNames,
    registers: [registry],
    collect: requestTally.collect,
  });
  const requestSeconds = new Histogram({
    name: "dm_bridge_request_duration_seconds",
    help: "Time from a request's arrival to its answer, by dialect.",
    labelNames: ["dialect"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const upstreamTally = createTally(["endpoint", "status"]);
  new Counter({
    name: "dm_bridge_upstream_requests_total",
    help: 'Calls to the X API, by endpoint and HTTP status ("error" when no answer came: timeout, reset, refused).',
    labelNames: upstreamTally.labelNames,
    registers: [registry],
    collect: upstreamTally.collect,
  });
  const upstreamSeconds = new Histogram({
    name: "dm_bridge_upstream_duration_seconds",
    help: "Duration of calls to the X API, by endpoint.",
    labelNames: ["endpoint"],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const cacheTally = createTally(["result", "tier"]);
  const cache = new Counter({
    name: "dm_bridge_user_cache_total",
    help: "Names and ids resolved from the user cache (hit, from this process's memory or the shared tier) or needing a lookup (miss).",
    labelNames: cacheTally.labelNames,
    registers: [registry],
    collect: cacheTally.collect,
  });
  const lookups = new Counter({ name: "dm_bridge_lookups_total", help: "User lookup calls sent to the X API.", registers: [registry] });
  const lookupNames = new Histogram({
    name: "dm_bridge_lookup_names",
    help: "Names or ids carried by one user lookup call.",
    buckets: [1, 2, 5, 10, 25, 50, 100],
    registers: [registry],
  });
  const refusals = new Counter({
    name: "dm_bridge_refusals_total",
    help: "Requests refused by the gateway itself, by reason.",
    labelNames: ["reason"],
    registers: [registry],
  });
  let inFlight = 0;
  new Gauge({
    name: "dm_bridge_requests_in_flight",
    help: "Requests being handled now.",
    registers: [registry],
    collect() {
      this.set(inFlight);
    },
  });
  for (const reason of REFUSALS) refusals.inc({ reason }, 0);
  for (const [result, tier] of [
    ["hit", "memory"],
    ["hit", "shared"],
    ["miss", "none"],
  ])
    cache.inc({ result, tier }, 0);
  lookups.inc(0);

  const requestCount = childrenOf(requestTally.child);
  const requestTime = childrenOf((dialect) => requestSeconds.labels(dialect));
  const upstreamCount = childrenOf(upstreamTally.child);
  const upstreamTime = childrenOf((endpoint) => upstreamSeconds.labels(endpoint));
  const cacheHits = { memory: cacheTally.child("hit", "memory"), shared: cacheTally.child("hit", "shared") };
  const cacheMisses = cacheTally.child("miss", "none");

  const observer: AppObserver = {
    requestStarted: () => void inFlight++,
    requestEnded(labels, seconds) {
      inFlight--;
      requestCount(labels.dialect, labels.format, String(labels.status)).inc();
      requestTime(labels.dialect).observe(seconds);
    },
    refused: (reason) => refusals.inc({ reason }),
    upstreamCall(endpoint: UpstreamEndpoint, status, seconds) {
      upstreamCount(endpoint, status).inc();
      upstreamTime(endpoint).observe(seconds);
    },
    lookupSent(names) {
      lookups.inc();
      lookupNames.observe(names);
    },
    cacheHit: (tier) => cacheHits[tier].inc(),
    cacheMiss: () => cacheMisses.inc(),
  };

  /** One scrape: this process's registry, or every worker's summed by the primary when running as a cluster. */
  async function render(): Promise<{ contentType: string; body: string }> {
    const body = cluster.isWorker ? await askPrimary() : await registry.metrics();
    return { contentType: registry.contentType, body };
  }

  if (cluster.isWorker) {
    // The primary's aggregator asks each worker for its registry through prom-client's own messages.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
  }
  return { observer, render };
}

/**
 * One child per label set, made on first use and kept, so that the label object is built once. The label sets are
 * bounded (dialects, formats, statuses, endpoints).
 */
function childrenOf<T>(make: (...values: string[]) => T): (...values: string[]) => T {
  const children = new Map<string, T>();
  return (...values) => {
    const key = values.join("\n");
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(...values)));
    return child;
  };
}

/**
 * Counts kept in plain numbers per label set and added to their prom-client counter when it is scraped (its
 * `collect`): prom-client's own `inc`, on a child from `labels()` too, hashes and validates the label set on every
 * call, several times per message.
 */
function createTally(labelNames: string[]) {
  const counts: { labels: Record<string, string>; n: number }[] = [];
  return {
    labelNames,
    /** The count of one label set; call once per set and keep it (childrenOf). */
    child(...values: string[]): { inc(): void } {
      const count = { labels: Object.fromEntries(labelNames.map((name, i) => [name, values[i]!])), n: 0 };
      counts.push(count);
      return { inc: () => void count.n++ };
    },
    collect(this: Counter) {
      for (const count of counts) {
        if (count.n === 0) continue;
        this.inc(count.labels, count.n);
        count.n = 0;
      }
    },
  };
}

let nextScrape = 0;
const pendingScrapes = new Map<number, (answer: { body?: string; error?: string }) => void>();

function askPrimary(): Promise<string> {
  const id = nextScrape++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pendingScrapes.delete(id);
      reject(new Error("the primary did not answer the scrape"));
    }, 5_000);
    pendingScrapes.set(id, (answer) => {
      clearTimeout(timer);
      if (answer.body !== undefined) resolve(answer.body);
      else reject(new Error(`the cluster scrape failed: ${answer.error}`));
    });
    process.send!({ type: SCRAPE_REQUEST, id });
  });
}

if (cluster.isWorker) {
  process.on("message", (m: { type?: string; id?: number; body?: string; error?: string }) => {
    if (m?.type !== SCRAPE_ANSWER || m.id === undefined) return;
    pendingScrapes.get(m.id)?.(m);
    pendingScrapes.delete(m.id);
  });
}

/** In the primary: answers a worker's scrape with the sum of every worker's metrics. */
export function serveClusterScrapes(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, m: { type?: string; id?: number }) => {
    if (m?.type !== SCRAPE_REQUEST) return;
    aggregator.clusterMetrics().then(
      (body) => worker.send({ type: SCRAPE_ANSWER, id: m.id, body }),
      (err: Error) => worker.send({ type: SCRAPE_ANSWER, id: m.id, error: err.message }),
    );
  });
}
