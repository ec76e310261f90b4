import { credentialForms, redact } from './secret.js';

describe('credentialForms', () => {
  const id = 'my app';
  const secret = 'a b+c/d=e&f%g~h*i';

  it('lists the secret in every form a request carries it, longest first', () => {
    const forms = credentialForms(id, secret);
    expect(forms).toEqual(
      expect.arrayContaining([
        secret,
        encodeURIComponent(secret),
        encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
        new URLSearchParams({ s: secret }).toString().slice(2),
        `${id}:${secret}`,
        Buffer.from(`${id}:${secret}`).toString('base64'),
        Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64'),
      ]),
    );
    expect(forms.map((f) => f.length)).toEqual(
      [...forms.map((f) => f.length)].sort((a, b) => b - a),
    );
  });

  it('lets redact remove a Basic header and a form body that echo the secret', () => {
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const body = new URLSearchParams({ client_id: id, client_secret: secret }).toString();
    const text = redact(`${basic} ${body} ${id}:${secret}`, credentialForms(id, secret));
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(text).toBe(`Basic [REDACTED] client_id=my+app&client_secret=[REDACTED] [REDACTED]`);
  });
});
