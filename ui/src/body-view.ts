/** Ways to show a request body: the decoded bytes as JSON, form fields, text, or hex. */

export function decodeBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function asText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** Pretty JSON, or null when the body is not JSON. */
export function asPrettyJson(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/** `application/x-www-form-urlencoded` fields, or null when the body is not a form. */
export function asFormFields(text: string, contentType: string | undefined): [string, string][] | null {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  return [...new URLSearchParams(text).entries()];
}

/** A hex dump: offset, 16 bytes in hex, the printable characters. */
export function asHex(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const lines: string[] = [];
  const shown = Math.min(bytes.length, maxBytes);
  for (let offset = 0; offset < shown; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, shown));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const chars = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${chars}`);
  }
  if (bytes.length > shown) lines.push(`… ${bytes.length - shown} more bytes`);
  return lines.join('\n');
}

/** A shell-quoted curl command that sends the same request to `url`. */
export function asCurl(method: string, url: string, headers: string[][], text: string): string {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const skip = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'transfer-encoding']);
  const parts = [`curl -X ${method} ${quote(url)}`];
  for (const [name, value] of headers)
    if (!skip.has(name.toLowerCase())) parts.push(`-H ${quote(`${name}: ${value}`)}`);
  if (text !== '') parts.push(`--data-binary ${quote(text)}`);
  return parts.join(' \\\n  ');
}
