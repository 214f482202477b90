import { isIP } from "node:net";
import { z } from "zod";

/** The kinds of identifier a person can register, sign in and recover with. */
export type IdentifierKind = "email" | "phone";

/** Whether sign-in asks for a one-time code after the password. */
export type SecondFactorMode = "required" | "off";

/** The service's configuration, read once from the environment and validated. */
export interface Config {
  readonly production: boolean;
  readonly logLevel: string;
  readonly httpPort: number;
  readonly rpcPort: number;
  /** Bind address of both listeners. */
  readonly host: string;
  /** When set, the gateway runs alone and calls this RPC server over HTTP. */
  readonly rpcUrl: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly dataDir: string;
  readonly registrationIdentifiers: readonly IdentifierKind[];
  readonly loginSecondFactor: SecondFactorMode;
  readonly codeLength: number;
  readonly codeTtlSeconds: number;
  readonly codeMaxAttempts: number;
  readonly resendCooldownSeconds: number;
  readonly maxSendsPerFlow: number;
  readonly flowTtlSeconds: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly loginMaxFailures: number;
  readonly loginLockoutSeconds: number;
  readonly sendsPerDestinationPerHour: number;
  readonly flowsPerClientPerMinute: number;
  readonly notifyWebhookUrl: string | undefined;
  readonly notifyWebhookSecret: string | undefined;
  readonly smtpUrl: string | undefined;
  /** The From address of code e-mails sent by SMTP. */
  readonly smtpFrom: string;
  readonly captchaVerifyUrl: string | undefined;
  readonly captchaSecret: string | undefined;
  readonly issuer: string;
  readonly trustedProxies: readonly string[];
}

/** Start-up stops on this error; its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const port = integer(0, 65535);

const url = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL (${protocols.join(" or ")})`,
    );

const identifierList = z
  .string()
  .trim()
  .refine(
    (value) => ["email", "phone", "email,phone"].includes(value.replace(/\s+/g, "")),
    "must be email, phone or email,phone",
  )
  .transform((value) => value.replace(/\s+/g, "").split(",") as IdentifierKind[]);

const cidrList = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .refine(
    (entries) => entries.every(isCidr),
    "must be a comma-separated list of CIDRs or addresses",
  );

function isCidr(entry: string): boolean {
  const [address, bits, ...rest] = entry.split("/");
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const max = family === 4 ? 32 : 128;
  return /^\d+$/.test(bits) && Number(bits) <= max;
}

/** Each variable: its schema and its default (as the string an operator would write). */
const variables = {
  NODE_ENV: {
    schema: z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .pipe(
        z.enum(["development", "production", "test"], "must be development, production or test"),
      ),
    fallback: "development",
  },
  IAM_LOG_LEVEL: {
    schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    fallback: "info",
  },
  IAM_HOST: { schema: z.string().trim().min(1), fallback: "0.0.0.0" },
  IAM_HTTP_PORT: { schema: port, fallback: "8080" },
  IAM_RPC_PORT: { schema: port, fallback: "50051" },
  IAM_RPC_URL: { schema: url(["http:", "https:"]).optional(), fallback: undefined },
  DATABASE_URL: { schema: url(["postgres:", "postgresql:"]).optional(), fallback: undefined },
  REDIS_URL: { schema: url(["redis:", "rediss:"]).optional(), fallback: undefined },
  IAM_DATA_DIR: { schema: z.string().trim().min(1), fallback: "./.iam-data" },
  IAM_REGISTRATION_IDENTIFIERS: { schema: identifierList, fallback: "email" },
  IAM_LOGIN_SECOND_FACTOR: { schema: z.enum(["required", "off"]), fallback: "required" },
  IAM_CODE_LENGTH: { schema: integer(4, 12), fallback: "6" },
  IAM_CODE_TTL_SECONDS: { schema: integer(1, 86_400), fallback: "600" },
  IAM_CODE_MAX_ATTEMPTS: { schema: integer(1, 100), fallback: "5" },
  IAM_RESEND_COOLDOWN_SECONDS: { schema: integer(0, 86_400), fallback: "60" },
  IAM_MAX_SENDS_PER_FLOW: { schema: integer(1, 100), fallback: "5" },
  IAM_FLOW_TTL_SECONDS: { schema: integer(1, 86_400), fallback: "1800" },
  IAM_ACCESS_TOKEN_TTL_SECONDS: { schema: integer(1, 86_400), fallback: "900" },
  IAM_REFRESH_TOKEN_TTL_SECONDS: { schema: integer(1, 31_536_000), fallback: "2592000" },
  IAM_LOGIN_MAX_FAILURES: { schema: integer(1, 1000), fallback: "10" },
  IAM_LOGIN_LOCKOUT_SECONDS: { schema: integer(1, 86_400), fallback: "900" },
  IAM_SENDS_PER_DESTINATION_PER_HOUR: { schema: integer(1, 10_000), fallback: "10" },
  IAM_FLOWS_PER_CLIENT_PER_MINUTE: { schema: integer(1, 1_000_000), fallback: "30" },
  IAM_NOTIFY_WEBHOOK_URL: { schema: url(["http:", "https:"]).optional(), fallback: undefined },
  IAM_NOTIFY_WEBHOOK_SECRET: { schema: z.string().min(1).optional(), fallback: undefined },
  IAM_SMTP_URL: { schema: url(["smtp:", "smtps:"]).optional(), fallback: undefined },
  IAM_SMTP_FROM: { schema: z.string().trim().min(3), fallback: "no-reply@localhost" },
  IAM_CAPTCHA_VERIFY_URL: { schema: url(["http:", "https:"]).optional(), fallback: undefined },
  IAM_CAPTCHA_SECRET: { schema: z.string().min(1).optional(), fallback: undefined },
  IAM_ISSUER: { schema: z.string().trim().min(1), fallback: "iam" },
  IAM_TRUSTED_PROXIES: { schema: cidrList, fallback: "" },
} as const;

type Variables = typeof variables;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]["schema"]> };

function readVariables(env: NodeJS.ProcessEnv): Parsed {
  const parsed: Record<string, unknown> = {};
  for (const [name, { schema, fallback }] of Object.entries(variables)) {
    const raw = env[name] === "" ? undefined : (env[name] ?? fallback);
    const result = (schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      const reason = result.error.issues[0]?.message ?? "is not valid";
      throw new ConfigError(
        `${name} ${reason.startsWith("must") ? reason : `is invalid: ${reason}`}`,
      );
    }
    parsed[name] = result.data;
  }
  return parsed as Parsed;
}

/**
 * Reads and validates the configuration. Throws a ConfigError whose message
 * names the first bad variable; the caller prints it and exits.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = readVariables(env);

  const config: Config = {
    production: v.NODE_ENV === "production",
    logLevel: v.IAM_LOG_LEVEL,
    host: v.IAM_HOST,
    httpPort: v.IAM_HTTP_PORT,
    rpcPort: v.IAM_RPC_PORT,
    rpcUrl: v.IAM_RPC_URL,
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    dataDir: v.IAM_DATA_DIR,
    registrationIdentifiers: v.IAM_REGISTRATION_IDENTIFIERS,
    loginSecondFactor: v.IAM_LOGIN_SECOND_FACTOR,
    codeLength: v.IAM_CODE_LENGTH,
    codeTtlSeconds: v.IAM_CODE_TTL_SECONDS,
    codeMaxAttempts: v.IAM_CODE_MAX_ATTEMPTS,
    resendCooldownSeconds: v.IAM_RESEND_COOLDOWN_SECONDS,
    maxSendsPerFlow: v.IAM_MAX_SENDS_PER_FLOW,
    flowTtlSeconds: v.IAM_FLOW_TTL_SECONDS,
    accessTokenTtlSeconds: v.IAM_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: v.IAM_REFRESH_TOKEN_TTL_SECONDS,
    loginMaxFailures: v.IAM_LOGIN_MAX_FAILURES,
    loginLockoutSeconds: v.IAM_LOGIN_LOCKOUT_SECONDS,
    sendsPerDestinationPerHour: v.IAM_SENDS_PER_DESTINATION_PER_HOUR,
    flowsPerClientPerMinute: v.IAM_FLOWS_PER_CLIENT_PER_MINUTE,
    notifyWebhookUrl: v.IAM_NOTIFY_WEBHOOK_URL,
    notifyWebhookSecret: v.IAM_NOTIFY_WEBHOOK_SECRET,
    smtpUrl: v.IAM_SMTP_URL,
    smtpFrom: v.IAM_SMTP_FROM,
    captchaVerifyUrl: v.IAM_CAPTCHA_VERIFY_URL,
    captchaSecret: v.IAM_CAPTCHA_SECRET,
    issuer: v.IAM_ISSUER,
    trustedProxies: v.IAM_TRUSTED_PROXIES,
  };

  checkCombinations(config);
  return config;
}

function checkCombinations(config: Config): void {
  if (config.httpPort !== 0 && config.httpPort === config.rpcPort) {
    throw new ConfigError("IAM_HTTP_PORT and IAM_RPC_PORT must differ");
  }
  const hasChannel = config.notifyWebhookUrl !== undefined || config.smtpUrl !== undefined;
  if (config.production && !hasChannel) {
    throw new ConfigError(
      "IAM_NOTIFY_WEBHOOK_URL or IAM_SMTP_URL must be set when NODE_ENV=production " +
        "(codes are never written to the log in production)",
    );
  }
  if (config.captchaVerifyUrl !== undefined && config.captchaSecret === undefined) {
    throw new ConfigError("IAM_CAPTCHA_SECRET must be set when IAM_CAPTCHA_VERIFY_URL is set");
  }
  if (config.smtpUrl !== undefined && config.registrationIdentifiers.includes("phone")) {
    if (config.notifyWebhookUrl === undefined && config.production) {
      throw new ConfigError("IAM_NOTIFY_WEBHOOK_URL must be set to deliver phone codes");
    }
  }
}
