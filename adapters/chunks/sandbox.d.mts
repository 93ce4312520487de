// The types of sandbox.mjs, which scripts/build-sandbox-module.mjs builds from this source (the .mjs is not committed).
export * from "../../src/sandbox/sandbox-app";
