/**
 * The little of each legacy client library the tests call. The libraries ship no types of their own; these
 * declarations describe their documented APIs and change nothing at run time.
 */
declare module "twit" {
  interface TwitResult {
    data: Record<string, unknown>;
    resp: { statusCode: number };
  }
  interface TwitError extends Error {
    code?: number;
    statusCode?: number;
    allErrors?: { code: number; message: string }[];
  }
  class Twit {
    constructor(config: { consumer_key: string; consumer_secret: string; access_token: string; access_token_secret: string });
    post(path: string, params: Record<string, string>): Promise<TwitResult>;
  }
  export type { TwitError };
  export default Twit;
}

declare module "twitter" {
  class Twitter {
    constructor(options: {
      consumer_key: string;
      consumer_secret: string;
      access_token_key: string;
      access_token_secret: string;
      rest_base?: string;
    });
    post(path: string, params: Record<string, string>): Promise<Record<string, unknown>>;
  }
  export default Twitter;
}

declare module "oauth" {
  type Callback = (err: { statusCode: number; data: string } | null, data?: string, response?: { statusCode: number }) => void;
  export class OAuth {
    constructor(
      requestUrl: string | null,
      accessUrl: string | null,
      consumerKey: string,
      consumerSecret: string,
      version: string,
      authorizeCallback: string | null,
      signatureMethod: string,
    );
    post(url: string, token: string, tokenSecret: string, body: Record<string, string>, contentType: string | null, callback: Callback): void;
  }
}
