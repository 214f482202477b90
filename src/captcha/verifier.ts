import { failures } from "../errors.js";
import type { Logger } from "../log.js";

/** Checks a captcha response; rejects with CAPTCHA_FAILED when it is not accepted. */
export interface CaptchaVerifier {
  /** Whether a captcha is required at all (a verify URL is configured). */
  readonly required: boolean;
  verify(response: string | undefined, remoteIp: string): Promise<void>;
}

/** Options of the siteverify-style verifier. */
export interface CaptchaOptions {
  readonly verifyUrl: string | undefined;
  readonly secret: string | undefined;
  readonly logger: Logger;
  readonly timeoutMs?: number;
}

/**
 * Verifies captchas the way Turnstile, hCaptcha and reCAPTCHA do: a form
 * POST of `secret`, `response` and `remoteip`, accepted only on
 * `{"success": true}`. An unreachable or confused verifier fails closed.
 */
export function createCaptchaVerifier(options: CaptchaOptions): CaptchaVerifier {
  const { verifyUrl, secret, logger } = options;
  if (verifyUrl === undefined || secret === undefined) {
    return { required: false, verify: async () => {} };
  }

  return {
    required: true,
    async verify(response, remoteIp) {
      if (response === undefined || response.trim() === "") throw failures.captcha();

      const form = new URLSearchParams({ secret, response, remoteip: remoteIp });
      let success = false;
      try {
        const answer = await fetch(verifyUrl, {
          method: "POST",
          body: form,
          signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
        });
        const body = (await answer.json()) as { success?: unknown };
        success = answer.ok && body.success === true;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn({ reason }, "captcha verifier unreachable; failing closed");
      }

      if (!success) throw failures.captcha();
    },
  };
}
