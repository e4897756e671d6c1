import { describe, expect, it } from 'vitest';
import { sourceAnswer } from './source-answer.js';

const response = { status: 202, body: 'queued', contentType: 'text/plain', headers: { 'x-a': '1' } };

describe('sourceAnswer', () => {
  it('answers as configured, without CORS headers unless asked', () => {
    const answer = sourceAnswer(response, { method: 'POST', headers: [['origin', 'https://app.example.com']] });
    expect(answer).toEqual({
      status: 202,
      headers: { 'x-a': '1', 'content-type': 'text/plain' },
      body: 'queued',
      delayMs: 0,
    });
  });

  it('allows the caller origin with cors, and answers a preflight 204 with the asked headers', () => {
    const cors = { ...response, cors: true, delayMs: 250 };
    const simple = sourceAnswer(cors, { method: 'POST', headers: [['Origin', 'https://app.example.com']] });
    expect(simple).toMatchObject({ status: 202, body: 'queued', delayMs: 250 });
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(simple.headers.vary).toBe('Origin');
    const preflight = sourceAnswer(cors, {
      method: 'OPTIONS',
      headers: [
        ['origin', 'https://app.example.com'],
        ['access-control-request-method', 'PUT'],
        ['access-control-request-headers', 'x-custom, content-type'],
      ],
    });
    expect(preflight.status).toBe(204);
    expect(preflight.body).toBe('');
    expect(preflight.headers['access-control-allow-headers']).toBe('x-custom, content-type');
    expect(preflight.headers['access-control-allow-methods']).toContain('PUT');
    // Without an Origin (curl), any origin.
    expect(sourceAnswer(cors, { method: 'GET', headers: [] }).headers['access-control-allow-origin']).toBe('*');
  });

  it('caps the delay at 10 s whatever is stored', () => {
    expect(sourceAnswer({ ...response, delayMs: 60_000 }, { method: 'GET', headers: [] }).delayMs).toBe(10_000);
  });
});
