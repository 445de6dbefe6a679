/** Month names, shared by the page's server-drawn first screen (page.ts) and the UI (grid.ts). */

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * `March 2024` of `2024-03`. By name, not `toLocaleString`: a formatter made per call cost about a
 * millisecond each, and the scrubber labels every month of the library before the first screen.
 */
export function monthLabel(month: string): string {
  const name = MONTH_NAMES[Number(month.slice(5, 7)) - 1];
  return name ? `${name} ${month.slice(0, 4)}` : month;
}
