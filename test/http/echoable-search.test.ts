import { describe, expect, it } from "vitest";
import { echoableSearch } from "../../src/http/form";

describe("echoableSearch", () => {
  it("drops exactly the parameters authentication reads as OAuth ones, however their names are encoded", () => {
    expect(echoableSearch("?screen_name=a&text=hi%20there")).toBe("?screen_name=a&text=hi%20there");
    expect(echoableSearch("?oauth_signature=x&screen_name=a&oauth%5Fnonce=n&%6Fauth_token=t")).toBe("?screen_name=a");
    // Names are case-sensitive (RFC 5849): these are not protocol parameters, and a bad escape stays as sent.
    expect(echoableSearch("?OAuth_x=1&oauth=2&bad=%E0%A4%A")).toBe("?OAuth_x=1&oauth=2&bad=%E0%A4%A");
    expect(echoableSearch("?oauth_token=t")).toBe("");
    expect(echoableSearch("")).toBe("");
  });
});
