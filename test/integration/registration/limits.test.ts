import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { startTestApp, uniqueEmail, useTestApp } from "../../support/app.js";
import { verifiedRegistration } from "../../support/registration.js";
import { failureOf, post } from "../../support/rest.js";

describe("registration limits through REST", () => {
  const service = useTestApp({
    IAM_RESEND_COOLDOWN_SECONDS: "30",
    IAM_CODE_MAX_ATTEMPTS: "3",
    IAM_MAX_SENDS_PER_FLOW: "2",
    IAM_FLOWS_PER_CLIENT_PER_MINUTE: "1000",
  });

  async function startWithCode(email: string): Promise<string> {
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    const affirm = await post(service.httpUrl, "/registration/affirmation/init", {
      registration_token: token,
      action: "email",
      value: email,
    });
    expect(affirm.status).toBe(200);
    return token;
  }

  it("refuses a resend inside the cooldown with Retry-After", async () => {
    const token = await startWithCode(uniqueEmail("cooldown"));

    const early = await post(service.httpUrl, "/registration/affirmation/resend", { token });

    expect(failureOf(early)).toEqual({ status: 403, code: "FORBIDDEN" });
    const retryAfter = Number(early.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
  });

  it("burns the codes after the last wrong attempt, even for the right code", async () => {
    const email = uniqueEmail("burn");
    const token = await startWithCode(email);
    const right = service.receiver.lastCodeFor(email);
    const wrong = right === "000000" ? "111111" : "000000";

    for (let i = 0; i < 3; i++) {
      const answer = await post(service.httpUrl, "/registration/affirmation/complete", {
        registration_token: token,
        action: "email_code",
        value: wrong,
      });
      expect(failureOf(answer)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    }
    const burned = await post(service.httpUrl, "/registration/affirmation/complete", {
      registration_token: token,
      action: "email_code",
      value: right,
    });

    expect(failureOf(burned)).toEqual({ status: 403, code: "FORBIDDEN" });
  });

  it("compares no more codes than the limit when wrong codes arrive in parallel", async () => {
    const email = uniqueEmail("parallel-burn");
    const token = await startWithCode(email);
    const right = service.receiver.lastCodeFor(email);
    const wrong = right === "000000" ? "111111" : "000000";

    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        post(service.httpUrl, "/registration/affirmation/complete", {
          registration_token: token,
          action: "email_code",
          value: wrong,
        }),
      ),
    );

    const compared = answers.filter((answer) => answer.body.failure_code === "UNAUTHORIZED");
    expect(compared).toHaveLength(3);
    expect(answers.filter((answer) => answer.body.failure_code === "FORBIDDEN")).toHaveLength(17);
  });
});

describe("registration delivery failures", () => {
  const service = useTestApp({ IAM_RESEND_COOLDOWN_SECONDS: "60" });

  it("answers SERVER_ERROR when the webhook fails and leaves the flow as it was", async () => {
    const email = uniqueEmail("outage");
    const init = await post(service.httpUrl, "/registration/init");
    const token = init.body.registration_token;
    const body = { registration_token: token, action: "email", value: email };

    service.receiver.status = 500;
    const failed = await post(service.httpUrl, "/registration/affirmation/init", body);
    service.receiver.status = 204;

    expect(failureOf(failed)).toEqual({ status: 500, code: "SERVER_ERROR" });
    const retried = await post(service.httpUrl, "/registration/affirmation/init", body);
    expect(retried.status).toBe(200);
    expect(retried.body.required_actions).toEqual(["email_code"]);
  });
});

describe("registration abuse limits", () => {
  it("limits flows per client address per minute", async () => {
    const service = await startTestApp({ IAM_FLOWS_PER_CLIENT_PER_MINUTE: "3" });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await post(service.httpUrl, "/registration/init"));

      expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([200, 200, 200]);
      const refused = answers[3];
      expect(refused && failureOf(refused)).toEqual({ status: 403, code: "FORBIDDEN" });
      expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await service.stop();
    }
  });

  it("limits codes per destination per hour across flows", async () => {
    const service = await startTestApp({ IAM_SENDS_PER_DESTINATION_PER_HOUR: "2" });
    try {
      const email = uniqueEmail("flood");
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const init = await post(service.httpUrl, "/registration/init");
        answers.push(
          await post(service.httpUrl, "/registration/affirmation/init", {
            registration_token: init.body.registration_token,
            action: "email",
            value: email,
          }),
        );
      }

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 403]);
      expect(Number(answers[2]?.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(service.receiver.countFor(email)).toBe(2);
    } finally {
      await service.stop();
    }
  });

  it("answers EXPIRED for a flow past its lifetime and for a code past its lifetime", async () => {
    const service = await startTestApp({ IAM_FLOW_TTL_SECONDS: "2", IAM_CODE_TTL_SECONDS: "1" });
    try {
      const email = uniqueEmail("late");
      const init = await post(service.httpUrl, "/registration/init");
      const token = init.body.registration_token;
      await post(service.httpUrl, "/registration/affirmation/init", {
        registration_token: token,
        action: "email",
        value: email,
      });
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const lateCode = await post(service.httpUrl, "/registration/affirmation/complete", {
        registration_token: token,
        action: "email_code",
        value: service.receiver.lastCodeFor(email),
      });
      expect(failureOf(lateCode)).toEqual({ status: 401, code: "EXPIRED" });

      await new Promise((resolve) => setTimeout(resolve, 1000));
      const lateFlow = await post(service.httpUrl, "/registration/affirmation/resend", { token });
      expect(failureOf(lateFlow)).toEqual({ status: 401, code: "EXPIRED" });
    } finally {
      await service.stop();
    }
  });
});

describe("registration races between flows", () => {
  it("creates exactly one account when 20 flows complete for one address at once", async () => {
    const service = await startTestApp();
    try {
      const email = uniqueEmail("race");
      const tokens: string[] = [];
      for (let i = 0; i < 20; i++) tokens.push(await verifiedRegistration(service, email));

      const answers = await Promise.all(
        tokens.map((token) =>
          post(service.httpUrl, "/registration/complete", {
            registration_token: token,
            secret: "a long and unusual passphrase",
          }),
        ),
      );

      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
      expect(answers.filter((answer) => answer.body.failure_code === "CONFLICT")).toHaveLength(19);
      expect(answers.every((answer) => answer.status < 500)).toBe(true);

      const client = new pg.Client({ connectionString: inject("databaseUrl") });
      await client.connect();
      const rows = await client.query(
        "SELECT count(*)::int AS n FROM identifiers WHERE kind = 'email' AND value = $1",
        [email],
      );
      await client.end();
      expect(rows.rows[0].n).toBe(1);
    } finally {
      await service.stop();
    }
  });
});
