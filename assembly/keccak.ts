/** Placeholder: filled by the issue that builds this domain. */
export const keccakPlaceholder: i32 = 0;
