/**
 * A weak ETag, as servers mark one they may yet change within the second (Apache: `W/"..."`, held
 * here without its quotes as `W/...`).
 */
export const isWeakETag = (tag: string): boolean => tag.startsWith('W/');

/**
 * The opaque tag of an ETag, weak or strong: `W/abc` and `abc` are the same tag, the one the file
 * has once its second is past. What listings hand on, and what a check made before a write compares.
 */
export const strongETag = (tag: string): string => (isWeakETag(tag) ? tag.slice(2) : tag);
