import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookChannel, signWebhookBody } from "../../../src/delivery/webhook.js";
import { IamError } from "../../../src/errors.js";
import { silentLogger } from "../../../src/log.js";
import { WebhookReceiver } from "../../support/webhook-receiver.js";

describe("webhook delivery", () => {
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
  });

  afterAll(async () => {
    await receiver.stop();
  });

  const message = {
    channel: "email" as const,
    to: "ann@example.com",
    code: "012345",
    purpose: "registration" as const,
    expiresAt: new Date("2030-01-01T00:00:00.000Z"),
  };

  it("posts the documented JSON with an HMAC signature of the raw body", async () => {
    receiver.status = 204;
    const channel = createWebhookChannel({
      url: receiver.url,
      secret: "s3cret",
      logger: silentLogger(),
    });

    await channel.deliver(message);

    const got = receiver.received.at(-1);
    expect(got).toMatchObject({
      channel: "email",
      to: "ann@example.com",
      code: "012345",
      purpose: "registration",
      expires_at: "2030-01-01T00:00:00.000Z",
    });
    expect(got?.signature).toBe(signWebhookBody(got?.raw ?? "", "s3cret"));
  });

  it("sends no signature header without a secret", async () => {
    const channel = createWebhookChannel({
      url: receiver.url,
      secret: undefined,
      logger: silentLogger(),
    });

    await channel.deliver(message);

    expect(receiver.received.at(-1)?.signature).toBeUndefined();
  });

  it("retries briefly and then fails with SERVER_ERROR", async () => {
    receiver.status = 503;
    const before = receiver.received.length;
    const channel = createWebhookChannel({
      url: receiver.url,
      secret: undefined,
      logger: silentLogger(),
      retryDelaysMs: [10, 10],
    });

    const failure = await channel.deliver(message).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(IamError);
    expect((failure as IamError).code).toBe("SERVER_ERROR");
    expect(receiver.received.length).toBe(before);
    receiver.status = 204;
  });

  it("treats a redirect as a failed delivery and does not follow it", async () => {
    receiver.status = 302;
    const before = receiver.received.length;
    const channel = createWebhookChannel({
      url: receiver.url,
      secret: undefined,
      logger: silentLogger(),
      retryDelaysMs: [10],
    });

    await expect(channel.deliver(message)).rejects.toMatchObject({ code: "SERVER_ERROR" });
    expect(receiver.received.length).toBe(before);
    receiver.status = 204;
  });

  it("fails with SERVER_ERROR when nothing listens", async () => {
    const channel = createWebhookChannel({
      url: "http://127.0.0.1:9/codes",
      secret: undefined,
      logger: silentLogger(),
      retryDelaysMs: [10],
      timeoutMs: 500,
    });

    await expect(channel.deliver(message)).rejects.toMatchObject({ code: "SERVER_ERROR" });
  });
});
