import type { ProviderSpec } from '../provider-spec.js';
import { awsSnsProvider } from './aws-sns.js';
import { discordProvider } from './discord.js';
import { microsoftGraphProvider } from './microsoft-graph.js';
import { paypalProvider } from './paypal.js';
import { sendgridProvider } from './sendgrid.js';

/**
 * The verification types that check a provider's public key or certificate (no shared HMAC
 * secret), by type name, for the table in providers.ts. `microsoft-graph` is here too though it
 * is a shared-secret check: it is not an HMAC scheme, and it pairs with its handshake
 * (handshakes.ts).
 */
export const asymmetricProviders: Record<string, ProviderSpec> = {
  paypal: paypalProvider,
  sendgrid: sendgridProvider,
  'aws-sns': awsSnsProvider,
  discord: discordProvider,
  'microsoft-graph': microsoftGraphProvider,
};

export { snsStringToSign } from './aws-sns.js';
