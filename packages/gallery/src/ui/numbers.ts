/**
 * `12,345` of 12345: digits grouped by three with commas, as `toLocaleString('en')` writes a whole
 * number. By hand because the page's first `Intl` call loads the browser's locale data, 40-80 ms of
 * the task that puts the first screen's tiles on the page.
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  const head = digits.length % 3 || 3;
  let text = digits.slice(0, head);
  for (let at = head; at < digits.length; at += 3) text += `,${digits.slice(at, at + 3)}`;
  return n < 0 ? `-${text}` : text;
}
