/**
 * The shapes shared by every webhook verifier (`hookd/verify`) and by the `/in/*` face.
 *
 * Glossary: a **verification** is a source's setting (`{type: 'stripe', secrets: [...]}`); a
 * **verifier** checks one request against it over the raw body bytes; a **handshake** is a
 * provider's set-up request (Slack `url_verification`, X CRC...) answered inline.
 */

/** Header fields in arrival order; a name may repeat. Names compare case-insensitively. */
export type HeaderPairs = readonly (readonly [name: string, value: string])[];

/** A received request as a verifier sees it. */
export interface VerifiableRequest {
  /** Upper-case HTTP method. */
  method: string;
  /**
   * The URL the sender called, as the sender saw it (scheme, host, path, query): Twilio, HubSpot
   * and Square sign it. hookd builds it from `HOOKD_PUBLIC_URL`.
   */
  url: string;
  headers: HeaderPairs;
  /** The body exactly as received. */
  body: Uint8Array;
}

/** Why a request failed verification; the names are the request's rejection cause. */
export type VerifyCause =
  /** No signature (or credential) header/field at all. */
  | 'signature_missing'
  /** A signature is present but none matches any of the secrets (wrong secret, or body altered). */
  | 'signature_invalid'
  /** The signed timestamp is too old or too far in the future. */
  | 'timestamp_out_of_window'
  /** A certificate or key could not be fetched, or is not from the provider's own host. */
  | 'certificate_invalid';

export type VerifyResult =
  | {
      ok: true;
      /** The provider's id for this delivery (e.g. `X-GitHub-Delivery`, `webhook-id`), for dedup. */
      deliveryId?: string;
    }
  | {
      ok: false;
      cause: VerifyCause;
      /** A sentence for a person: what was missing or wrong (never a secret). */
      detail: string;
    };

/**
 * Fetches a PEM certificate (or key) over HTTPS from an allow-listed host; cached. With
 * `provider`, only that provider's hosts are allowed (a PayPal certificate never comes from SNS).
 */
export type CertificateFetcher = (url: string, provider?: string) => Promise<string>;

/** What a verifier may need beyond the request and the setting. */
export interface VerifyContext {
  /** Now, in ms since the epoch (timestamps are checked against it, both ways). */
  now: number;
  /** For schemes that sign with a provider certificate (PayPal, AWS SNS). */
  fetchCertificate?: CertificateFetcher;
  /**
   * The caller has no use for the delivery id (it dedups by something else, or not at all): a
   * verifier may then leave it out where reading it costs, e.g. Stripe's event id, which needs
   * the whole JSON body parsed.
   */
  skipDeliveryId?: boolean;
}

/**
 * A source's verification setting, as stored and as given to `POST /api/v1/source`:
 * `{type, secrets?, toleranceSeconds?, ...type-specific}`. Each type's own fields are validated by
 * `parseVerification` (see verification.ts).
 */
export interface Verification {
  type: string;
  /** Several during a rotation: a request is valid if any one matches. */
  secrets?: string[];
  /** How far a signed timestamp may be from now, either way. Default per provider (usually 300). */
  toleranceSeconds?: number;
  [field: string]: unknown;
}

/** An answer sent instead of the source's configured response (a provider's handshake). */
export interface HandshakeReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}
