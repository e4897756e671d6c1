import { createHash } from 'node:crypto';
import { newId, randomToken } from '../core/ids.js';
import type { Store } from '../store/store.js';

/** The setting that holds the SHA-256 (hex) of the generated admin token. */
export const ADMIN_TOKEN_SETTING = 'admin_token_sha256';
const ADMIN_TOKEN_PREFIX = 'sk_';
const APP_TOKEN_PREFIX = 'appsk_';
const TOKEN_RANDOM_LENGTH = 32;

/** SHA-256 hex of a token: the only form in which tokens are stored or compared. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Makes sure an admin token exists when none is configured: at first start it generates one,
 * stores only its hash in the `admin_token_sha256` setting and returns the plaintext, which the
 * caller shows once. Later starts return `null`: the token cannot be recovered, only replaced.
 */
export async function ensureAdminToken(store: Store): Promise<string | null> {
  if ((await store.auth.getSetting(ADMIN_TOKEN_SETTING)) !== null) return null;
  const token = ADMIN_TOKEN_PREFIX + randomToken(TOKEN_RANDOM_LENGTH);
  const hash = hashToken(token);
  // Processes starting together race here: only the one whose hash was stored shows its token.
  return (await store.auth.initSetting(ADMIN_TOKEN_SETTING, hash)) === hash ? token : null;
}

/**
 * Creates an API token and stores its hash. `appId: null` makes an admin token; an app token
 * (`appsk_...`) reaches only that application. Returns the plaintext, which is never stored.
 */
export async function createApiToken(
  store: Store,
  options: { appId: string | null; expiresAt: number | null; now: number },
): Promise<string> {
  const token = (options.appId === null ? ADMIN_TOKEN_PREFIX : APP_TOKEN_PREFIX) + randomToken(TOKEN_RANDOM_LENGTH);
  await store.auth.createToken({
    id: newId('tok', options.now),
    hash: hashToken(token),
    appId: options.appId,
    createdAt: options.now,
    expiresAt: options.expiresAt,
  });
  return token;
}
