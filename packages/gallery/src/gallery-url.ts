/**
 * The address a browser opens a gallery at: `http://HOST:PORT/?token=TOKEN`, an IPv6 host in
 * brackets, the token encoded so that one holding `&`, `#` or `+` reaches the server as it is.
 */
export function galleryUrl(host: string, port: number, token: string): string {
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${shown}:${port}/?token=${encodeURIComponent(token)}`;
}
