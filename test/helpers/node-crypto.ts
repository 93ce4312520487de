import { createHmac, randomBytes } from "node:crypto";

export const nodeHmac = (key: string, data: string) => createHmac("sha1", key).update(data).digest("base64");
export const randomId = () => randomBytes(16).toString("hex");

/** oauth-1.0a's hash_function takes (base string, key): the other order from ours. */
export const oauthPackageHash = (base: string, key: string) => nodeHmac(key, base);
