/** The shape of DM_PROXY_CREDENTIALS, mirroring the JSON document. */
export interface CredentialsDocument {
  consumers: Record<string, string>;
  tokens: Record<string, string>;
  basic?: Record<string, { password: string; consumer_key: string; token: string }>;
}

export interface BasicAccount {
  password: string;
  consumerKey: string;
  token: string;
}

/** Where secrets come from; behind an interface so a KV- or vault-backed store can replace the static one. */
export interface CredentialStore {
  consumerSecret(consumerKey: string): string | undefined;
  tokenSecret(token: string): string | undefined;
  basicAccount(username: string): BasicAccount | undefined;
}

const own = <T>(record: Record<string, T> | undefined, key: string): T | undefined => (record && Object.hasOwn(record, key) ? record[key] : undefined);

export function createStaticCredentialStore(doc: CredentialsDocument): CredentialStore {
  return {
    consumerSecret: (key) => own(doc.consumers, key),
    tokenSecret: (token) => own(doc.tokens, token),
    basicAccount(username) {
      const a = own(doc.basic, username);
      return a && { password: a.password, consumerKey: a.consumer_key, token: a.token };
    },
  };
}
