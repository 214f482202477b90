import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({});
    expect(config.httpPort).toBe(8080);
    expect(config.rpcPort).toBe(50051);
    expect(config.registrationIdentifiers).toEqual(["email"]);
    expect(config.codeLength).toBe(6);
    expect(config.flowTtlSeconds).toBe(1800);
    expect(config.databaseUrl).toBeUndefined();
  });

  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ IAM_CODE_LENGTH: "six" })).toThrow(/^IAM_CODE_LENGTH /);
    expect(() => loadConfig({ IAM_HTTP_PORT: "70000" })).toThrow(ConfigError);
    expect(() => loadConfig({ IAM_REGISTRATION_IDENTIFIERS: "phone,email" })).toThrow(
      /IAM_REGISTRATION_IDENTIFIERS/,
    );
    expect(() => loadConfig({ IAM_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/IAM_TRUSTED_PROXIES/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/^DATABASE_URL /);
  });

  it("reads NODE_ENV whatever its case and refuses values it does not know", () => {
    expect(() => loadConfig({ NODE_ENV: " Production " })).toThrow(/IAM_NOTIFY_WEBHOOK_URL/);
    expect(() => loadConfig({ NODE_ENV: "prod" })).toThrow(/^NODE_ENV must be/);
    expect(loadConfig({ NODE_ENV: "test" }).production).toBe(false);
  });

  it("refuses one port for both listeners", () => {
    expect(() => loadConfig({ IAM_HTTP_PORT: "9000", IAM_RPC_PORT: "9000" })).toThrow(
      /IAM_HTTP_PORT and IAM_RPC_PORT/,
    );
  });

  it("refuses to log codes in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/IAM_NOTIFY_WEBHOOK_URL/);
    const config = loadConfig({
      NODE_ENV: "production",
      IAM_NOTIFY_WEBHOOK_URL: "http://127.0.0.1:9/hook",
    });
    expect(config.production).toBe(true);
  });

  it("reads both identifiers in order and trusted proxies as a list", () => {
    const config = loadConfig({
      IAM_REGISTRATION_IDENTIFIERS: "email,phone",
      IAM_TRUSTED_PROXIES: "10.0.0.0/8, ::1",
    });
    expect(config.registrationIdentifiers).toEqual(["email", "phone"]);
    expect(config.trustedProxies).toEqual(["10.0.0.0/8", "::1"]);
  });
});
