// A browser stand-in for redirect flows (OpenID4VP user flow): cookies per origin and path, redirects followed by hand.
/** A browser stand-in: cookies per origin+path prefix, redirects followed by hand so each hop can be inspected. */
export class Agent {
  private readonly jar: Array<{ origin: string; path: string; name: string; value: string }> = [];
  async get(url: string): Promise<Response> {
    const u = new URL(url);
    const cookie = this.jar.filter((c) => c.origin === u.origin && u.pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      const p = attrs.map((x) => x.trim()).find((x) => x.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      this.jar.splice(0, this.jar.length, ...this.jar.filter((c) => !(c.origin === u.origin && c.name === name)), { origin: u.origin, path: p, name, value });
    }
    return res;
  }
  /** follows redirects from `url` until `stop(url)` (not requested) or an answer that is not a redirect */
  async follow(url: string, stop: (u: URL) => boolean): Promise<{ url: string; res?: Response }> {
    let next = url;
    for (let i = 0; i < 10; i++) {
      if (stop(new URL(next))) return { url: next };
      const res = await this.get(next);
      const loc = res.headers.get('location');
      if (res.status !== 302 || !loc) return { url: next, res };
      next = new URL(loc, next).toString();
    }
    throw new Error('too many redirects');
  }
}
